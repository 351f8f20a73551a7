//! The spin-up (`simulation.spinup_months`): scenarios that differ only in
//! reforms share one spin-up per replication, and sharing changes no byte:
//! a shared run equals each scenario simulated with a spin-up of its own,
//! identical scenarios differ by exactly zero, months before a reform starts
//! equal the baseline's, and resume, shards, adaptive runs and sweeps give
//! the same bytes as one-piece runs.

mod common;

use shequ::cli;
use shequ::cli::run::RunOptions;
use shequ::files::study_files;
use shequ::model::scenario::Scenario;
use shequ::study::adaptive::Adaptive;
use shequ::study::runner::{self, RepResult};
use shequ::study::shard::Shard;
use std::path::{Path, PathBuf};

const FILES: [&str; 6] = [
    "runs.csv",
    "summary.csv",
    "timeseries.csv",
    "compare.csv",
    "compare_by_group.csv",
    "compare_timeseries.csv",
];

const SPINUP: u32 = 24;
const REFORM_START: u32 = 6;

/// Scenario files in `dir`: `base` (tests/data/small.toml with a spin-up),
/// `reform` (base + raise_stipends from month 6), `other` (base with another
/// stipend: a world parameter, so a spin-up of its own), `copy` (base
/// under another name) and `early` (base + dual_leadership from month 0: on
/// from the first horizon month, off in the spin-up, like every reform).
fn scenario_files(dir: &Path) -> Vec<PathBuf> {
    let small = common::root().join("tests/data/small.toml");
    vec![
        common::write(
            dir,
            "base.toml",
            &format!(
                "extends = \"{}\"\nname = \"base\"\n[simulation]\nspinup_months = {SPINUP}\n",
                small.display()
            ),
        ),
        common::write(
            dir,
            "reform.toml",
            &format!("extends = \"base.toml\"\nname = \"reform\"\n[reforms.raise_stipends]\nenabled = true\nstart_month = {REFORM_START}\nstipend_yuan_month = 800.0\ninsurance_yuan_month = 150.0\n"),
        ),
        common::write(
            dir,
            "other.toml",
            "extends = \"base.toml\"\nname = \"other\"\n[cadres]\nstipend_yuan_month = 500.0\n",
        ),
        common::write(dir, "copy.toml", "extends = \"base.toml\"\nname = \"copy\"\n"),
        common::write(
            dir,
            "early.toml",
            "extends = \"base.toml\"\nname = \"early\"\n[reforms.dual_leadership]\nenabled = true\nstart_month = 0\n",
        ),
    ]
}

fn options(scenarios: &[PathBuf], reps: u32, out: &Path, threads: usize) -> RunOptions {
    RunOptions {
        scenarios: scenarios.to_vec(),
        reps,
        seed: 2024,
        out: out.to_path_buf(),
        threads,
        baseline: None,
        command_line: vec![],
        shard: None,
        resume: false,
        force: false,
        decision: Default::default(),
    }
}

fn run(o: &RunOptions) -> cli::run::RunReport {
    let loaded = cli::load_scenarios(&o.scenarios).unwrap();
    cli::run::run(o, &loaded, &|| {}).unwrap()
}

