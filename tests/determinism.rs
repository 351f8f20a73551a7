//! Same seed ⇒ byte-identical outputs whatever the thread count; the
//! generator's stream is pinned so a dependency bump that changes it is caught.

mod common;

use rand::Rng as _;
use shequ::cli;
use shequ::model::rng::{self, StreamKind};

fn run_into(dir: &std::path::Path, threads: usize, seed: u64) {
    let opts = common::options(&["tests/data/small.toml"], 4, seed, dir, threads);
    let loaded = cli::load_scenarios(&opts.scenarios).unwrap();
    cli::run::run(&opts, &loaded, &|| {}).unwrap();
}

#[test]
fn outputs_are_byte_identical_with_1_and_2_threads() {
    let a = tempfile::tempdir().unwrap();
    let b = tempfile::tempdir().unwrap();
    let c = tempfile::tempdir().unwrap();
    run_into(a.path(), 1, 42);
    run_into(b.path(), 2, 42);
    run_into(c.path(), 2, 43);
    for f in ["runs.csv", "summary.csv", "timeseries.csv"] {
        let x = std::fs::read(a.path().join(f)).unwrap();
        let y = std::fs::read(b.path().join(f)).unwrap();
        let z = std::fs::read(c.path().join(f)).unwrap();
        assert!(!x.is_empty());
        assert_eq!(x, y, "{f} differs between 1 and 2 threads");
        assert_ne!(x, z, "{f} does not depend on the seed");
    }
    let leftovers: Vec<_> = std::fs::read_dir(a.path())
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().contains(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "temporary files left behind");
}

#[test]
fn generator_stream_is_pinned() {
    // Golden values, computed independently from the published SplitMix64
    // and PCG-XSL-RR-128/64 (MCG) definitions. If a dependency bump changes
    // the generator or the seed derivation, every published result would
    // silently change: this test catches it.
    assert_eq!(rng::replication_seed(1, 0), 0x5e41_ab08_7439_611e);
    let mut r = rng::stream(rng::replication_seed(1, 0), StreamKind::Committee, 0);
    let first: Vec<u64> = (0..3).map(|_| r.next_u64()).collect();
    assert_eq!(
        first,
        [0x789a_28ae_346d_74a0, 0xab46_9727_6380_60a4, 0x61d4_1d21_722c_f23d]
    );
}

#[test]
fn streams_are_distinct() {
    let s = rng::replication_seed(1, 0);
    let mut a = rng::stream(s, StreamKind::Committee, 0);
    let mut b = rng::stream(s, StreamKind::Committee, 1);
    let mut c = rng::stream(rng::replication_seed(1, 1), StreamKind::Committee, 0);
    let (x, y, z) = (a.next_u64(), b.next_u64(), c.next_u64());
    assert_ne!(x, y);
    assert_ne!(x, z);
}

/// Common random numbers at the command level: in runs.csv, replication r
/// carries the same seed (`replication_seed(--seed, r)`) in every scenario,
/// whichever scenario is `--baseline`, and it is the seed the replication
/// ran with: a scenario that differs from another only by its name gives
/// the same numbers replication by replication, so compare.csv finds every
/// difference exactly 0 against it.
#[test]
fn replication_r_runs_with_the_same_seed_in_every_scenario() {
    let dir = tempfile::tempdir().unwrap();
    let twin = common::write(
        dir.path(),
        "twin.toml",
        &format!(
            "extends = \"{}\"\nname = \"twin\"\n",
            common::root().join("tests/data/small.toml").display()
        ),
    );
    let out = dir.path().join("out");
    let root = common::root();
    let status = std::process::Command::new(env!("CARGO_BIN_EXE_shequ"))
        .arg("run")
        .arg(root.join("tests/data/small_stipends.toml"))
        .arg(root.join("tests/data/small.toml"))
        .arg(&twin)
        .args(["--baseline", "twin", "--reps", "3", "--seed", "31", "--quiet", "--out"])
        .arg(&out)
        .status()
        .unwrap();
    assert!(status.success());
    let text = std::fs::read_to_string(out.join("runs.csv")).unwrap();
    let rows: Vec<Vec<&str>> = text.lines().skip(1).map(|l| l.split(',').collect()).collect();
    assert_eq!(rows.len(), 9);
    let mut seeds = Vec::new();
    for r in 0..3u64 {
        let of: Vec<&Vec<&str>> = rows.iter().filter(|x| x[1] == r.to_string()).collect();
        let names: Vec<&str> = of.iter().map(|x| x[0]).collect();
        assert_eq!(names, ["small_stipends", "small", "twin"], "replication {r}");
        let expected = format!("0x{:016x}", rng::replication_seed(31, r));
        for x in &of {
            assert_eq!(x[2], expected, "{} replication {r}", x[0]);
        }
        // The seed is the one it ran with: the twin's numbers are small's.
        assert_eq!(of[1][2..], of[2][2..], "small and twin, replication {r}");
        assert_ne!(of[0][3..], of[1][3..], "the reform changes replication {r}");
        seeds.push(expected);
    }
    seeds.dedup();
    assert_eq!(seeds.len(), 3, "replications have their own seeds");
    let compare = std::fs::read_to_string(out.join("compare.csv")).unwrap();
    let header: Vec<&str> = compare.lines().next().unwrap().split(',').collect();
    let col = |k: &str| header.iter().position(|h| *h == k).unwrap();
    let twins: Vec<Vec<&str>> = compare
        .lines()
        .skip(1)
        .map(|l| l.split(',').collect())
        .filter(|r: &Vec<&str>| r[col("scenario")] == "small")
        .collect();
    assert_eq!(twins.len(), shequ::model::metrics::N_METRICS);
    for r in &twins {
        assert_eq!(r[col("baseline")], "twin");
        assert_eq!((r[col("diff_mean")], r[col("note")]), ("0", "all tied"), "{r:?}");
    }
}
