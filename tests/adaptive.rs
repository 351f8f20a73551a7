//! `run --target-ci W --metric NAME`: batches until the 95% half-width is
//! ≤ W; the final files equal a fixed run with the same replication count.

mod common;

use shequ::cli;
use shequ::study::adaptive::Adaptive;
use std::path::Path;

fn files_equal(a: &Path, b: &Path, names: &[&str]) {
    for f in names {
        let x = std::fs::read(a.join(f)).unwrap();
        let y = std::fs::read(b.join(f)).unwrap();
        assert!(x == y, "{f} differs from the fixed run's");
    }
}

fn adaptive_matches_fixed(scenarios: &[&str], metric: &str, names: &[&str]) {
    let dir = tempfile::tempdir().unwrap();
    let loaded = cli::load_scenarios(&scenarios.iter().map(|s| common::root().join(s)).collect::<Vec<_>>()).unwrap();
    // Pilots of 3 and 12 replications set a target below the first batch's
    // half-width (the adaptive run's first 3 replications are the same) and
    // about 20 replications' worth, whichever is smaller: the run must take
    // a second batch and stay within 200.
    let half_width = |reps: u32, name: &str| {
        let pilot = cli::run::run(
            &common::options(scenarios, reps, 11, &dir.path().join(name), 2),
            &loaded,
            &|| {},
        )
        .unwrap();
        if pilot.compare.is_empty() {
            let s = &pilot.metric_summaries.iter().find(|(m, _)| m == metric).unwrap().1;
            (s.ci95_high.unwrap() - s.ci95_low.unwrap()) / 2.0
        } else {
            let r = pilot
                .compare
                .iter()
                .find(|r| r.split == "district" && r.metric == metric)
                .unwrap();
            (r.diff.ci95_high.unwrap() - r.diff.ci95_low.unwrap()) / 2.0
        }
    };
    let target = (0.8 * half_width(3, "pilot3")).min(half_width(12, "pilot12") * (12.0f64 / 20.0).sqrt());
    let out = dir.path().join("adaptive");
    let report = cli::run::run_adaptive(
        &common::options(scenarios, 3, 11, &out, 2),
        &loaded,
        &Adaptive {
            target_half_width: target,
            metric: metric.into(),
            max_reps: 200,
        },
        &|| {},
    )
    .unwrap();
    let a = report.manifest.adaptive.clone().unwrap();
    assert!(a.met, "{a:?}");
    assert!(a.half_width <= target);
    assert!(a.batches.len() >= 2 && a.batches[0] == 3, "{a:?}");
    assert_eq!(*a.batches.last().unwrap(), a.replications);
    assert_eq!(report.manifest.replications, a.replications);
    let manifest = std::fs::read_to_string(out.join("manifest.json")).unwrap();
    assert!(
        manifest.contains("\"adaptive\""),
        "the manifest records the adaptive run"
    );
    let fixed = dir.path().join("fixed");
    cli::run::run(
        &common::options(scenarios, a.replications, 11, &fixed, 1),
        &loaded,
        &|| {},
    )
    .unwrap();
    files_equal(&out, &fixed, names);
}

#[test]
fn one_scenario_stops_at_the_target_and_equals_a_fixed_run() {
    adaptive_matches_fixed(
        &["tests/data/small.toml"],
        "satisfaction_mean",
        &["runs.csv", "summary.csv", "timeseries.csv"],
    );
}

#[test]
fn reform_effects_stop_at_the_target_and_equal_a_fixed_run() {
    adaptive_matches_fixed(
        &["tests/data/small.toml", "tests/data/small_stipends.toml"],
        "cadre_turnover_rate",
        &[
            "runs.csv",
            "summary.csv",
            "timeseries.csv",
            "compare.csv",
            "compare_by_group.csv",
        ],
    );
}

#[test]
fn an_unmet_target_stops_at_max_reps() {
    let dir = tempfile::tempdir().unwrap();
    let loaded = cli::load_scenarios(&[common::root().join("tests/data/small.toml")]).unwrap();
    let report = cli::run::run_adaptive(
        &common::options(&["tests/data/small.toml"], 2, 1, dir.path(), 2),
        &loaded,
        &Adaptive {
            target_half_width: 1e-12,
            metric: "satisfaction_mean".into(),
            max_reps: 5,
        },
        &|| {},
    )
    .unwrap();
    let a = report.manifest.adaptive.unwrap();
    assert!(!a.met);
    assert_eq!(a.replications, 5);
}
