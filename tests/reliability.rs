//! Crash safety and resume: a run killed at any point (SIGKILL) or stopped
//! with Ctrl-C (SIGINT) leaves no truncated final file, and `--resume` then
//! produces final files byte-identical to an uninterrupted run. Failing
//! replications are recorded and the rest of the run goes on.

mod common;

use common::finish;

use shequ::cli;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

const FINAL: [&str; 5] = [
    "runs.csv",
    "summary.csv",
    "timeseries.csv",
    "compare.csv",
    "compare_by_group.csv",
];

fn shequ(out: &Path, extra: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_shequ"));
    c.arg("run")
        .arg(common::root().join("tests/data/crash.toml"))
        .arg(common::root().join("tests/data/small_stipends.toml"))
        .args(["--reps", "24", "--seed", "77", "--threads", "2", "--quiet", "--out"])
        .arg(out)
        .args(extra)
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    c
}

/// Finished replications in a run's journal: its complete lines after the
/// header (a line cut by a kill has no newline yet and is not kept).
fn journal_finished(dir: &Path) -> usize {
    let text = std::fs::read(shequ::files::journal::journal_path(dir)).unwrap_or_default();
    text.iter().filter(|&&b| b == b'\n').count().saturating_sub(1)
}

/// `--resume`'s own count, "resuming: K of N replications finished,
/// running M", as (K, N, M).
fn resumed(err: &str) -> (usize, usize, usize) {
    let line = err
        .lines()
        .find(|l| l.starts_with("resuming: "))
        .unwrap_or_else(|| panic!("no `resuming:` line in {err}"));
    let n: Vec<usize> = line
        .split(|c: char| !c.is_ascii_digit())
        .filter(|w| !w.is_empty())
        .map(|w| w.parse().unwrap())
        .collect();
    assert_eq!(n.len(), 3, "{line}");
    (n[0], n[1], n[2])
}

/// Final files are either absent or complete. With `whole` (the
/// uninterrupted run), each final file present must equal its counterpart
/// byte for byte: a kill can fall between two final files' renames, so the
/// set may be partial, but no file is ever truncated. Without it (Ctrl-C,
/// which stops before the final files), none may exist without the manifest.
fn assert_no_truncated_final_file(dir: &Path, whole: Option<&Path>) {
    let manifest = dir.join("manifest.json");
    if manifest.exists() {
        let text = std::fs::read_to_string(&manifest).unwrap();
        serde_json::from_str::<serde_json::Value>(&text).expect("manifest.json is whole");
    }
    for f in ["summary.csv", "timeseries.csv", "compare.csv", "compare_by_group.csv"] {
        let p = dir.join(f);
        if !p.exists() {
            continue;
        }
        match whole {
            Some(w) => assert!(
                std::fs::read(&p).unwrap() == std::fs::read(w.join(f)).unwrap(),
                "{f} is present but differs from the uninterrupted run's"
            ),
            None => assert!(manifest.exists(), "{f} exists although the run did not finish"),
        }
    }
}

#[test]
fn killed_runs_resume_to_byte_identical_outputs() {
    let root = tempfile::tempdir().unwrap();
    let whole = root.path().join("whole");
    let (code, err) = finish(shequ(&whole, &[]).spawn().unwrap());
    assert_eq!(code, Some(0), "{err}");
    // Kill points spread over the run; the spread is fixed so the test is repeatable.
    let mut mid_run = 0;
    for (i, ms) in [40u64, 150, 320, 600].into_iter().enumerate() {
        let dir = root.path().join(format!("killed-{i}"));
        let mut child = shequ(&dir, &[]).spawn().unwrap();
        std::thread::sleep(Duration::from_millis(ms));
        let _ = child.kill(); // SIGKILL
        let _ = child.wait();
        assert_no_truncated_final_file(&dir, Some(&whole));
        let finished = journal_finished(&dir);
        if (1..48).contains(&finished) && !dir.join("manifest.json").exists() {
            mid_run += 1;
        }
        if shequ::files::journal::identity_path(&dir).exists() {
            let (code, err) = finish(shequ(&dir, &["--resume"]).spawn().unwrap());
            assert_eq!(code, Some(0), "resume after kill at {ms} ms: {err}");
            // The resume ran exactly what the journal lacked: N − K.
            let (kept, total, ran) = resumed(&err);
            assert_eq!((kept, total), (finished, 48), "after a kill at {ms} ms: {err}");
            assert_eq!(ran, 48 - finished, "after a kill at {ms} ms: {err}");
            assert_eq!(journal_finished(&dir), 48, "the journal holds each replication once");
        } else {
            // Killed before the run started writing: a fresh run is the answer.
            let (code, err) = finish(shequ(&dir, &[]).spawn().unwrap());
            assert_eq!(code, Some(0), "{err}");
        }
        for f in FINAL {
            let a = std::fs::read(whole.join(f)).unwrap();
            let b = std::fs::read(dir.join(f)).unwrap();
            assert!(a == b, "{f} differs after a kill at {ms} ms and --resume");
        }
    }
    assert!(mid_run >= 1, "no kill landed in the middle of the run");
}

