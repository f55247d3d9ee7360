//! Returns an integer in a TEXT column.

use hostile::Cell;

hostile::hostile_table!("hostile_type", "Returns an integer in a TEXT column", |page| {
    Ok(vec![vec![Cell::Integer(page.len() as i64), Cell::Integer(1)]])
});