fn read(p: &Path) -> String {
    std::fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

fn same_files(a: &Path, b: &Path, what: &str) {
    for f in FILES {
        assert!(
            std::fs::read(a.join(f)).unwrap() == std::fs::read(b.join(f)).unwrap(),
            "{f} differs: {what}"
        );
    }
}

/// CSV rows as (header, rows of cells).
/// A CSV's header and rows (quoted cells, such as the unit
/// `hours/1,000 residents/month`, read as one).
fn csv(p: &Path) -> (Vec<String>, Vec<Vec<String>>) {
    let text = read(p);
    let mut r = csv::Reader::from_reader(text.as_bytes());
    let header = r.headers().unwrap().iter().map(str::to_string).collect();
    let rows = r
        .records()
        .map(|x| x.unwrap().iter().map(str::to_string).collect())
        .collect();
    (header, rows)
}

fn col(header: &[String], name: &str) -> usize {
    header.iter().position(|h| h == name).unwrap()
}

/// Writes a study's final CSVs from results computed without sharing.
fn write_unshared(dir: &Path, scenarios: &[Scenario], reps: u32, seed: u64) {
    std::fs::create_dir_all(dir).unwrap();
    let results: Vec<Vec<RepResult>> = scenarios
        .iter()
        .map(|s| (0..reps).map(|r| runner::replicate(s, seed, r)).collect())
        .collect();
    let failed = vec![0; scenarios.len()];
    study_files::write_runs(dir, scenarios, &results, &Default::default()).unwrap();
    study_files::write_summary(dir, scenarios, &results, &failed).unwrap();
    study_files::write_timeseries(dir, scenarios, &results).unwrap();
    study_files::write_compare(dir, scenarios, &results, 0).unwrap();
    study_files::write_compare_timeseries(dir, scenarios, &results, 0).unwrap();
}

#[test]
fn a_shared_spinup_equals_a_spinup_per_scenario() {
    let dir = tempfile::tempdir().unwrap();
    let files = scenario_files(dir.path());
    let scenarios = [files[0].clone(), files[1].clone(), files[2].clone(), files[4].clone()];
    let scenarios = &scenarios[..];
    let shared = dir.path().join("shared");
    let report = run(&options(scenarios, 3, &shared, 2));
    let loaded = cli::load_scenarios(scenarios).unwrap();
    // Each replication of each scenario alone: `schedule::run`, its own spin-up.
    let alone = dir.path().join("alone");
    write_unshared(&alone, &loaded, 3, 2024);
    same_files(&shared, &alone, "shared spin-up vs one per scenario");
    // The same with one thread, and each scenario in a study of its own.
    let one_thread = dir.path().join("one-thread");
    run(&options(scenarios, 3, &one_thread, 1));
    same_files(&shared, &one_thread, "2 threads vs 1");
    let (_, rows) = csv(&shared.join("runs.csv"));
    for (i, f) in scenarios.iter().enumerate() {
        let own = dir.path().join(format!("own-{i}"));
        run(&options(std::slice::from_ref(f), 3, &own, 2));
        let (_, own_rows) = csv(&own.join("runs.csv"));
        let name = &loaded[i].name;
        let in_shared: Vec<&Vec<String>> = rows.iter().filter(|r| &r[0] == name).collect();
        assert_eq!(
            in_shared,
            own_rows.iter().collect::<Vec<_>>(),
            "runs.csv rows of {name}"
        );
    }
    // (e) The manifest names the groups: base and the reforms share, other not.
    assert_eq!(
        report.manifest.spinup_groups,
        vec![
            vec!["base".to_string(), "reform".into(), "early".into()],
            vec!["other".into()]
        ]
    );
    let m: serde_json::Value = serde_json::from_str(&read(&shared.join("manifest.json"))).unwrap();
    assert_eq!(
        m["spinup_groups"],
        serde_json::json!([["base", "reform", "early"], ["other"]])
    );
    for s in m["scenarios"].as_array().unwrap() {
        assert_eq!(s["spinup_months"], SPINUP, "{s}");
    }
    // The spin-up is not output: the horizon has simulation.months months.
    let (h, ts) = csv(&shared.join("timeseries.csv"));
    let last = ts.iter().map(|r| r[col(&h, "month")].parse::<u32>().unwrap()).max();
    assert_eq!(last, Some(loaded[0].params.simulation.months));
}

#[test]
fn identical_scenarios_differ_by_exactly_zero() {
    let dir = tempfile::tempdir().unwrap();
    let files = scenario_files(dir.path());
    let out = dir.path().join("out");
    let both = [files[0].clone(), files[3].clone()];
    let report = run(&options(&both, 4, &out, 2));
    assert_eq!(
        report.manifest.spinup_groups,
        vec![vec!["base".to_string(), "copy".into()]]
    );
    for f in ["compare.csv", "compare_timeseries.csv"] {
        let (h, rows) = csv(&out.join(f));
        assert!(!rows.is_empty());
        for r in &rows {
            for c in ["diff_mean", "diff_sd", "diff_se", "ci95_low", "ci95_high"] {
                let v: f64 = r[col(&h, c)].parse().unwrap_or_else(|_| panic!("{f}: {c} in {r:?}"));
                assert!(v == 0.0, "{f}: {c} = {v} in {r:?}");
            }
            assert_eq!(r[col(&h, "baseline_mean")], r[col(&h, "scenario_mean")], "{f}: {r:?}");
        }
    }
    let (h, rows) = csv(&out.join("compare_timeseries.csv"));
    assert_eq!(
        h,
        [
            "scenario",
            "baseline",
            "month",
            "metric",
            "unit",
            "direction",
            "n",
            "baseline_mean",
            "scenario_mean",
            "diff_mean",
            "diff_sd",
            "diff_se",
            "ci95_low",
            "ci95_high",
            "p_value",
            "note"
        ]
    );
    let months = 24;
    assert_eq!(rows.len(), months * shequ::model::metrics::N_METRICS);
    assert!(rows.iter().all(|r| r[col(&h, "n")] == "4"));
}

#[test]
fn months_before_a_reform_starts_equal_the_baseline() {
    let dir = tempfile::tempdir().unwrap();
    let files = scenario_files(dir.path());
    let out = dir.path().join("out");
    run(&options(&files[..2], 3, &out, 2));
    let (h, rows) = csv(&out.join("timeseries.csv"));
    let month = col(&h, "month");
    let of = |name: &str, before: bool| -> Vec<Vec<String>> {
        rows.iter()
            .filter(|r| r[0] == name && (r[month].parse::<u32>().unwrap() < REFORM_START) == before)
            .map(|r| r[1..].to_vec())
            .collect()
    };
    assert_eq!(
        of("base", true).len(),
        (REFORM_START as usize - 1) * shequ::model::metrics::N_METRICS
    );
    assert_eq!(of("base", true), of("reform", true), "months before start_month");
    assert_ne!(of("base", false), of("reform", false), "the reform changes nothing");
    let (h, rows) = csv(&out.join("compare_timeseries.csv"));
    for r in &rows {
        let m: u32 = r[col(&h, "month")].parse().unwrap();
        if m < REFORM_START {
            assert_eq!(r[col(&h, "diff_mean")], "0", "{r:?}");
        }
    }
}

#[test]
fn resume_shards_and_adaptive_runs_give_the_same_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let files = scenario_files(dir.path());
    let scenarios = &files[..3];
    let whole = dir.path().join("whole");
    run(&options(scenarios, 4, &whole, 2));
    // Shards: items are dealt by k mod N; each shard spins up what it needs.
    for n in [2, 5] {
        let dirs: Vec<PathBuf> = (1..=n)
            .map(|i| {
                let d = dir.path().join(format!("shard-{i}-of-{n}"));
                run(&RunOptions {
                    shard: Some(Shard { index: i, count: n }),
                    ..options(scenarios, 4, &d, 2)
                });
                d
            })
            .collect();
        let merged = dir.path().join(format!("merged-{n}"));
        cli::merge::merge(&dirs, &merged, vec![]).unwrap();
        same_files(&whole, &merged, &format!("{n} shards merged"));
        let shard: serde_json::Value = serde_json::from_str(&read(&dirs[0].join("shard.json"))).unwrap();
        assert_eq!(shard["scenarios"][0]["spinup_months"], SPINUP);
    }
    // Resume: a run that kept only some replications (in completion order).
    let part = dir.path().join("part");
    run(&options(scenarios, 4, &part, 2));
    let journal = shequ::files::journal::journal_path(&part);
    let text = read(&journal);
    let lines: Vec<&str> = text.lines().collect();
    // Header plus replications 0, 3, 5, … of the 12: some of every group.
    let kept: Vec<&str> = std::iter::once(lines[0])
        .chain(
            lines[1..]
                .iter()
                .copied()
                .enumerate()
                .filter(|(i, _)| i % 3 == 0)
                .map(|(_, l)| l),
        )
        .collect();
    // Lines are chained by their checksums: a subset is resealed (a real
    // run that stops keeps a prefix, which needs none).
    let kept = shequ::study::checksum::reseal(&format!("{}\n", kept.join("\n")));
    std::fs::write(&journal, kept).unwrap();
    for f in FILES.iter().chain(&["manifest.json"]) {
        std::fs::remove_file(part.join(f)).unwrap();
    }
    run(&RunOptions {
        resume: true,
        ..options(scenarios, 4, &part, 2)
    });
    same_files(&whole, &part, "resumed");
    // A resume refuses another spin-up.
    let mut loaded = cli::load_scenarios(scenarios).unwrap();
    loaded[0].params.simulation.spinup_months = 12;
    let err = cli::run::run(
        &RunOptions {
            resume: true,
            ..options(scenarios, 4, &part, 2)
        },
        &loaded,
        &|| {},
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("spin-up"), "{err}");
    // Adaptive: batches continue like a resume and end equal to a fixed run.
    let adaptive = dir.path().join("adaptive");
    let loaded = cli::load_scenarios(&files[..2]).unwrap();
    let report = cli::run::run_adaptive(
        &options(&files[..2], 2, &adaptive, 2),
        &loaded,
        &Adaptive {
            target_half_width: 1e-12,
            metric: "cadre_turnover_rate".into(),
            max_reps: 5,
        },
        &|| {},
    )
    .unwrap();
    let a = report.manifest.adaptive.clone().unwrap();
    assert!(a.batches.len() >= 2 && a.replications == 5, "{a:?}");
    let fixed = dir.path().join("fixed");
    run(&options(&files[..2], 5, &fixed, 1));
    same_files(&fixed, &adaptive, "adaptive vs fixed");
}

