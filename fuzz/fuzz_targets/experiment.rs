//! Fuzz target: any bytes as an experiment file → parsing, the scenarios it
//! names, factor and design validation; when it loads, the design's point
//! count must be what `design()` lays out, and every point's factor values
//! must apply to the scenarios. It must never panic: every bad input is an
//! `InputError`.
#![no_main]

mod common;

use libfuzzer_sys::fuzz_target;
use shequ::files::experiment_file;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let path = common::workdir().join("fuzzed_experiment.toml");
    if std::fs::write(&path, text).is_err() {
        return;
    }
    if let Ok(exp) = experiment_file::load(&path) {
        let n = exp
            .point_count()
            .expect("a loaded design's point count fits in 64 bits");
        assert!(n <= shequ::experiment::spec::MAX_DESIGN_POINTS);
        // Lay out small designs only, to keep each execution short.
        if n <= 2_000 {
            let d = exp.design();
            assert_eq!(d.points.len() as u64, n);
            assert_eq!(d.labels.len(), d.points.len());
            if let Some(p) = d.points.first() {
                assert_eq!(p.len(), exp.factors.len());
                let values = exp.values(p);
                assert!(values.iter().all(|v| !v.is_nan()), "{values:?}");
                let _ = exp.scenarios_at(&values);
            }
        }
    }
});
