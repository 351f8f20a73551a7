//! Writing files safely: every file is written to a temporary name in the
//! output directory and renamed when complete, so an interrupted run never
//! leaves a truncated file under a final name. Also the output directory
//! itself (created, checked to be writable) and the number format every
//! file uses.

use serde::Serialize;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// Writes `name` in `dir` through a temporary file and a rename.
pub fn write_atomic(
    dir: &Path,
    name: &str,
    body: impl FnOnce(&mut dyn Write) -> io::Result<()>,
) -> io::Result<PathBuf> {
    let final_path = dir.join(name);
    let tmp = dir.join(format!(".{name}.tmp-{}", std::process::id()));
    let result = (|| {
        let file = std::fs::File::create(&tmp)?;
        let mut w = io::BufWriter::new(file);
        body(&mut w)?;
        let file = w.into_inner().map_err(|e| e.into_error())?;
        file.sync_all()?;
        std::fs::rename(&tmp, &final_path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result.map(|_| final_path)
}

/// Writes `value` as pretty JSON to `name` in `dir` (atomically).
pub fn write_json(dir: &Path, name: &str, value: &impl Serialize) -> io::Result<PathBuf> {
    write_atomic(dir, name, |w| {
        serde_json::to_writer_pretty(&mut *w, value).map_err(io::Error::other)?;
        w.write_all(b"\n")
    })
}

/// Shortest decimal that reads back to the same f64 (byte-stable).
pub fn num(v: f64) -> String {
    format!("{v}")
}

/// A 64-bit seed as written in CSV files: `0x` and 16 hex digits. R's
/// `read.csv` and pandas read it as a string, so no digit is lost (a decimal
/// above 2^53 would be rounded to a double); Python's `int(s, 16)` gives
/// the number back.
pub fn seed_cell(seed: u64) -> String {
    format!("0x{seed:016x}")
}

/// Creates `dir` and its parents.
pub fn create_dir(dir: &Path) -> io::Result<()> {
    std::fs::create_dir_all(dir)
}

/// Checks that files can be written in `dir` (writes and removes a probe).
pub fn probe_writable(dir: &Path) -> io::Result<()> {
    let probe = dir.join(format!(".shequ-write-test-{}", std::process::id()));
    std::fs::write(&probe, b"")?;
    std::fs::remove_file(&probe)
}
