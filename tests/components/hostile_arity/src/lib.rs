//! Returns rows with fewer cells than columns.

use hostile::Cell;

hostile::hostile_table!("hostile_arity", "Returns rows with fewer cells than columns", |page| {
    Ok(vec![vec![Cell::Text(format!("{} bytes", page.len()))]])
});
