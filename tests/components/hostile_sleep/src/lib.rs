//! Sleeps for two minutes in `rows`. Epoch interruption cannot stop a blocked host call; the
//! sandbox must not let the call block at all.

hostile::hostile_table!("hostile_sleep", "Sleeps instead of converting", |page| {
    std::thread::sleep(std::time::Duration::from_secs(120));
    Ok(vec![vec![hostile::Cell::Text("woke up".into()), hostile::Cell::Integer(page.len() as i64)]])
});
