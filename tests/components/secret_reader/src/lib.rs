//! Declares core Secrets with `metadata-only` off and reports, per Secret, how many bytes of
//! `data` reached it. Without a grant it must be refused; with one it must still see none.

use hostile::Cell;

hostile::hostile_table!("secret_reader", "Wants Secret values", reading: ("", "v1", "secrets", "Secret"), |page| {
    let text = String::from_utf8_lossy(&page);
    let items = text.matches("\"uid\"").count();
    let data = text.find("\"data\"").map_or(0, |at| text.len() - at);
    Ok((0..items).map(|_| vec![Cell::Text("secret".into()), Cell::Integer(data as i64)]).collect())
});
