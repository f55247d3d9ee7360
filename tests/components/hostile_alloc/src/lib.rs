//! Allocates without bound: the memory cap must stop it.

hostile::hostile_table!("hostile_alloc", "Allocates without bound", |page| {
    let mut hoard: Vec<Vec<u8>> = Vec::new();
    loop {
        hoard.push(vec![page.len() as u8; 1 << 20]);
        std::hint::black_box(&hoard);
    }
});