#[test]
fn sweeps_share_spinups_across_scenarios_and_points() {
    let dir = tempfile::tempdir().unwrap();
    let files = scenario_files(dir.path());
    let exp_text = |factor: &str, values: &str| {
        format!(
            "name = \"t\"\nscenarios = [\"{}\", \"{}\"]\nmetrics = [\"cadre_turnover_rate\"]\n[design]\nkind = \"grid\"\nlevels = 2\n[[factors]]\npath = \"{factor}\"\nvalues = {values}\n",
            files[0].display(),
            files[1].display()
        )
    };
    // A reform factor leaves the spin-up alone: one group for every point.
    // A world factor gives each point its own.
    for (factor, values, groups) in [
        (
            "reforms.raise_stipends.stipend_yuan_month",
            "[600.0, 900.0]",
            vec![vec![0, 0], vec![0, 0]],
        ),
        ("cadres.pay_elasticity", "[0.5, 1.5]", vec![vec![0, 0], vec![1, 1]]),
    ] {
        let sub = dir.path().join(factor);
        std::fs::create_dir_all(&sub).unwrap();
        let exp = cli::sweep::load_experiment(&common::write(&sub, "exp.toml", &exp_text(factor, values))).unwrap();
        let opts = |out: &Path, shard| cli::sweep::SweepOptions {
            reps: 3,
            seed: 5,
            out: out.to_path_buf(),
            threads: 2,
            command_line: vec![],
            shard,
            force: false,
            resume: false,
            parameters: None,
        };
        let whole = sub.join("whole");
        let report = cli::sweep::sweep(&exp, &opts(&whole, None), &|| {}).unwrap();
        assert_eq!(report.manifest.unwrap().spinup_group, groups, "{factor}");
        // Every point's runs equal each (point, scenario) with its own spin-up.
        let plan = shequ::experiment::sweep::plan(&exp, 3).unwrap();
        let (h, rows) = csv(&whole.join("runs.csv"));
        let metric = col(&h, "cadre_turnover_rate");
        let mut k = 0;
        for point in &plan.scenarios {
            for s in point {
                for r in 0..3 {
                    let own = runner::replicate(s, 5, r).values;
                    let i = shequ::study::compare::metric_index("cadre_turnover_rate").unwrap();
                    assert_eq!(rows[k][metric], shequ::files::atomic::num(own[i]), "{factor}: row {k}");
                    k += 1;
                }
            }
        }
        assert_eq!(k, rows.len());
        // Shards merge to the same bytes.
        let shards: Vec<PathBuf> = (1..=2)
            .map(|i| {
                let d = sub.join(format!("s{i}"));
                cli::sweep::sweep(&exp, &opts(&d, Some(Shard { index: i, count: 2 })), &|| {}).unwrap();
                d
            })
            .collect();
        let merged = sub.join("merged");
        cli::sweep::sweep_merge(&exp, &shards, &opts(&merged, None)).unwrap();
        for f in ["design.csv", "runs.csv", "summary.csv"] {
            assert_eq!(
                read(&whole.join(f)),
                read(&merged.join(f)),
                "sweep {f} after merging shards"
            );
        }
    }
}

#[test]
fn failures_stay_with_their_scenario_and_replication() {
    let dir = tempfile::tempdir().unwrap();
    let files = scenario_files(dir.path());
    let o = options(&files[..3], 2, &dir.path().join("out"), 2);
    let mut loaded = cli::load_scenarios(&o.scenarios).unwrap();
    // An invalid state (bypassing file validation) in base and reform;
    // other runs as usual.
    for s in &mut loaded[..2] {
        s.params.satisfaction.initial = f64::NAN;
    }
    let report = cli::run::run(&o, &loaded, &|| {}).unwrap();
    assert_eq!(report.manifest.failed_replications, 4);
    let failures = read(&o.out.join("failures.csv"));
    assert_eq!(failures.lines().count(), 5, "{failures}");
    assert!(
        failures.lines().skip(1).all(|l| l.contains("invalid state")),
        "{failures}"
    );
    let (_, runs) = csv(&o.out.join("runs.csv"));
    assert_eq!(
        runs.iter().map(|r| r[0].as_str()).collect::<Vec<_>>(),
        ["other", "other"]
    );
}
