//! Never returns: the CPU deadline must stop it.

hostile::hostile_table!("hostile_loop", "Never returns", |page| {
    let mut n = page.len() as u64;
    loop {
        n = std::hint::black_box(n.wrapping_mul(6364136223846793005).wrapping_add(1));
    }
});
