//! The commands of the `shequ` command line, one file each: they load the
//! inputs, run, write the outputs (through `files/`) and print what
//! happened. Here: why a command failed (`AppError`, with its exit code) and
//! what several commands share.

pub mod calibrate;
pub mod decision;
pub mod diff;
pub mod fit;
pub mod merge;
pub mod metrics;
pub mod params;
pub mod report;
pub mod run;
pub mod sweep;
pub mod validate;

use crate::files::error::{FileError, InputError, InputWarning};
use crate::files::{machine, scenario_file};
use crate::model::scenario::Scenario;
use crate::model::state::BYTES_PER_PERSON;
use crate::study::identity::memory_estimate;
use crate::study::shard::Shard;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

/// Why a command failed; each kind has its own exit code.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// A scenario or data file is wrong (exit 3).
    #[error("{0}")]
    Input(#[from] InputError),
    /// Arguments that parse but make no sense (exit 2).
    #[error("{0}")]
    Usage(String),
    /// Reading or writing failed (exit 4).
    #[error("{path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    /// Stopped before the end (Ctrl-C); finished replications are kept (exit 130).
    #[error("{0}")]
    Interrupted(String),
}

impl AppError {
    /// Exit codes: 2 usage, 3 bad input file, 4 I/O failure, 130
    /// interrupted (1 is reserved for unexpected errors).
    pub fn exit_code(&self) -> i32 {
        match self {
            AppError::Usage(_) => 2,
            AppError::Input(_) => 3,
            AppError::Io { .. } => 4,
            AppError::Interrupted(_) => 130,
        }
    }
}

impl From<FileError> for AppError {
    fn from(e: FileError) -> Self {
        match e {
            FileError::Input(e) => AppError::Input(e),
            FileError::Io { path, source } => AppError::Io { path, source },
        }
    }
}

pub(crate) fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> AppError + '_ {
    move |source| AppError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// Loads and checks scenarios: names must be unique (they key every output).
/// Warnings are dropped; the commands use `load_scenarios_warned`.
pub fn load_scenarios(paths: &[PathBuf]) -> Result<Vec<Scenario>, AppError> {
    load_scenarios_warned(paths).map(|(s, _)| s)
}

/// `load_scenarios`, with the warnings of every file (for the command to print).
pub fn load_scenarios_warned(paths: &[PathBuf]) -> Result<(Vec<Scenario>, Vec<InputWarning>), AppError> {
    let mut out: Vec<Scenario> = Vec::with_capacity(paths.len());
    let mut warnings: Vec<InputWarning> = Vec::new();
    for p in paths {
        let (s, w) = scenario_file::load_with_warnings(p)?;
        for w in w {
            if !warnings.contains(&w) {
                warnings.push(w);
            }
        }
        if let Some(prev) = out.iter().find(|o| o.name == s.name) {
            return Err(AppError::Usage(format!(
                "two scenarios are named `{}` ({} and {}): give one a different `name`",
                s.name,
                prev.path.display(),
                p.display()
            )));
        }
        out.push(s);
    }
    Ok((out, warnings))
}

/// Prints warnings on stderr, one line each.
pub fn print_warnings(warnings: &[InputWarning]) {
    for w in warnings {
        eprintln!("warning: {w}");
    }
}

/// Set (by the CLI's Ctrl-C handler) to stop starting new replications.
pub static STOP: AtomicBool = AtomicBool::new(false);

/// Refuses a run whose estimated peak memory exceeds what is available.
pub(crate) fn check_memory(scenarios: &[Scenario], reps: u32, threads: usize) -> Result<(), AppError> {
    let need = memory_estimate(scenarios, reps, threads);
    if let Some(avail) = machine::available_memory() {
        if need > avail {
            let gib = |b: u64| b as f64 / (1u64 << 30) as f64;
            return Err(AppError::Usage(format!(
                "this run needs about {:.1} GiB of memory ({} threads × the largest scenario's residents at {} bytes each, plus results) but {:.1} GiB is available: lower simulation.population_scale, --threads or --reps",
                gib(need),
                threads,
                BYTES_PER_PERSON,
                gib(avail)
            )));
        }
    }
    Ok(())
}

/// A markdown table cell: `|` escaped.
pub(crate) fn cell(s: &str) -> String {
    s.replace('|', "\\|")
}

/// Default seconds between progress lines when stderr is not a terminal.
pub const PROGRESS_INTERVAL_S: f64 = 15.0;

/// Progress on stderr: a bar with an ETA on a terminal; elsewhere (nohup, a
/// notebook, a Slurm log) a line every `interval` with done/total, rate and
/// ETA; nothing when quiet.
pub struct Progress {
    bar: ProgressBar,
    shared: Arc<Ticker>,
    thread: Mutex<Option<std::thread::JoinHandle<()>>>,
}

struct Ticker {
    done: AtomicU64,
    total: AtomicU64,
    stopped: Mutex<bool>,
    wake: Condvar,
}

