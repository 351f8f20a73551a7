//! What a new user meets at the command line: warnings for settings that do
//! nothing, output folders that are not silently overwritten, progress in a
//! log, `validate` on every kind of input file, and `diff` of a lever.

mod common;

use common::shequ_at_root as shequ;

use std::path::Path;
use std::process::{Command, Output, Stdio};

fn text(o: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

fn small_run(out: &Path, extra: &[&str]) -> Output {
    let mut args = vec!["run", "tests/data/small.toml", "--reps", "2", "--quiet", "--out"];
    let out = out.to_str().unwrap();
    args.push(out);
    args.extend(extra);
    shequ(&args)
}

#[test]
fn a_lever_block_without_enabled_warns_with_file_line_and_lever() {
    let dir = tempfile::tempdir().unwrap();
    let p = common::write(
        dir.path(),
        "forgot.toml",
        &common::extends_baseline("name = \"forgot\"\n\n[reforms.raise_stipends]\nstipend_yuan_month = 900.0\n"),
    );
    let (_, warnings) = shequ::files::scenario_file::load_with_warnings(&p).unwrap();
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert_eq!(warnings[0].line, Some(5));
    assert_eq!(warnings[0].key, "reforms.raise_stipends");
    let o = shequ(&["validate", p.to_str().unwrap()]);
    let (out, err) = text(&o);
    assert_eq!(o.status.code(), Some(0), "{err}");
    assert!(out.contains("forgot.toml: ok"), "{out}");
    assert!(
        err.contains("forgot.toml:5: reforms.raise_stipends sets stipend_yuan_month but is not enabled: add enabled = true or remove the block"),
        "{err}"
    );
}

#[test]
fn no_warning_when_a_parent_enables_the_lever_or_the_file_says_false() {
    let dir = tempfile::tempdir().unwrap();
    let root = common::root();
    let child = common::write(
        dir.path(),
        "more.toml",
        &format!(
            "extends = \"{}\"\nname = \"more\"\n[reforms.raise_stipends]\nstipend_yuan_month = 900.0\n",
            root.join("scenarios/reforms/raise_stipends.toml").display()
        ),
    );
    let (_, w) = shequ::files::scenario_file::load_with_warnings(&child).unwrap();
    assert!(w.is_empty(), "{w:?}");
    let off = common::write(
        dir.path(),
        "off.toml",
        &common::extends_baseline("[reforms.raise_stipends]\nenabled = false\nstipend_yuan_month = 900.0\n"),
    );
    let (_, w) = shequ::files::scenario_file::load_with_warnings(&off).unwrap();
    assert!(w.is_empty(), "{w:?}");
    for shipped in ["scenarios/baseline.toml", "scenarios/packages/all_levers.toml"] {
        let (_, w) = shequ::files::scenario_file::load_with_warnings(&root.join(shipped)).unwrap();
        assert!(w.is_empty(), "{shipped}: {w:?}");
    }
}

#[test]
fn run_prints_the_warning() {
    let dir = tempfile::tempdir().unwrap();
    let p = common::write(
        dir.path(),
        "forgot_small.toml",
        &format!(
            "extends = \"{}\"\nname = \"forgot_small\"\n[reforms.coordination]\ntask_multiplier = 0.5\n",
            common::root().join("tests/data/small.toml").display()
        ),
    );
    let o = shequ(&[
        "run",
        p.to_str().unwrap(),
        "--reps",
        "1",
        "--quiet",
        "--out",
        dir.path().join("out").to_str().unwrap(),
    ]);
    let (_, err) = text(&o);
    assert_eq!(o.status.code(), Some(0), "{err}");
    assert!(
        err.contains("forgot_small.toml:4: reforms.coordination sets task_multiplier but is not enabled"),
        "{err}"
    );
}

#[test]
fn an_existing_finished_study_is_refused_unless_force_or_resume() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("study");
    let o = small_run(&out, &[]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o).1);
    // A finished folder holds only results; the working files are hidden.
    let mut names: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [".shequ", "manifest.json", "runs.csv", "summary.csv", "timeseries.csv"],
        "a finished output folder holds results only"
    );
    assert!(shequ::files::journal::journal_path(&out).exists());
    assert!(shequ::files::journal::identity_path(&out).exists());

    // A report, then a second run into the same folder: refused, exit 2.
    let o = shequ(&["report", out.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o).1);
    assert!(out.join("report.html").exists());
    let o = small_run(&out, &[]);
    let (_, err) = text(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains("finished study") && err.contains("--force") && err.contains("--resume"),
        "{err}"
    );
    assert!(
        out.join("report.html").exists(),
        "a refused run leaves the folder as it was"
    );

    // --resume continues it (nothing left to do: the same files).
    let before = std::fs::read(out.join("summary.csv")).unwrap();
    let o = small_run(&out, &["--resume"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o).1);
    assert_eq!(std::fs::read(out.join("summary.csv")).unwrap(), before);

    // --force replaces it: old outputs (the stale report too) are gone.
    std::fs::write(out.join("notes.txt"), "mine").unwrap();
    let o = shequ(&[
        "run",
        "tests/data/small.toml",
        "--reps",
        "3",
        "--seed",
        "2",
        "--quiet",
        "--force",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o).1);
    assert!(!out.join("report.html").exists(), "--force removes the stale report");
    assert!(out.join("notes.txt").exists(), "--force removes only what shequ wrote");
    let runs = std::fs::read_to_string(out.join("runs.csv")).unwrap();
    assert_eq!(runs.lines().count(), 4, "the new study's 3 replications: {runs}");

    // --force with --resume makes no sense.
    let o = small_run(&out, &["--force", "--resume"]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn merge_and_sweep_refuse_a_finished_folder_too() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("study");
    assert_eq!(small_run(&out, &[]).status.code(), Some(0));
    let shards: Vec<String> = (1..=2)
        .map(|i| {
            let d = dir.path().join(format!("s{i}"));
            let o = small_run(&d, &["--shard", &format!("{i}/2")]);
            assert_eq!(o.status.code(), Some(0), "{}", text(&o).1);
            d.to_str().unwrap().to_string()
        })
        .collect();
    let o = shequ(&[
        "merge",
        &shards[0],
        &shards[1],
        "--quiet",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o).1);
    let o = shequ(&[
        "merge",
        &shards[0],
        &shards[1],
        "--quiet",
        "--force",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o).1);
    let exp = common::write(
        dir.path(),
        "exp.toml",
        &format!(
            "scenarios = [\"{}\"]\npopulation_scale = 0.01\n[design]\nkind = \"grid\"\nlevels = 2\n[[factors]]\npath = \"cadres.pay_elasticity\"\nmin = 0.5\nmax = 1.5\n",
            common::root().join("tests/data/small.toml").display()
        ),
    );
    let sweep = dir.path().join("sweep");
    let args = |extra: &[&str]| {
        let mut a = vec![
            "sweep",
            exp.to_str().unwrap(),
            "--reps",
            "1",
            "--quiet",
            "--out",
            sweep.to_str().unwrap(),
        ];
        a.extend(extra.iter().copied());
        a.into_iter().map(String::from).collect::<Vec<_>>()
    };
    let run = |a: Vec<String>| {
        let a: Vec<&str> = a.iter().map(String::as_str).collect();
        shequ(&a)
    };
    assert_eq!(run(args(&[])).status.code(), Some(0));
    assert_eq!(run(args(&[])).status.code(), Some(2));
    assert_eq!(run(args(&["--force"])).status.code(), Some(0));
}

