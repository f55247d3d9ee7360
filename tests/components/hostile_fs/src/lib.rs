//! Reads the host filesystem. Its language runtime's wasi:filesystem import is linked, but
//! with no preopened directory, so the read must fail inside the sandbox.

use hostile::Cell;

hostile::hostile_table!("hostile_fs", "Reads /etc/passwd", |page| {
    let secret = std::fs::read_to_string("/etc/passwd").map_err(|e| format!("cannot read /etc/passwd: {e}"))?;
    Ok(vec![vec![Cell::Text(secret), Cell::Integer(page.len() as i64)]])
});
