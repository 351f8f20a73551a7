//! Fuzz target: any bytes as `replications.tsv` (the journal `merge` and
//! `run --resume` read back) → the line parser with its checksums (the
//! first byte, when odd, recomputes them, to reach the field checks) and
//! the field-by-field checks against a small study; what reads back must
//! write and read again to the same bits. It must never panic.
#![no_main]

mod common;

use libfuzzer_sys::fuzz_target;
use shequ::study::shard::Shard;
use shequ::study::store::{self, Expected};

fuzz_target!(|data: &[u8]| {
    let bytes = common::maybe_resealed(data);
    let Ok(c) = store::read(&bytes) else { return };
    assert!(c.stored.len() < c.lines.max(1));
    let expected = Expected {
        names: vec!["small".into(), "small_stipends".into()],
        reps: 4,
        seed: 7,
        shard: (data.len() % 3 == 0).then_some(Shard { index: 1, count: 2 }),
        months: vec![Some(2), None],
    };
    let _ = store::check(&c.stored, &expected);
    let mut out = Vec::new();
    let items: Vec<(usize, &str, &shequ::study::runner::RepResult)> = c
        .stored
        .iter()
        .map(|s| (s.scenario, s.name.as_str(), &s.result))
        .collect();
    store::write_all(&mut out, items).expect("write to memory");
    let back = store::read(&out).expect("what was read writes back readably");
    assert_eq!(back.stored.len(), c.stored.len());
    // NaN's sign and payload are not kept by the decimal form (the tool
    // never stores a NaN metric: such a replication fails).
    let bits = |v: &[f64]| {
        v.iter()
            .map(|x| if x.is_nan() { 0 } else { x.to_bits() })
            .collect::<Vec<_>>()
    };
    for (a, b) in c.stored.iter().zip(&back.stored) {
        assert_eq!((a.scenario, &a.name), (b.scenario, &b.name));
        assert_eq!(bits(&a.result.values), bits(&b.result.values));
        assert_eq!(a.result.monthly.len(), b.result.monthly.len());
        assert_eq!(a.result.by_jurisdiction.len(), b.result.by_jurisdiction.len());
        assert_eq!(
            (a.result.replication, a.result.seed, a.result.person_months),
            (b.result.replication, b.result.seed, b.result.person_months)
        );
    }
});
