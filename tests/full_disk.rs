//! A full disk: `run` and `sweep` write into a small tmpfs (mounted by the
//! test, which needs root) that fills up in the middle of the run and, in a
//! second case, while the final files are written. The command exits with
//! code 4 (an I/O failure) and a message naming the output folder, no final
//! file is left truncated under its final name (each is absent or equal to
//! an uninterrupted run's), a `--resume` while the disk is still full fails
//! the same way and changes nothing, and once the filesystem is enlarged
//! `--resume` completes to files byte-identical to an uninterrupted run in
//! an ordinary folder.
//!
//! Without root (or without `mount`), each test prints why and is skipped;
//! with `SHEQU_REQUIRE_ROOT_TESTS=1` (as CI sets it) it fails instead.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// A tmpfs mounted at `dir` for the test's lifetime; unmounted when dropped,
/// also when the test panics.
struct Tmpfs {
    dir: PathBuf,
}

impl Tmpfs {
    /// Mounts a tmpfs of `kib` KiB at `dir`, or says why it cannot.
    fn mount(dir: &Path, kib: u32) -> Result<Tmpfs, String> {
        std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        let out = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={kib}k"), "tmpfs"])
            .arg(dir)
            .output()
            .map_err(|e| format!("cannot run mount: {e}"))?;
        if !out.status.success() {
            return Err(format!(
                "mount -t tmpfs failed (root is needed): {}",
                String::from_utf8_lossy(&out.stderr).trim()
            ));
        }
        Ok(Tmpfs { dir: dir.to_path_buf() })
    }

    /// Makes room: the same tmpfs, `kib` KiB large.
    fn resize(&self, kib: u32) {
        let ok = Command::new("mount")
            .args(["-o", &format!("remount,size={kib}k")])
            .arg(&self.dir)
            .status()
            .is_ok_and(|s| s.success());
        assert!(ok, "cannot remount {} with {kib} KiB", self.dir.display());
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let umount = |lazy: bool| {
            let mut c = Command::new("umount");
            if lazy {
                c.arg("-l");
            }
            c.arg(&self.dir).status().is_ok_and(|s| s.success())
        };
        if !umount(false) && !umount(true) {
            eprintln!("warning: cannot unmount {}", self.dir.display());
        }
    }
}

/// A tmpfs of `kib` KiB at `dir`, or `None` with the reason printed; with
/// `SHEQU_REQUIRE_ROOT_TESTS=1` a tmpfs that cannot be mounted fails the test.
fn tmpfs_or_skip(dir: &Path, kib: u32) -> Option<Tmpfs> {
    match Tmpfs::mount(dir, kib) {
        Ok(t) => Some(t),
        Err(why) if std::env::var("SHEQU_REQUIRE_ROOT_TESTS").as_deref() == Ok("1") => {
            panic!("SHEQU_REQUIRE_ROOT_TESTS=1 but {why}")
        }
        Err(why) => {
            eprintln!("skipped: {why}");
            None
        }
    }
}

fn shequ(args: &[&str], paths: &[&Path], out: &Path, extra: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_shequ"))
        .args(&args[..1])
        .args(paths)
        .args(&args[1..])
        .args(["--threads", "2", "--quiet", "--out"])
        .arg(out)
        .args(extra)
        .output()
        .unwrap()
}

/// `shequ run` of the two small test scenarios, 8 replications each.
fn run(out: &Path, extra: &[&str]) -> Output {
    let root = common::root();
    let (a, b) = (
        root.join("tests/data/small.toml"),
        root.join("tests/data/small_stipends.toml"),
    );
    shequ(&["run", "--reps", "8", "--seed", "9"], &[&a, &b], out, extra)
}

/// `shequ sweep` of a 6-point grid over the small test scenarios, 4 replications.
fn sweep(exp: &Path, out: &Path, extra: &[&str]) -> Output {
    shequ(&["sweep", "--reps", "4", "--seed", "9"], &[exp], out, extra)
}

fn grid(dir: &Path) -> PathBuf {
    let root = common::root();
    let text = format!(
        "name = \"grid\"\nscenarios = [\"{}\", \"{}\"]\npopulation_scale = 0.01\n\
         metrics = [\"satisfaction_mean\"]\n\n[design]\nkind = \"grid\"\nlevels = 3\n\n\
         [[factors]]\npath = \"cadres.pay_elasticity\"\nmin = 0.5\nmax = 1.5\n\n\
         [[factors]]\npath = \"labour.layoff_annual\"\nvalues = [0.02, 0.06]\n",
        root.join("tests/data/small.toml").display(),
        root.join("tests/data/small_stipends.toml").display()
    );
    common::write(dir, "grid.toml", &text)
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Complete lines of a journal after its header.
fn complete_lines(path: &Path) -> usize {
    let text = std::fs::read(path).unwrap_or_default();
    text.iter().filter(|&&b| b == b'\n').count().saturating_sub(1)
}

/// The files shequ wrote at the top of `dir` (not the working folder).
fn files(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n != ".shequ")
        .collect();
    v.sort();
    v
}

/// manifest.json without what differs between identical runs.
fn manifest(dir: &Path) -> serde_json::Value {
    let text = std::fs::read_to_string(dir.join("manifest.json")).unwrap();
    let mut v: serde_json::Value = serde_json::from_str(&text).unwrap();
    for k in [
        "command_line",
        "start_time_utc",
        "end_time_utc",
        "wall_seconds",
        "ns_per_person_month_per_thread",
        "person_months_per_second",
    ] {
        v.as_object_mut().unwrap().remove(k);
    }
    v
}

