//! Fuzz target: any bytes as the jurisdictions CSV → parsing and checks;
//! when it loads, its rows obey the checks, and (for a small district) the
//! baseline scenario on it builds and runs one month of a tiny sample.
//! It must never panic: every bad input is an `InputError`.
#![no_main]

mod common;

use libfuzzer_sys::fuzz_target;
use shequ::files::{jurisdictions_file, scenario_file};
use shequ::model::scenario::Scenario;
use shequ::model::{init, schedule};
use std::path::Path;
use std::sync::OnceLock;

fn baseline() -> &'static Scenario {
    static S: OnceLock<Scenario> = OnceLock::new();
    S.get_or_init(|| {
        let mut s = scenario_file::load(&common::workdir().join("baseline.toml")).expect("baseline loads");
        let sim = &mut s.params.simulation;
        sim.population_scale = 0.002;
        sim.months = 1;
        sim.outcome_window_months = 1;
        sim.spinup_months = 0;
        s
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let Ok(specs) = jurisdictions_file::parse_jurisdictions(Path::new("fuzzed.csv"), text) else {
        return;
    };
    assert!(!specs.is_empty());
    for j in &specs {
        assert!(j.committees >= 1 && j.population >= j.committees);
        assert!(j.area_km2.is_finite() && j.area_km2 > 0.0);
    }
    // Run only districts that stay small at the tiny scale.
    let persons: u64 = specs.iter().map(|j| u64::from(j.population)).sum();
    let committees: u64 = specs.iter().map(|j| u64::from(j.committees)).sum();
    if persons > 5_000_000 || committees > 200 || specs.len() > 50 {
        return;
    }
    let s = baseline();
    let mut w = init::build(&s.params, &specs, 1);
    let totals = schedule::step(&mut w, &s.params);
    assert_eq!(totals.len(), specs.len());
});
