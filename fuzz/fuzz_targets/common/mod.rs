//! What the fuzz targets share: a private working folder holding the
//! shipped baseline scenario and its data file, so relative paths in fuzzed
//! files resolve as they would next to scenarios/baseline.toml.
#![allow(dead_code)]

use std::path::PathBuf;
use std::sync::OnceLock;

/// The working folder (one per process), made on first use.
pub fn workdir() -> &'static PathBuf {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("shequ-fuzz-{}", std::process::id()));
        let root = concat!(env!("CARGO_MANIFEST_DIR"), "/..");
        std::fs::create_dir_all(dir.join("data")).expect("temp dir");
        std::fs::copy(
            format!("{root}/scenarios/data/tianqiao_jurisdictions.csv"),
            dir.join("data/tianqiao_jurisdictions.csv"),
        )
        .expect("data file");
        std::fs::copy(format!("{root}/scenarios/baseline.toml"), dir.join("baseline.toml")).expect("baseline");
        let stipends = std::fs::read_to_string(format!("{root}/scenarios/reforms/raise_stipends.toml"))
            .expect("reform")
            .replace("../baseline.toml", "baseline.toml");
        std::fs::write(dir.join("raise_stipends.toml"), stipends).expect("reform");
        dir
    })
}

/// With the first byte odd, the rest with every line's checksum recomputed
/// (so the fuzzer also reaches the field checks behind the checksums);
/// otherwise the rest as it is.
pub fn maybe_resealed(data: &[u8]) -> Vec<u8> {
    match data.split_first() {
        Some((&b, rest)) if b & 1 == 1 => match std::str::from_utf8(rest) {
            Ok(t) => shequ::study::checksum::reseal(t).into_bytes(),
            Err(_) => rest.to_vec(),
        },
        Some((_, rest)) => rest.to_vec(),
        None => Vec::new(),
    }
}
