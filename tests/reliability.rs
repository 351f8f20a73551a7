//! Crash safety and resume: a run killed at any point (SIGKILL) or stopped
//! with Ctrl-C (SIGINT) leaves no truncated final file, and `--resume` then
//! produces final files byte-identical to an uninterrupted run. Failing
//! replications are recorded and the rest of the run goes on.

mod common;

use shequ::cli;
use std::path::Path;
use std::process::{Child, Command, Stdio};
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

fn finish(child: Child) -> (Option<i32>, String) {
    let out = child.wait_with_output().unwrap();
    (out.status.code(), String::from_utf8_lossy(&out.stderr).into_owned())
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
        let journal = std::fs::read_to_string(shequ::files::journal::journal_path(&dir)).unwrap_or_default();
        let finished = journal.lines().count().saturating_sub(1);
        if (1..48).contains(&finished) && !dir.join("manifest.json").exists() {
            mid_run += 1;
        }
        if shequ::files::journal::identity_path(&dir).exists() {
            let (code, err) = finish(shequ(&dir, &["--resume"]).spawn().unwrap());
            assert_eq!(code, Some(0), "resume after kill at {ms} ms: {err}");
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

#[test]
fn ctrl_c_keeps_finished_work_and_says_how_to_resume() {
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("int");
    let child = shequ(&dir, &[]).spawn().unwrap();
    std::thread::sleep(Duration::from_millis(250));
    let pid = child.id().to_string();
    let _ = Command::new("kill").args(["-INT", &pid]).status();
    let (code, err) = finish(child);
    if code == Some(0) {
        return; // finished before the signal arrived: nothing to check
    }
    assert_eq!(code, Some(130), "{err}");
    assert!(err.contains("--resume"), "{err}");
    assert_no_truncated_final_file(&dir, None);
    let (code, err) = finish(shequ(&dir, &["--resume"]).spawn().unwrap());
    assert_eq!(code, Some(0), "{err}");
    assert!(dir.join("manifest.json").exists());
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