/// Ctrl-C once at least one replication is in the journal (polled, so the
/// signal cannot come before any work is kept). The signal follows the
/// first finished replication within milliseconds and 47 more take about
/// a second, so the run cannot finish first; the test fails if it does.
/// The resume runs only what is missing, and its final files equal an
/// uninterrupted run's byte for byte.
#[test]
fn ctrl_c_keeps_finished_work_and_says_how_to_resume() {
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("int");
    let child = shequ(&dir, &[]).spawn().unwrap();
    let waited = std::time::Instant::now();
    while journal_finished(&dir) < 1 {
        assert!(
            waited.elapsed() < Duration::from_secs(120),
            "no replication finished in 2 minutes"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    let pid = child.id().to_string();
    let _ = Command::new("kill").args(["-INT", &pid]).status();
    let (code, err) = finish(child);
    assert_eq!(
        code,
        Some(130),
        "the run must still be going when Ctrl-C arrives (use more replications if it finished): {err}"
    );
    assert!(err.contains("--resume"), "{err}");
    assert_no_truncated_final_file(&dir, None);
    let kept = journal_finished(&dir);
    assert!((1..48).contains(&kept), "{kept} replications kept");
    assert!(
        err.contains(&format!("stopped: {kept} of 48 replications are kept")),
        "{err}"
    );
    let (code, err) = finish(shequ(&dir, &["--resume"]).spawn().unwrap());
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(resumed(&err), (kept, 48, 48 - kept), "{err}");
    assert_eq!(journal_finished(&dir), 48);
    let whole = root.path().join("whole");
    let (code, err) = finish(shequ(&whole, &[]).spawn().unwrap());
    assert_eq!(code, Some(0), "{err}");
    for f in FINAL {
        let a = std::fs::read(whole.join(f)).unwrap();
        let b = std::fs::read(dir.join(f)).unwrap();
        assert!(a == b, "{f} differs after Ctrl-C and --resume");
    }
}

#[test]
fn resume_refuses_a_different_study() {
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("a");
    let (code, _) = finish(shequ(&dir, &[]).spawn().unwrap());
    assert_eq!(code, Some(0));
    let out = Command::new(env!("CARGO_BIN_EXE_shequ"))
        .arg("run")
        .arg(common::root().join("tests/data/crash.toml"))
        .arg(common::root().join("tests/data/small_stipends.toml"))
        .args(["--reps", "24", "--seed", "78", "--quiet", "--resume", "--out"])
        .arg(&dir)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--seed 77"));
}

#[test]
fn failing_replications_are_recorded_and_the_run_goes_on() {
    let root = tempfile::tempdir().unwrap();
    let opts = common::options(
        &["tests/data/small.toml", "tests/data/small_stipends.toml"],
        3,
        4,
        root.path(),
        1,
    );
    let mut loaded = cli::load_scenarios(&opts.scenarios).unwrap();
    // Dynamics that produce an invalid state (bypassing file validation).
    loaded[1].params.satisfaction.initial = f64::NAN;
    let report = cli::run::run(&opts, &loaded, &|| {}).unwrap();
    assert_eq!(report.manifest.failed_replications, 3);
    let failures = std::fs::read_to_string(root.path().join("failures.csv")).unwrap();
    assert_eq!(failures.lines().count(), 4, "{failures}");
    assert!(failures.contains("invalid state"), "{failures}");
    let summary = std::fs::read_to_string(root.path().join("summary.csv")).unwrap();
    assert!(
        summary
            .lines()
            .any(|l| l.starts_with("small,satisfaction_mean,0..1,higher,3,0,")),
        "{summary}"
    );
    assert!(
        summary
            .lines()
            .any(|l| l.starts_with("small_stipends,satisfaction_mean,0..1,higher,0,3,")),
        "{summary}"
    );
    // Every replication of the reform failed: nothing is paired.
    let compare = std::fs::read_to_string(root.path().join("compare.csv")).unwrap();
    for l in compare.lines().skip(1) {
        let cells: Vec<&str> = l.split(',').collect();
        assert_eq!((cells[4], *cells.last().unwrap()), ("0", "n<2"), "{l}");
    }
}

#[test]
fn unwritable_output_and_oversized_populations_are_refused() {
    let root = tempfile::tempdir().unwrap();
    let file = root.path().join("a-file");
    std::fs::write(&file, "x").unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_shequ"))
        .arg("run")
        .arg(common::root().join("tests/data/small.toml"))
        .args(["--reps", "1", "--quiet", "--out"])
        .arg(file.join("out"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(4), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stderr).contains("a-file"));

    let csv =
        "name,kind,area_km2,population,committees,firms_per_10k,provenance\nHuge,urban,10.0,4000000000,1000,50,test\n";
    common::write(root.path(), "huge.csv", csv);
    let s = common::write(
        root.path(),
        "huge.toml",
        &common::extends_baseline("[world]\njurisdictions_file = \"huge.csv\"\n"),
    );
    let out = Command::new(env!("CARGO_BIN_EXE_shequ"))
        .arg("run")
        .arg(&s)
        .args(["--reps", "1", "--quiet", "--out"])
        .arg(root.path().join("o"))
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("GiB") && err.contains("population_scale"), "{err}");
}

/// `--resume` refuses to continue with another `--reps` or after a scenario
/// file changed, saying which, and leaves the journal as it was.
#[test]
fn resume_refuses_other_reps_and_changed_scenario_files() {
    let root = tempfile::tempdir().unwrap();
    let scenario = common::write(
        root.path(),
        "mine.toml",
        &format!(
            "extends = \"{}\"\nname = \"mine\"\n",
            common::root().join("tests/data/small.toml").display()
        ),
    );
    let dir = root.path().join("out");
    let run = |reps: &str, extra: &[&str]| {
        let out = Command::new(env!("CARGO_BIN_EXE_shequ"))
            .arg("run")
            .arg(&scenario)
            .args(["--reps", reps, "--seed", "5", "--quiet", "--out"])
            .arg(&dir)
            .args(extra)
            .output()
            .unwrap();
        (out.status.code(), String::from_utf8_lossy(&out.stderr).into_owned())
    };
    let (code, err) = run("2", &[]);
    assert_eq!(code, Some(0), "{err}");
    let journal = std::fs::read(shequ::files::journal::journal_path(&dir)).unwrap();
    let (code, err) = run("3", &["--resume"]);
    assert_eq!(code, Some(2), "{err}");
    assert!(
        err.contains("cannot resume") && err.contains("it used --reps 2, not 3"),
        "{err}"
    );
    std::fs::write(
        &scenario,
        format!(
            "extends = \"{}\"\nname = \"mine\"\n[cadres]\nstipend_yuan_month = 500.0\n",
            common::root().join("tests/data/small.toml").display()
        ),
    )
    .unwrap();
    let (code, err) = run("2", &["--resume"]);
    assert_eq!(code, Some(2), "{err}");
    assert!(
        err.contains("cannot resume") && err.contains("the files of scenario `mine` have changed since"),
        "{err}"
    );
    assert_eq!(
        std::fs::read(shequ::files::journal::journal_path(&dir)).unwrap(),
        journal,
        "a refused resume keeps the journal"
    );
}

/// When replications fail on one side only, comparisons pair the
/// replications both sides finished (`align`): here replication 1 of the
/// reform and replication 2 of the baseline are missing, so every
/// comparison has n = 2 (replications 0 and 3) and its means are those of
/// replications 0 and 3 alone; costs.csv lists those two; the summary keeps
/// each scenario's own finished replications.
#[test]
fn replications_failed_on_one_side_drop_out_of_both_sides_of_a_comparison() {
    use shequ::files::study_files;
    use shequ::study::compare;
    let root = tempfile::tempdir().unwrap();
    let scenarios = vec![common::small(), common::load("tests/data/small_stipends.toml")];
    let all: Vec<Vec<_>> = scenarios
        .iter()
        .map(|s| (0..4).map(|r| shequ::study::runner::replicate(s, 9, r)).collect())
        .collect();
    let mut results = all.clone();
    results[0].retain(|r| r.replication != 2);
    results[1].retain(|r| r.replication != 1);
    let rows = study_files::write_compare(root.path(), &scenarios, &results, 0).unwrap();
    assert_eq!(rows.len(), shequ::model::metrics::N_METRICS);
    let kept = |side: usize, k: usize| -> Vec<f64> { [0, 3].iter().map(|&r| all[side][r].values[k]).collect() };
    for (k, row) in rows.iter().enumerate() {
        assert_eq!(row.diff.n, 2, "{}", row.metric);
        let (b, x) = (kept(0, k), kept(1, k));
        assert_eq!(row.baseline_mean, (b[0] + b[1]) / 2.0, "{}", row.metric);
        assert_eq!(row.scenario_mean, (x[0] + x[1]) / 2.0, "{}", row.metric);
        let d = ((x[0] - b[0]) + (x[1] - b[1])) / 2.0;
        assert!((row.diff.mean - d).abs() <= 1e-12 * d.abs().max(1.0), "{}", row.metric);
    }
    let text = std::fs::read_to_string(root.path().join("compare.csv")).unwrap();
    assert!(text.lines().skip(1).all(|l| l.split(',').nth(4) == Some("2")), "{text}");
    let costs = std::fs::read_to_string(root.path().join("costs.csv")).unwrap();
    let reps: Vec<&str> = costs.lines().skip(1).map(|l| l.split(',').nth(2).unwrap()).collect();
    assert_eq!(reps, ["0", "3"], "{costs}");
    for m in compare::compare_timeseries("small", &results[0], "small_stipends", &results[1]) {
        assert_eq!(m.diff.n, 2, "month {} {}", m.month, m.metric);
    }
    study_files::write_summary(root.path(), &scenarios, &results, &[1, 1]).unwrap();
    let summary = std::fs::read_to_string(root.path().join("summary.csv")).unwrap();
    assert!(summary.lines().filter(|l| l.contains(",3,1,")).count() >= 2 * shequ::model::metrics::N_METRICS);
}