impl Progress {
    /// Progress over `len` items named `unit` (e.g. "replications").
    pub fn new(len: u64, unit: &str, quiet: bool, interval: Duration) -> Progress {
        let terminal = std::io::stderr().is_terminal();
        let bar = ProgressBar::new(len);
        if quiet || !terminal {
            bar.set_draw_target(ProgressDrawTarget::hidden());
        }
        bar.set_style(
            ProgressStyle::with_template(&format!(
                "{{spinner}} [{{elapsed_precise}}] {{bar:40}} {{pos}}/{{len}} {unit} (ETA {{eta}})"
            ))
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        let shared = Arc::new(Ticker {
            done: AtomicU64::new(0),
            total: AtomicU64::new(len),
            stopped: Mutex::new(false),
            wake: Condvar::new(),
        });
        let thread = (!quiet && !terminal && !interval.is_zero()).then(|| {
            let t = Arc::clone(&shared);
            let unit = unit.to_string();
            let start = Instant::now();
            std::thread::spawn(move || {
                let mut stopped = t.stopped.lock().unwrap_or_else(|p| p.into_inner());
                loop {
                    let (guard, timeout) = t
                        .wake
                        .wait_timeout(stopped, interval)
                        .unwrap_or_else(|p| p.into_inner());
                    stopped = guard;
                    if *stopped {
                        return;
                    }
                    if timeout.timed_out() {
                        let done = t.done.load(Ordering::Relaxed);
                        let total = t.total.load(Ordering::Relaxed);
                        eprintln!("{}", progress_line(done, total, &unit, start.elapsed()));
                    }
                }
            })
        });
        Progress {
            bar,
            shared,
            thread: Mutex::new(thread),
        }
    }

    /// One more item done.
    pub fn inc(&self) {
        self.bar.inc(1);
        self.shared.done.fetch_add(1, Ordering::Relaxed);
    }

    /// The total changed (adaptive replication).
    pub fn set_length(&self, len: u64) {
        self.bar.set_length(len);
        self.shared.total.store(len, Ordering::Relaxed);
    }

    /// Clears the bar and stops the progress lines.
    pub fn finish(&self) {
        self.bar.finish_and_clear();
        if let Ok(mut s) = self.shared.stopped.lock() {
            *s = true;
        }
        self.shared.wake.notify_all();
        if let Some(h) = self.thread.lock().ok().and_then(|mut t| t.take()) {
            let _ = h.join();
        }
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        self.finish();
    }
}

/// `[elapsed] done/total unit (percent), rate/s, ETA` for a log.
pub fn progress_line(done: u64, total: u64, unit: &str, elapsed: Duration) -> String {
    let secs = elapsed.as_secs_f64();
    let pct = if total > 0 {
        100.0 * done as f64 / total as f64
    } else {
        0.0
    };
    let (rate, eta) = if done > 0 && secs > 0.0 {
        let rate = done as f64 / secs;
        let left = total.saturating_sub(done) as f64 / rate;
        (format!("{rate:.3}/s"), clock(left))
    } else {
        ("-".to_string(), "unknown".to_string())
    };
    format!(
        "progress [{}] {done}/{total} {unit} ({pct:.0}%), {rate}, ETA {eta}",
        clock(secs)
    )
}

/// Seconds as `h:mm:ss`.
fn clock(secs: f64) -> String {
    let s = secs.round().max(0.0) as u64;
    format!("{}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
}

/// `--shard I/N` or `--shard slurm`; without it, a note when a Slurm array
/// task would run the whole study.
pub fn parse_shard(arg: Option<&str>, quiet: bool) -> Result<Option<Shard>, AppError> {
    match arg {
        None => {
            if std::env::var_os("SLURM_ARRAY_TASK_ID").is_some() && !quiet {
                eprintln!(
                    "note: SLURM_ARRAY_TASK_ID is set; this task runs the whole study. \
                     Pass --shard slurm to run only its share."
                );
            }
            Ok(None)
        }
        Some("slurm") => Shard::from_slurm(|k| std::env::var(k).ok())
            .map(Some)
            .map_err(AppError::Usage),
        Some(spec) => Shard::parse(spec)
            .map(Some)
            .map_err(|e| AppError::Usage(format!("--shard {e}"))),
    }
}

/// Locks an output folder for this command (one writer per folder:
/// `files::out_dir::lock`), saying so when it takes over the stale lock of a
/// killed process. A live holder is a usage error (exit 2).
pub(crate) fn lock_out(dir: &std::path::Path) -> Result<crate::files::out_dir::Lock, AppError> {
    let lock = crate::files::out_dir::lock(dir).map_err(|e| AppError::Usage(e.to_string()))?;
    if let Some(pid) = lock.took_over {
        eprintln!(
            "warning: {} was locked by process {pid}, which no longer runs (killed?); the lock is taken over",
            dir.display()
        );
    }
    Ok(lock)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_progress_line_has_counts_rate_and_eta() {
        let l = progress_line(30, 120, "replications", Duration::from_secs(60));
        assert_eq!(l, "progress [0:01:00] 30/120 replications (25%), 0.500/s, ETA 0:03:00");
        let l = progress_line(0, 10, "design points", Duration::from_secs(5));
        assert!(
            l.contains("0/10 design points (0%)") && l.ends_with("ETA unknown"),
            "{l}"
        );
    }
}
