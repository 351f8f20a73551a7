//! Fuzz target: any bytes as a sweep's working files, what `sweep --resume`
//! reads back. The first byte chooses: even → the rest is
//! `.shequ/sweep_items.tsv` read under a fixed identity key (with bit 1 set,
//! every line's checksum is recomputed first, to reach the field checks
//! behind it), and whatever reads back must write and read again the same;
//! odd → the rest is `.shequ/sweep.json`. It must never panic.
#![no_main]

mod common;

use libfuzzer_sys::fuzz_target;
use shequ::files::sweep_journal;

/// The key of a fixed, made-up sweep: any 16 hex digits serve.
const KEY: &str = "0123456789abcdef";

/// The text with every line after the header given the checksum its other
/// fields call for under `KEY`.
fn resealed(text: &str) -> String {
    let mut out = String::new();
    for (i, l) in text.split_inclusive('\n').enumerate() {
        let (body, nl) = l.strip_suffix('\n').map_or((l, ""), |b| (b, "\n"));
        match body.rsplit_once('\t') {
            Some((content, _)) if i > 0 => {
                out.push_str(content);
                out.push('\t');
                out.push_str(&sweep_journal::line_check(KEY, content));
            }
            _ => out.push_str(body),
        }
        out.push_str(nl);
    }
    out
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else { return };
    if mode & 1 == 1 {
        let dir = common::workdir().join("sweep_json");
        let path = sweep_journal::identity_path(&dir);
        if let Some(parent) = path.parent() {
            if std::fs::create_dir_all(parent).is_err() || std::fs::write(&path, rest).is_err() {
                return;
            }
        }
        if let Ok(Some(id)) = sweep_journal::read_identity(&dir) {
            // An identity that reads back has a key and matches itself.
            assert_eq!(id.key().len(), 16);
            assert!(sweep_journal::identity_mismatch(&id, &id).is_none());
        }
        return;
    }
    let bytes = if mode & 2 == 2 {
        match std::str::from_utf8(rest) {
            Ok(t) => resealed(t).into_bytes(),
            Err(_) => rest.to_vec(),
        }
    } else {
        rest.to_vec()
    };
    let Ok(items) = sweep_journal::read(&bytes, KEY, |_| Ok(())) else { return };
    // Round trip: the items written as lines read back to the same bits.
    let mut text = format!("{}\n", sweep_journal::HEADER);
    for (item, result) in &items {
        text.push_str(&sweep_journal::line(KEY, *item, result));
    }
    let again = sweep_journal::read(text.as_bytes(), KEY, |_| Ok(())).expect("written lines read back");
    assert_eq!(again.len(), items.len());
    for ((i1, (v1, p1)), (i2, (v2, p2))) in items.iter().zip(&again) {
        assert_eq!((i1, p1), (i2, p2));
        assert!(v1
            .iter()
            .zip(v2)
            .all(|(a, b)| a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan())));
    }
});