#[test]
fn progress_lines_go_to_a_log_when_stderr_is_not_a_terminal() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("log.txt");
    let status = Command::new(env!("CARGO_BIN_EXE_shequ"))
        .current_dir(common::root())
        .args(["run", "tests/data/small.toml", "--reps", "80", "--threads", "1"])
        .args(["--progress-interval", "0.1", "--out"])
        .arg(dir.path().join("out"))
        .stdout(Stdio::null())
        .stderr(Stdio::from(std::fs::File::create(&log).unwrap()))
        .status()
        .unwrap();
    assert!(status.success());
    let text = std::fs::read_to_string(&log).unwrap();
    let lines: Vec<&str> = text.lines().filter(|l| l.starts_with("progress [")).collect();
    assert!(!lines.is_empty(), "no progress line in the log:\n{text}");
    for l in &lines {
        assert!(
            // Before the first replication finishes (a loaded machine) the
            // rate and ETA are not known yet.
            l.contains("/80 replications (")
                && (l.contains("/s, ETA ") || l.contains(" 0/80 replications (0%), -, ETA unknown")),
            "{l}"
        );
    }
    // --quiet prints none; 0 turns them off.
    for extra in [["--quiet", "--progress-interval"], ["--progress-interval", "0"]] {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_shequ"));
        cmd.current_dir(common::root())
            .args([
                "run",
                "tests/data/small.toml",
                "--reps",
                "20",
                "--threads",
                "1",
                "--out",
            ])
            .arg(dir.path().join(format!("q{}", extra[0].len())))
            .args(extra);
        if extra[0] == "--quiet" {
            cmd.arg("0.1");
        }
        let o = cmd.output().unwrap();
        assert!(o.status.success());
        assert!(!String::from_utf8_lossy(&o.stderr).contains("progress ["));
    }
}