/// After a failure on a full disk: exit 4, a message naming the folder and
/// the full disk, no manifest, no temporary file left behind, and every
/// final file either absent or equal to the uninterrupted one (`growing`:
/// the one file documented to grow while a command runs, run's runs.csv).
fn assert_stopped_cleanly(o: &Output, out: &Path, whole: &Path, growing: Option<&str>) {
    let err = stderr(o);
    assert_eq!(o.status.code(), Some(4), "{err}");
    assert!(
        err.contains(&out.display().to_string()) && err.contains("No space left on device"),
        "the message names the folder and the full disk: {err}"
    );
    assert!(!out.join("manifest.json").exists(), "{err}");
    for f in files(out) {
        assert!(!f.contains(".tmp-"), "a temporary file is left: {f}");
        if Some(f.as_str()) == growing || f == ".shequ.lock" {
            continue;
        }
        assert!(
            std::fs::read(out.join(&f)).unwrap() == std::fs::read(whole.join(&f)).unwrap(),
            "{f} is left under its final name but differs from the uninterrupted run's"
        );
    }
}

/// Every file of `whole` is in `dir` with the same bytes (manifest.json
/// without its times and command line).
fn assert_same_outputs(dir: &Path, whole: &Path) {
    assert_eq!(files(dir), files(whole));
    for f in files(whole) {
        if f == "manifest.json" {
            assert_eq!(manifest(dir), manifest(whole));
        } else {
            assert!(
                std::fs::read(dir.join(&f)).unwrap() == std::fs::read(whole.join(&f)).unwrap(),
                "{f} differs after the disk was freed and --resume"
            );
        }
    }
}

/// What a command under test is: how to start it on a folder (with extra
/// arguments), where its journal is, the one file that grows under its final
/// name (if any), and its name and item count for the log line.
struct Job<'a> {
    start: &'a dyn Fn(&Path, &[&str]) -> Output,
    journal: fn(&Path) -> PathBuf,
    growing: Option<&'a str>,
    what: &'a str,
    items: usize,
}

/// A full disk (`kib` KiB) stops the job; a resume on the still-full disk
/// changes nothing; after the tmpfs is enlarged `--resume` finishes with
/// the uninterrupted job's files. Returns the items the journal kept.
fn on_full_disk(root: &Path, kib: u32, job: &Job) -> Option<usize> {
    let whole = root.join("whole");
    let fs = tmpfs_or_skip(&root.join("mnt"), kib)?;
    let o = (job.start)(&whole, &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = fs.dir.join("out");
    let o = (job.start)(&out, &[]);
    assert_stopped_cleanly(&o, &out, &whole, job.growing);
    let journal = (job.journal)(&out);
    let kept = complete_lines(&journal);
    let before = std::fs::read(&journal).unwrap();
    let o = (job.start)(&out, &["--resume"]);
    assert_stopped_cleanly(&o, &out, &whole, job.growing);
    assert!(
        std::fs::read(&journal).unwrap() == before,
        "a failed resume changed the journal"
    );
    fs.resize(8192);
    eprintln!(
        "{} on {kib} KiB: stopped with {kept} of {} kept; resuming",
        job.what, job.items
    );
    let o = (job.start)(&out, &["--resume"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_same_outputs(&out, &whole);
    Some(kept)
}

/// `run` of 16 replications on a full disk (its runs.csv grows under its name).
fn run_on_full_disk(kib: u32) -> Option<usize> {
    let root = tempfile::tempdir().unwrap();
    let job = Job {
        start: &run,
        journal: shequ::files::journal::journal_path,
        growing: Some("runs.csv"),
        what: "run",
        items: 16,
    };
    on_full_disk(root.path(), kib, &job)
}

#[test]
fn a_run_that_fills_the_disk_mid_run_resumes_once_there_is_room() {
    // 256 KiB hold about 7 of the 16 replications' journal lines.
    if let Some(kept) = run_on_full_disk(256) {
        assert!((1..16).contains(&kept), "the disk filled mid-run: {kept} of 16 kept");
    }
}

#[test]
fn a_run_that_fills_the_disk_while_writing_its_final_files_resumes() {
    // 768 KiB hold the whole journal and runs.csv but not every final file.
    if let Some(kept) = run_on_full_disk(768) {
        assert_eq!(kept, 16, "every replication finished before the disk filled");
    }
}

/// `sweep` of 48 items on a full disk (no file grows under a final name).
fn sweep_on_full_disk(kib: u32) -> Option<usize> {
    let root = tempfile::tempdir().unwrap();
    let exp = grid(root.path());
    let start = |out: &Path, extra: &[&str]| sweep(&exp, out, extra);
    let job = Job {
        start: &start,
        journal: shequ::files::sweep_journal::journal_path,
        growing: None,
        what: "sweep",
        items: 48,
    };
    on_full_disk(root.path(), kib, &job)
}

#[test]
fn a_sweep_that_fills_the_disk_mid_run_resumes_once_there_is_room() {
    // 24 KiB hold about 12 of the 48 items' journal lines.
    if let Some(kept) = sweep_on_full_disk(24) {
        assert!((1..48).contains(&kept), "the disk filled mid-sweep: {kept} of 48 kept");
    }
}

#[test]
fn a_sweep_that_fills_the_disk_while_writing_its_final_files_resumes() {
    // 128 KiB hold the journal, design.csv and runs.csv, not summary.csv.
    if let Some(kept) = sweep_on_full_disk(128) {
        assert_eq!(kept, 48, "every item finished before the disk filled");
    }
}
