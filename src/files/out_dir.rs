//! The output folder (`--out`): which files shequ writes there, whether it
//! holds a finished study, clearing it for `--force`, and the hidden
//! working folder `.shequ/` where a run keeps its journal and identity
//! (`journal.rs`), so that a finished folder holds only results; and the
//! lock that keeps a second writer out of a folder in use (`lock`).

use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// The hidden working folder inside an output folder.
pub const WORK_DIR: &str = ".shequ";

/// `dir/.shequ`.
pub fn work_dir(dir: &Path) -> PathBuf {
    dir.join(WORK_DIR)
}

/// Every file shequ writes in an output folder (run, merge, shard, sweep,
/// report). `--force` removes these and the working folder, nothing else.
pub const OUTPUTS: [&str; 14] = [
    "runs.csv",
    "summary.csv",
    "timeseries.csv",
    "compare.csv",
    "compare_by_group.csv",
    "compare_timeseries.csv",
    "costs.csv",
    "failures.csv",
    "manifest.json",
    "shard.json",
    "design.csv",
    "sensitivity.csv",
    "sweep_shard.tsv",
    "report.html",
];

/// Working files that versions before the `.shequ/` folder wrote at the top.
const LEGACY_WORKING: [&str; 2] = ["replications.tsv", "run.json"];

/// Files that only a finished study (or finished shard) leaves.
const FINISHED: [&str; 3] = ["manifest.json", "shard.json", "sweep_shard.tsv"];

/// The file that shows `dir` holds a finished study, if it does.
pub fn finished_study(dir: &Path) -> Option<PathBuf> {
    FINISHED.iter().map(|f| dir.join(f)).find(|p| p.is_file())
}

/// Removes what shequ wrote in `dir` (its outputs, report.html included,
/// and the working folder); returns what was removed. Other files stay.
pub fn clear_outputs(dir: &Path) -> io::Result<Vec<PathBuf>> {
    let mut removed = Vec::new();
    for f in OUTPUTS.iter().chain(&LEGACY_WORKING) {
        let p = dir.join(f);
        if p.is_file() {
            std::fs::remove_file(&p)?;
            removed.push(p);
        }
    }
    let work = work_dir(dir);
    if work.is_dir() {
        std::fs::remove_dir_all(&work)?;
        removed.push(work);
    }
    Ok(removed)
}

/// The lock file at the top of an output folder while a command writes it.
pub const LOCK_FILE: &str = ".shequ.lock";

/// Holds `dir/.shequ.lock` while alive; removes it when dropped (a finished,
/// failed or interrupted command). A killed process leaves it behind.
#[derive(Debug)]
pub struct Lock {
    path: PathBuf,
    /// The pid of a dead process on this host whose lock was taken over.
    pub took_over: Option<u32>,
}

impl Drop for Lock {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

/// Why a folder cannot be locked.
#[derive(Debug)]
pub enum LockError {
    /// A live process (or one on another host, which cannot be checked)
    /// holds the folder.
    Held {
        path: PathBuf,
        pid: u32,
        host: String,
        live: bool,
    },
    Io(PathBuf, io::Error),
}

impl std::fmt::Display for LockError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LockError::Held {
                path,
                pid,
                host,
                live: true,
            } => write!(
                f,
                "{} is being written by process {pid} on {host} (lock {}): wait for it, or choose another --out",
                path.parent().map(|d| d.display().to_string()).unwrap_or_default(),
                path.display()
            ),
            LockError::Held {
                path,
                pid,
                host,
                live: false,
            } => write!(
                f,
                "{} is locked by process {pid} on host {host}, which cannot be checked from here: if no run uses \
                 this folder, remove {} and try again",
                path.parent().map(|d| d.display().to_string()).unwrap_or_default(),
                path.display()
            ),
            LockError::Io(path, e) => write!(f, "{}: {e}", path.display()),
        }
    }
}

/// This machine's host name (Linux: /proc; else `HOSTNAME`).
fn host_name() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|s| s.trim().to_string())
        .ok()
        .filter(|s| !s.is_empty())
        .or_else(|| std::env::var("HOSTNAME").ok())
        .unwrap_or_else(|| "unknown-host".into())
}

/// Whether process `pid` runs on this host. Without /proc nothing can be
/// told, so the process counts as alive (the lock is then not taken over).
fn alive(pid: u32) -> bool {
    let proc = Path::new("/proc");
    !proc.is_dir() || proc.join(pid.to_string()).exists()
}

