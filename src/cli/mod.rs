//! The commands of the `shequ` command line, one file each: they load the
//! inputs, run, write the outputs (through `files/`) and print what
//! happened. Here: why a command failed (`AppError`, with its exit code) and
//! what several commands share.

pub mod calibrate;
pub mod diff;
pub mod fit;
pub mod merge;
pub mod metrics;
pub mod params;
pub mod report;
pub mod run;
pub mod sweep;
pub mod validate;

use crate::files::error::{FileError, InputError};
use crate::files::{machine, scenario_file};
use crate::model::scenario::Scenario;
use crate::model::state::BYTES_PER_PERSON;
use crate::study::identity::memory_estimate;
use crate::study::shard::Shard;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;

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
pub fn load_scenarios(paths: &[PathBuf]) -> Result<Vec<Scenario>, AppError> {
    let mut out: Vec<Scenario> = Vec::with_capacity(paths.len());
    for p in paths {
        let s = scenario_file::load(p)?;
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
    Ok(out)
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

/// A progress bar with an ETA on stderr, hidden when quiet or not a terminal.
pub fn progress_bar(len: u64, unit: &str, quiet: bool) -> ProgressBar {
    let bar = ProgressBar::new(len);
    if quiet || !std::io::stderr().is_terminal() {
        bar.set_draw_target(ProgressDrawTarget::hidden());
    }
    bar.set_style(
        ProgressStyle::with_template(&format!(
            "{{spinner}} [{{elapsed_precise}}] {{bar:40}} {{pos}}/{{len}} {unit} (ETA {{eta}})"
        ))
        .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    bar
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
