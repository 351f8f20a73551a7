//! Fuzz target: any bytes as `run.json` (the study identity `--resume` and
//! `merge` read back) → UTF-8, JSON, fields and their checks; what parses
//! must serialise and parse back equal, and match itself. It must never
//! panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use shequ::files::journal;
use shequ::study::identity::identity_mismatch;

fuzz_target!(|data: &[u8]| {
    let Ok(id) = journal::parse_identity(data) else { return };
    assert_eq!(identity_mismatch(&id, &id), None);
    let text = serde_json::to_string_pretty(&id).expect("serialises");
    let back = journal::parse_identity(text.as_bytes()).expect("what was read writes back readably");
    assert_eq!(back, id);
});
