//! `shequ sweep --resume`: a sweep killed (SIGKILL) or stopped (Ctrl-C) in
//! the middle keeps its finished items in `.shequ/sweep_items.tsv`; the same
//! command with `--resume` runs only the rest and writes final files
//! byte-identical to an uninterrupted sweep's (the manifest without its
//! times and command line), for a whole sweep and for a shard. A resume of
//! a different sweep is refused naming what differs, and a damaged journal
//! line gives a located error.

mod common;

use common::finish;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const REPS: &str = "3";
/// 6 base samples × (2 factors + 2) = 24 points × 2 scenarios × 3 reps.
const ITEMS: usize = 144;
const FINAL: [&str; 4] = ["design.csv", "runs.csv", "summary.csv", "sensitivity.csv"];

/// A Sobol experiment over the small test scenarios at 1% of residents.
fn experiment(dir: &Path) -> PathBuf {
    let root = common::root();
    let text = format!(
        "name = \"resume\"\nscenarios = [\"{}\", \"{}\"]\npopulation_scale = 0.01\n\
         metrics = [\"satisfaction_mean\", \"cadre_turnover_rate\"]\n\n\
         [design]\nkind = \"sobol\"\nn = 6\nbootstrap = 50\n\n\
         [[factors]]\npath = \"cadres.pay_elasticity\"\nmin = 0.5\nmax = 1.5\n\n\
         [[factors]]\npath = \"labour.layoff_annual\"\nmin = 0.02\nmax = 0.06\n",
        root.join("tests/data/small.toml").display(),
        root.join("tests/data/small_stipends.toml").display()
    );
    common::write(dir, "exp.toml", &text)
}

fn sweep(exp: &Path, out: &Path, extra: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_shequ"));
    c.arg("sweep").arg(exp);
    for (flag, default) in [("--reps", REPS), ("--seed", "5")] {
        if !extra.contains(&flag) {
            c.args([flag, default]);
        }
    }
    c.args(["--threads", "2", "--progress-interval", "0"])
        .arg("--out")
        .arg(out)
        .args(extra)
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    c
}

fn run(c: &mut Command) -> (Option<i32>, String) {
    finish(c.spawn().unwrap())
}

fn journal(dir: &Path) -> PathBuf {
    shequ::files::sweep_journal::journal_path(dir)
}

/// Finished items in a journal: its complete lines after the header.
fn finished_items(dir: &Path) -> usize {
    let text = std::fs::read(journal(dir)).unwrap_or_default();
    text.iter().filter(|&&b| b == b'\n').count().saturating_sub(1)
}

/// Starts a sweep and SIGKILLs it once its journal holds at least `after`
/// finished items (or when it ends first); returns the items then finished.
fn kill_after(exp: &Path, dir: &Path, extra: &[&str], after: usize) -> usize {
    let mut child = sweep(exp, dir, extra).spawn().unwrap();
    let t = Instant::now();
    while finished_items(dir) < after && child.try_wait().unwrap().is_none() {
        assert!(t.elapsed() < Duration::from_secs(120), "the sweep hangs");
        std::thread::sleep(Duration::from_millis(2));
    }
    let _ = child.kill(); // SIGKILL
    let _ = child.wait();
    finished_items(dir)
}

/// `resuming: K of N items finished …` from a resume's stderr.
fn resumed_count(err: &str) -> (usize, usize) {
    let line = err
        .lines()
        .find_map(|l| l.strip_prefix("resuming: "))
        .unwrap_or_else(|| panic!("no `resuming:` line in {err}"));
    let w: Vec<&str> = line.split_whitespace().collect();
    (w[0].parse().unwrap(), w[2].parse().unwrap())
}

/// manifest.json without what differs between identical sweeps.
fn manifest(dir: &Path) -> serde_json::Value {
    let text = std::fs::read_to_string(dir.join("manifest.json")).unwrap();
    let mut v: serde_json::Value = serde_json::from_str(&text).expect("manifest.json is whole");
    for k in ["command_line", "start_time_utc", "end_time_utc", "wall_seconds"] {
        v.as_object_mut().unwrap().remove(k);
    }
    v
}

/// Each final file in `dir` is absent or equal to the uninterrupted one: a
/// kill can fall between two renames, but never leaves a truncated file.
fn assert_no_truncated_final_file(dir: &Path, whole: &Path) {
    for f in FINAL.iter().chain(&["sweep_shard.tsv"]) {
        let p = dir.join(f);
        if p.exists() {
            assert!(
                std::fs::read(&p).unwrap() == std::fs::read(whole.join(f)).unwrap(),
                "{f} is present but differs from the uninterrupted sweep's"
            );
        }
    }
    if dir.join("manifest.json").exists() {
        assert_eq!(manifest(dir), manifest(whole));
    }
}

