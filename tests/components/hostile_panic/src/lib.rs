//! Panics on every page.

hostile::hostile_table!("hostile_panic", "Panics on every page", |page| {
    panic!("hostile table refuses a page of {} bytes", page.len())
});
