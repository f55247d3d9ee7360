//! Reads the host filesystem, so it imports wasi:filesystem and must be refused at load.

use hostile::Cell;

hostile::hostile_table!("hostile_fs", "Reads /etc/passwd", |page| {
    let secret = std::fs::read_to_string("/etc/passwd").map_err(|e| e.to_string())?;
    Ok(vec![vec![Cell::Text(secret), Cell::Integer(page.len() as i64)]])
});
