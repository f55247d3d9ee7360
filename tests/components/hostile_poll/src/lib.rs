//! Waits two minutes in `poll(2)` with no descriptors: wasi-libc turns that into a
//! `wasi:io/poll` on a monotonic-clock pollable, which the deadline must also stop.

hostile::hostile_table!("hostile_poll", "Polls a timer instead of converting", |page| {
    // SAFETY: no descriptors are passed (null with a count of 0); only the timeout is used.
    let ready = unsafe { libc::poll(std::ptr::null_mut(), 0, 120_000) };
    Ok(vec![vec![hostile::Cell::Text(format!("poll returned {ready}")), hostile::Cell::Integer(page.len() as i64)]])
});
