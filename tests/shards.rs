//! Shards merge into byte-identical final files, whatever the number of
//! shards and threads; merge refuses shards that do not fit together.

mod common;

use shequ::cli;
use shequ::cli::run::RunOptions;
use shequ::study::shard::Shard;
use std::path::{Path, PathBuf};

const FILES: [&str; 5] = [
    "runs.csv",
    "summary.csv",
    "timeseries.csv",
    "compare.csv",
    "compare_by_group.csv",
];

fn opts(out: &Path, threads: usize, shard: Option<Shard>, seed: u64) -> RunOptions {
    RunOptions {
        shard,
        ..common::options(
            &["tests/data/small.toml", "tests/data/small_stipends.toml"],
            5,
            seed,
            out,
            threads,
        )
    }
}

fn run(o: &RunOptions) {
    let loaded = cli::load_scenarios(&o.scenarios).unwrap();
    cli::run::run(o, &loaded, &|| {}).unwrap();
}

fn shards(root: &Path, n: u32, threads: usize, seed: u64) -> Vec<PathBuf> {
    (1..=n)
        .map(|i| {
            let d = root.join(format!("shard-{i}-of-{n}"));
            run(&opts(&d, threads, Some(Shard { index: i, count: n }), seed));
            d
        })
        .collect()
}

#[test]
fn merged_shards_equal_an_unsharded_run() {
    let root = tempfile::tempdir().unwrap();
    let whole = root.path().join("whole");
    run(&opts(&whole, 2, None, 11));
    for (n, threads) in [(1, 1), (3, 2), (4, 1), (7, 2)] {
        let dirs = shards(root.path(), n, threads, 11);
        let merged = root.path().join(format!("merged-{n}"));
        cli::merge::merge(&dirs, &merged, vec![]).unwrap();
        for f in FILES {
            let a = std::fs::read(whole.join(f)).unwrap();
            let b = std::fs::read(merged.join(f)).unwrap();
            assert!(a == b, "{f} differs after merging {n} shards ({threads} threads)");
        }
    }
}

#[test]
fn merge_names_missing_duplicated_and_foreign_shards() {
    let root = tempfile::tempdir().unwrap();
    let dirs = shards(root.path(), 3, 1, 11);
    let err = cli::merge::merge(&dirs[..2], &root.path().join("m1"), vec![])
        .unwrap_err()
        .to_string();
    assert!(err.contains("missing shard") && err.contains("3/3"), "{err}");
    let twice = vec![dirs[0].clone(), dirs[1].clone(), dirs[1].clone()];
    let err = cli::merge::merge(&twice, &root.path().join("m2"), vec![])
        .unwrap_err()
        .to_string();
    assert!(err.contains("given twice"), "{err}");
    let other = root.path().join("other");
    run(&opts(&other, 1, Some(Shard { index: 3, count: 3 }), 12));
    let mixed = vec![dirs[0].clone(), dirs[1].clone(), other];
    let err = cli::merge::merge(&mixed, &root.path().join("m3"), vec![])
        .unwrap_err()
        .to_string();
    assert!(err.contains("seed"), "{err}");
    // A shard that lost replications (e.g. killed before it finished).
    let reps = shequ::files::journal::journal_path(&dirs[2]);
    let text = std::fs::read_to_string(&reps).unwrap();
    let kept: Vec<&str> = text.lines().take(2).collect();
    std::fs::write(&reps, format!("{}\n", kept.join("\n"))).unwrap();
    let err = cli::merge::merge(&dirs, &root.path().join("m4"), vec![])
        .unwrap_err()
        .to_string();
    assert!(err.contains("missing") && err.contains("shard 3/3"), "{err}");
}

/// Merge refuses shards run with different `--reps`, shards whose scenario
/// files differed between them, and shards whose scenario file changed
/// after they ran.
#[test]
fn merge_refuses_other_reps_and_changed_scenario_files() {
    let root = tempfile::tempdir().unwrap();
    let small = common::root().join("tests/data/small.toml");
    let text = |stipend: f64| {
        format!(
            "extends = \"{}\"\nname = \"mine\"\n[cadres]\nstipend_yuan_month = {stipend:.1}\n",
            small.display()
        )
    };
    let file = common::write(root.path(), "mine.toml", &text(450.0));
    let shard = |name: &str, index: u32, reps: u32| {
        let d = root.path().join(name);
        let o = RunOptions {
            scenarios: vec![file.clone(), common::root().join("tests/data/small_stipends.toml")],
            shard: Some(Shard { index, count: 2 }),
            ..common::options(&[], reps, 3, &d, 1)
        };
        run(&o);
        d
    };
    let merge = |dirs: &[PathBuf], out: &str| {
        cli::merge::merge(dirs, &root.path().join(out), vec![])
            .unwrap_err()
            .to_string()
    };
    let (a1, a2) = (shard("a1", 1, 2), shard("a2", 2, 2));
    let other_reps = shard("b2", 2, 3);
    let err = merge(&[a1.clone(), other_reps], "m1");
    assert!(err.contains("differ in replications: 2 vs 3"), "{err}");
    // The scenario file changes between the shards.
    std::fs::write(&file, text(500.0)).unwrap();
    let changed_between = shard("c2", 2, 2);
    let err = merge(&[a1.clone(), changed_between], "m2");
    assert!(err.contains("differ in the files of scenario `mine`"), "{err}");
    // ... or after both ran: the shards agree, the file no longer does.
    let err = merge(&[a1, a2], "m3");
    assert!(
        err.contains("scenario `mine`") && err.contains("changed since the shards ran"),
        "{err}"
    );
}
