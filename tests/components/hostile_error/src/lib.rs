//! Fails every page with a 16 MiB error message that starts with terminal escape sequences
//! (an OSC 52 clipboard write and a clear-screen): the host must bound it and keep control
//! characters off the operator's terminal and out of osquery.

hostile::hostile_table!("hostile_error", "Fails with a huge hostile message", |_page| {
    let mut message = String::from("\u{1b}]52;c;aGFja2Vk\u{7}\u{1b}[2Jowned ");
    message.push_str(&"A".repeat(16 << 20));
    Err(message)
});
