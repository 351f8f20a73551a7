//! Fuzz target: any bytes as `sweep_shard.tsv` (what `sweep --merge` reads
//! back) → the header and line parser with its checksums (the first byte,
//! when odd, recomputes the lines' checksums, to reach the field checks);
//! what reads back must write and read again the same. It must never panic.
#![no_main]

mod common;

use libfuzzer_sys::fuzz_target;
use shequ::files::sweep_files;

fuzz_target!(|data: &[u8]| {
    let bytes = common::maybe_resealed(data);
    let Ok(text) = std::str::from_utf8(&bytes) else { return };
    let Ok((header, rows)) = sweep_files::read_shard(text) else {
        return;
    };
    assert_eq!(rows.len(), header.items);
    assert!(header.index >= 1 && header.index <= header.count && header.reps >= 1);
    // Round trip through the writer (a header field with a tab or newline
    // could not be written back: the parser never gives one).
    let dir = common::workdir().join("shard");
    if std::fs::create_dir_all(&dir).is_err() {
        return;
    }
    let items: Vec<_> = rows.iter().map(|(i, _)| *i).collect();
    let results: Vec<_> = rows.iter().map(|(_, r)| *r).collect();
    // Version 1 files are written back as version 2.
    let h = header.clone();
    if sweep_files::write_shard(&dir, &h, &items, &results).is_err() {
        return;
    }
    let (h2, rows2) = sweep_files::read_shard_file(&dir).expect("a written shard reads back");
    assert_eq!(h2, h);
    assert_eq!(rows2.len(), rows.len());
    for ((i1, (v1, p1)), (i2, (v2, p2))) in rows.iter().zip(&rows2) {
        assert_eq!((i1, p1), (i2, p2));
        assert!(v1
            .iter()
            .zip(v2)
            .all(|(a, b)| a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan())));
    }
});