fn assert_same_outputs(dir: &Path, whole: &Path, what: &str) {
    for f in FINAL {
        assert!(
            std::fs::read(dir.join(f)).unwrap() == std::fs::read(whole.join(f)).unwrap(),
            "{f} differs after {what}"
        );
    }
    assert_eq!(manifest(dir), manifest(whole), "manifest.json differs after {what}");
}

#[test]
fn killed_sweeps_resume_to_byte_identical_outputs() {
    let root = tempfile::tempdir().unwrap();
    let exp = experiment(root.path());
    let whole = root.path().join("whole");
    let t = Instant::now();
    let (code, err) = run(&mut sweep(&exp, &whole, &[]));
    assert_eq!(code, Some(0), "{err}");
    eprintln!(
        "uninterrupted sweep of {ITEMS} items: {:.1} s",
        t.elapsed().as_secs_f64()
    );
    assert_eq!(finished_items(&whole), ITEMS);
    // Kill points spread over the run, each placed by the journal's length
    // so that it lands mid-run whatever the machine's speed.
    let mut mid_run = 0;
    for (i, after) in [0usize, 1, 30, 72, 125].into_iter().enumerate() {
        let dir = root.path().join(format!("killed-{i}"));
        let kept = kill_after(&exp, &dir, &[], after);
        assert_no_truncated_final_file(&dir, &whole);
        if (1..ITEMS).contains(&kept) && !dir.join("manifest.json").exists() {
            mid_run += 1;
        }
        if !shequ::files::sweep_journal::identity_path(&dir).exists() {
            // Killed before the sweep began writing: nothing to resume.
            let (code, err) = run(&mut sweep(&exp, &dir, &["--resume"]));
            assert_eq!(code, Some(2), "{err}");
            assert!(err.contains("nothing to resume"), "{err}");
            let (code, err) = run(&mut sweep(&exp, &dir, &[]));
            assert_eq!(code, Some(0), "{err}");
        } else {
            let (code, err) = run(&mut sweep(&exp, &dir, &["--resume"]));
            assert_eq!(code, Some(0), "resume after a kill at {after} items: {err}");
            // Every item finished before the kill was kept and not run again.
            assert_eq!(resumed_count(&err), (kept, ITEMS), "{err}");
            assert_eq!(finished_items(&dir), ITEMS);
        }
        assert_same_outputs(&dir, &whole, &format!("a kill at {after} items and --resume"));
        eprintln!("kill at >= {after} items: {kept} kept");
    }
    assert!(mid_run >= 3, "only {mid_run} kills landed in the middle of the sweep");

    // Killed twice: the resumed sweep is killed in turn and resumed again.
    let dir = root.path().join("twice");
    let first = kill_after(&exp, &dir, &[], 60);
    let second = kill_after(&exp, &dir, &["--resume"], first + 40);
    assert!(second > first, "{first} then {second}");
    let (code, err) = run(&mut sweep(&exp, &dir, &["--resume"]));
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(resumed_count(&err).0, second);
    assert_same_outputs(&dir, &whole, "two kills and two resumes");

    // A finished sweep resumed: nothing runs, the same files are written.
    let (code, err) = run(&mut sweep(&exp, &dir, &["--resume"]));
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(resumed_count(&err), (ITEMS, ITEMS));
    assert_same_outputs(&dir, &whole, "a resume of a finished sweep");
}

#[test]
fn a_killed_shard_resumes_its_own_items() {
    let root = tempfile::tempdir().unwrap();
    let exp = experiment(root.path());
    let whole = root.path().join("whole-shard");
    let shard = ["--shard", "2/3"];
    let (code, err) = run(&mut sweep(&exp, &whole, &shard));
    assert_eq!(code, Some(0), "{err}");
    let mine = finished_items(&whole);
    assert!(mine > 30 && mine < ITEMS, "{mine}");
    let dir = root.path().join("killed-shard");
    let kept = kill_after(&exp, &dir, &shard, 20);
    assert!((1..mine).contains(&kept), "{kept} of {mine}");
    assert_no_truncated_final_file(&dir, &whole);
    // Another shard's resume is refused: it is another share of the work.
    let (code, err) = run(&mut sweep(&exp, &dir, &["--resume", "--shard", "1/3"]));
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("--shard 2/3"), "{err}");
    let (code, err) = run(&mut sweep(&exp, &dir, &["--resume", "--shard", "2/3"]));
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(resumed_count(&err), (kept, mine));
    let f = "sweep_shard.tsv";
    assert!(
        std::fs::read(dir.join(f)).unwrap() == std::fs::read(whole.join(f)).unwrap(),
        "{f} differs after a kill and --resume"
    );
}

