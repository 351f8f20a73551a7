//! Fuzz target: any bytes as a scenario file → parsing, `extends`
//! resolution, validation and, when valid, a one-month run of a tiny sample.
//! It must never panic: every bad input is an `InputError`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use shequ::model::{init, schedule};
use shequ::files::scenario_file;
use std::path::PathBuf;
use std::sync::OnceLock;

/// A private directory holding the shipped data file, so relative paths in
/// fuzzed scenarios resolve as they would next to scenarios/baseline.toml.
fn workdir() -> &'static PathBuf {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("shequ-fuzz-{}", std::process::id()));
        let data = concat!(env!("CARGO_MANIFEST_DIR"), "/../scenarios/data/tianqiao_jurisdictions.csv");
        std::fs::create_dir_all(dir.join("data")).expect("temp dir");
        std::fs::copy(data, dir.join("data/tianqiao_jurisdictions.csv")).expect("data file");
        std::fs::copy(concat!(env!("CARGO_MANIFEST_DIR"), "/../scenarios/baseline.toml"), dir.join("baseline.toml"))
            .expect("baseline");
        dir
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let path = workdir().join("fuzzed.toml");
    if std::fs::write(&path, text).is_err() {
        return;
    }
    if let Ok(mut s) = scenario_file::load(&path) {
        let sim = &mut s.params.simulation;
        // Keep each execution small: a tiny sample for one month.
        sim.population_scale = sim.population_scale.min(0.002);
        sim.months = 1;
        sim.outcome_window_months = 1;
        let mut w = init::build(&s.params, &s.jurisdictions, 1);
        let totals = schedule::step(&mut w, &s.params);
        assert_eq!(totals.len(), s.jurisdictions.len());
    }
});