#[test]
fn validate_checks_experiment_files_without_running_them() {
    let mut args = vec!["validate"];
    let files = [
        "scenarios/baseline.toml",
        "scenarios/experiments/baseline_sobol.toml",
        "scenarios/experiments/stipend_grid.toml",
    ];
    args.extend(files);
    let o = shequ(&args);
    let (out, err) = text(&o);
    assert_eq!(o.status.code(), Some(0), "{err}");
    assert!(
        out.contains("baseline_sobol.toml: ok (experiment `baseline_sobol`: sobol design, 7 factor(s)"),
        "{out}"
    );
    assert!(out.contains("stipend_grid.toml: ok (experiment"), "{out}");
    // A wrong experiment is located in its own file.
    let dir = tempfile::tempdir().unwrap();
    let bad = common::write(
        dir.path(),
        "bad_exp.toml",
        &format!(
            "scenarios = [\"{}\"]\n[design]\nkind = \"sobol\"\nn = 1\n[[factors]]\npath = \"cadres.pay_elasticity\"\nmin = 0.5\nmax = 1.5\n",
            common::root().join("scenarios/baseline.toml").display()
        ),
    );
    let o = shequ(&["validate", bad.to_str().unwrap()]);
    let (_, err) = text(&o);
    assert_eq!(o.status.code(), Some(3), "{err}");
    assert!(err.contains("bad_exp.toml") && err.contains("design.n"), "{err}");
}

#[test]
fn diff_shows_what_a_lever_sets_when_enabled() {
    let o = shequ(&[
        "diff",
        "scenarios/baseline.toml",
        "scenarios/reforms/raise_stipends.toml",
    ]);
    let (out, err) = text(&o);
    assert_eq!(o.status.code(), Some(0), "{err}");
    assert!(out.contains("reforms.raise_stipends.enabled: false -> true"), "{out}");
    assert!(out.contains("what the lever sets when enabled"), "{out}");
    assert!(
        out.contains("reforms.raise_stipends.stipend_yuan_month = 800 yuan/month"),
        "{out}"
    );
    assert!(
        out.contains("reforms.raise_stipends.insurance_yuan_month = 150"),
        "{out}"
    );
    assert!(!out.contains("reforms.raise_stipends.enabled ="), "{out}");
}

#[test]
fn report_on_a_missing_folder_is_a_usage_error() {
    let o = shequ(&["report", "no/such/folder"]);
    let (_, err) = text(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("no/such/folder"), "{err}");
}

#[test]
fn every_argument_has_help() {
    for c in [
        "run",
        "sweep",
        "merge",
        "params",
        "diff",
        "report",
        "metrics",
        "calibrate",
        "validate",
    ] {
        let o = shequ(&[c, "--help"]);
        let (out, _) = text(&o);
        // clap prints an argument without a description as its name alone on
        // its line (in the long layout, the description follows on the next).
        let lines: Vec<&str> = out.lines().collect();
        for (i, line) in lines.iter().enumerate() {
            let t = line.trim();
            let indent = line.len() - line.trim_start().len();
            let next_indent = lines.get(i + 1).map_or(0, |n| n.len() - n.trim_start().len());
            let bare = (t.starts_with('-') || t.starts_with('<') || t.starts_with('['))
                && !t.contains("  ")
                && !t.starts_with("-h")
                && next_indent <= indent;
            assert!(!bare, "`shequ {c} --help`: `{t}` has no description");
        }
    }
}

/// One writer per output folder: a live holder is refused (exit 2, naming
/// its pid and host), a lock left by a dead process on this host is taken
/// over with a warning, and a finished command leaves no lock behind.
#[test]
fn a_second_writer_is_refused_and_a_stale_lock_taken_over() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    std::fs::create_dir_all(&out).unwrap();
    let lock = out.join(".shequ.lock");
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|s| s.trim().to_string())
        .unwrap_or_else(|_| std::env::var("HOSTNAME").unwrap_or_default());
    let run = || {
        Command::new(env!("CARGO_BIN_EXE_shequ"))
            .current_dir(common::root())
            .args(["run", "tests/data/small.toml", "--reps", "2", "--quiet", "--out"])
            .arg(&out)
            .output()
            .unwrap()
    };
    // This test process is alive, so its lock holds.
    std::fs::write(&lock, format!("pid={}\nhost={host}\n", std::process::id())).unwrap();
    let o = run();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains(&format!("process {}", std::process::id())) && err.contains("being written"),
        "{err}"
    );
    assert!(!out.join("runs.csv").exists(), "nothing written beside a live writer");
    // A pid above the kernel's maximum runs nowhere: a stale lock.
    std::fs::write(&lock, format!("pid=4294967\nhost={host}\n")).unwrap();
    let o = run();
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{err}");
    assert!(err.contains("process 4294967, which no longer runs"), "{err}");
    assert!(out.join("manifest.json").is_file());
    assert!(!lock.exists(), "a finished run removes its lock");
}