#[test]
fn ctrl_c_stops_a_sweep_and_says_how_to_resume() {
    let root = tempfile::tempdir().unwrap();
    let exp = experiment(root.path());
    let dir = root.path().join("int");
    let child = sweep(&exp, &dir, &[]).spawn().unwrap();
    let t = Instant::now();
    while finished_items(&dir) < 20 && t.elapsed() < Duration::from_secs(120) {
        std::thread::sleep(Duration::from_millis(2));
    }
    let pid = child.id().to_string();
    let _ = Command::new("kill").args(["-INT", &pid]).status();
    let (code, err) = finish(child);
    assert_eq!(code, Some(130), "{err}");
    assert!(err.contains("items are kept") && err.contains("--resume"), "{err}");
    for f in FINAL.iter().chain(&["manifest.json"]) {
        assert!(!dir.join(f).exists(), "{f} exists although the sweep stopped");
    }
    // The items in progress finished and were kept before it stopped.
    let kept = finished_items(&dir);
    let said = err
        .lines()
        .find_map(|l| l.strip_prefix("error: stopped: "))
        .and_then(|l| l.split_whitespace().next())
        .and_then(|n| n.parse::<usize>().ok());
    assert_eq!(said, Some(kept), "{err}");
    let (code, err) = run(&mut sweep(&exp, &dir, &["--resume"]));
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(resumed_count(&err), (kept, ITEMS));
    let whole = root.path().join("whole");
    let (code, err) = run(&mut sweep(&exp, &whole, &[]));
    assert_eq!(code, Some(0), "{err}");
    assert_same_outputs(&dir, &whole, "Ctrl-C and --resume");
}

#[test]
fn resume_refuses_another_sweep_and_locates_a_damaged_journal() {
    let root = tempfile::tempdir().unwrap();
    let exp = experiment(root.path());
    let dir = root.path().join("a");
    let kept = kill_after(&exp, &dir, &[], 30);
    assert!(kept >= 30, "{kept}");

    let (code, err) = run(&mut sweep(&exp, &dir, &["--resume", "--force"]));
    assert_eq!(code, Some(2), "{err}");
    let (code, err) = run(&mut sweep(&exp, &root.path().join("empty"), &["--resume"]));
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("nothing to resume"), "{err}");

    // Another --reps or --seed, or an edited experiment file.
    let (code, err) = run(&mut sweep(&exp, &dir, &["--resume", "--reps", "5"]));
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("it used --reps 3, not 5"), "{err}");
    let (code, err) = run(&mut sweep(&exp, &dir, &["--resume", "--seed", "6"]));
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("it used --seed 5, not 6"), "{err}");
    let text = std::fs::read_to_string(&exp).unwrap();
    let edited = common::write(root.path(), "exp.toml", &text.replace("min = 0.5", "min = 0.6"));
    let (code, err) = run(&mut sweep(&edited, &dir, &["--resume"]));
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("experiment file has changed"), "{err}");
    std::fs::write(&exp, &text).unwrap();

    // Damaged journals: an edited value, a duplicated line, a line cut in
    // the middle. Each is refused with its file and line (exit 3).
    let path = journal(&dir);
    let good = std::fs::read_to_string(&path).unwrap();
    let lines: Vec<&str> = good.lines().collect();
    let with = |f: &dyn Fn(&mut Vec<String>)| {
        let mut l: Vec<String> = lines.iter().map(|s| s.to_string()).collect();
        f(&mut l);
        std::fs::write(&path, l.join("\n") + "\n").unwrap();
    };
    let located = |line: usize, what: &str| {
        let (code, err) = run(&mut sweep(&exp, &dir, &["--resume"]));
        assert_eq!(code, Some(3), "{err}");
        let at = format!("{}:{line}:1: ", path.display());
        assert!(
            err.contains(&at) && err.contains(what),
            "expected `{at}` and `{what}` in {err}"
        );
    };
    with(&|l| {
        let i = l[3].rfind(',').unwrap();
        let digit = if &l[3][i + 1..i + 2] == "9" { "8" } else { "9" };
        l[3].replace_range(i + 1..i + 2, digit);
    });
    located(4, "checksum");
    with(&|l| {
        let d = l[2].clone();
        l.insert(5, d);
    });
    located(6, "already on line 3");
    with(&|l| {
        let cut = l[4][..l[4].len() / 2].to_string();
        l[4] = cut;
    });
    located(5, "expected 6 tab-separated fields");
    // A cut last line (a killed writer) is dropped, not an error.
    std::fs::write(&path, format!("{good}{}", &lines[1][..20])).unwrap();
    let (code, err) = run(&mut sweep(&exp, &dir, &["--resume"]));
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(resumed_count(&err).0, lines.len() - 1);
}