/// `pid=…` and `host=…` of a lock file.
fn holder(text: &str) -> Option<(u32, String)> {
    let field = |k: &str| text.lines().find_map(|l| l.strip_prefix(k)).map(str::trim);
    Some((field("pid=")?.parse().ok()?, field("host=")?.to_string()))
}

/// Locks `dir` (which must exist) for this process: refuses while another
/// live process holds it, takes over a lock left by a dead process on this
/// host (reported in `took_over`), and refuses a lock from another host or
/// one it cannot read (it cannot tell whether that holder still runs).
pub fn lock(dir: &Path) -> Result<Lock, LockError> {
    let path = dir.join(LOCK_FILE);
    let me = (std::process::id(), host_name());
    let mut took_over = None;
    for _ in 0..2 {
        match std::fs::OpenOptions::new().write(true).create_new(true).open(&path) {
            Ok(mut f) => {
                let text = format!("pid={}\nhost={}\n", me.0, me.1);
                f.write_all(text.as_bytes())
                    .map_err(|e| LockError::Io(path.clone(), e))?;
                return Ok(Lock { path, took_over });
            }
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
                let text = std::fs::read_to_string(&path).map_err(|e| LockError::Io(path.clone(), e))?;
                let Some((pid, host)) = holder(&text) else {
                    return Err(LockError::Held {
                        path,
                        pid: 0,
                        host: "an unreadable lock".into(),
                        live: false,
                    });
                };
                if host != me.1 {
                    return Err(LockError::Held {
                        path,
                        pid,
                        host,
                        live: false,
                    });
                }
                if alive(pid) {
                    return Err(LockError::Held {
                        path,
                        pid,
                        host,
                        live: true,
                    });
                }
                // A dead process on this host: its lock is stale.
                std::fs::remove_file(&path).map_err(|e| LockError::Io(path.clone(), e))?;
                took_over = Some(pid);
            }
            Err(e) => return Err(LockError::Io(path, e)),
        }
    }
    Err(LockError::Io(
        path,
        io::Error::other("another process took the lock at the same moment"),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp(name: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("shequ-lock-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    #[test]
    fn one_writer_per_folder() {
        let d = temp("one");
        let held = lock(&d).unwrap();
        assert!(held.took_over.is_none());
        // This process is alive: a second lock is refused, naming it.
        let e = lock(&d).unwrap_err().to_string();
        assert!(
            e.contains(&format!("process {}", std::process::id())) && e.contains("being written"),
            "{e}"
        );
        drop(held);
        assert!(!d.join(LOCK_FILE).exists(), "dropping the lock removes the file");
        let again = lock(&d).unwrap();
        drop(again);
        std::fs::remove_dir_all(&d).unwrap();
    }

    #[test]
    fn a_dead_holder_is_taken_over_and_another_host_is_refused() {
        let d = temp("stale");
        // No process has a pid above the kernel's maximum (2^22).
        std::fs::write(d.join(LOCK_FILE), format!("pid=4294967\nhost={}\n", host_name())).unwrap();
        let l = lock(&d).unwrap();
        assert_eq!(l.took_over, Some(4294967));
        drop(l);
        std::fs::write(d.join(LOCK_FILE), "pid=1\nhost=some-other-host\n").unwrap();
        let e = lock(&d).unwrap_err().to_string();
        assert!(e.contains("some-other-host") && e.contains("remove"), "{e}");
        std::fs::write(d.join(LOCK_FILE), "garbage").unwrap();
        assert!(lock(&d).is_err(), "an unreadable lock is not taken over");
        std::fs::remove_dir_all(&d).unwrap();
    }

    #[test]
    fn clearing_removes_only_what_shequ_writes() {
        let dir = std::env::temp_dir().join(format!("shequ-outdir-{}", std::process::id()));
        std::fs::create_dir_all(work_dir(&dir)).unwrap();
        for f in ["manifest.json", "report.html", "notes.txt"] {
            std::fs::write(dir.join(f), "x").unwrap();
        }
        std::fs::write(work_dir(&dir).join("replications.tsv"), "x").unwrap();
        assert!(finished_study(&dir).is_some());
        let removed = clear_outputs(&dir).unwrap();
        assert_eq!(removed.len(), 3);
        assert!(dir.join("notes.txt").exists() && !work_dir(&dir).exists());
        assert!(finished_study(&dir).is_none());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
