//! The commands behind the CLI, as library calls: load scenarios, run the
//! study, write its outputs. Nothing here prints; `main.rs` reports.

use crate::compare::CompareRow;
use crate::error::InputError;
use crate::output::{self, Manifest};
use crate::params::{ParamInfo, Params};
use crate::runner;
use crate::scenario::{self, Scenario};
use std::path::{Path, PathBuf};

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
}

impl AppError {
    /// Exit codes: 2 usage, 3 bad input file, 4 I/O failure (1 is reserved
    /// for unexpected errors).
    pub fn exit_code(&self) -> i32 {
        match self {
            AppError::Usage(_) => 2,
            AppError::Input(_) => 3,
            AppError::Io { .. } => 4,
        }
    }
}

fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> AppError + '_ {
    move |source| AppError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// Options of `shequ run`.
#[derive(Debug, Clone)]
pub struct RunOptions {
    pub scenarios: Vec<PathBuf>,
    pub reps: u32,
    pub seed: u64,
    pub out: PathBuf,
    /// 0 = all cores.
    pub threads: usize,
    pub baseline: Option<String>,
    pub command_line: Vec<String>,
}

/// What a finished run reports.
#[derive(Debug)]
pub struct RunReport {
    pub manifest: Manifest,
    pub compare: Vec<CompareRow>,
    pub files: Vec<PathBuf>,
}

/// Loads and checks scenarios: names must be unique (they key every output).
pub fn load_scenarios(paths: &[PathBuf]) -> Result<Vec<Scenario>, AppError> {
    let mut out: Vec<Scenario> = Vec::with_capacity(paths.len());
    for p in paths {
        let s = scenario::load(p)?;
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

/// Replications × months × residents over all scenarios (for progress bars).
pub fn total_replications(scenarios: &[Scenario], reps: u32) -> u64 {
    scenarios.len() as u64 * u64::from(reps)
}

/// Runs a study and writes its outputs.
pub fn run(opts: &RunOptions, scenarios: &[Scenario], progress: &(dyn Fn() + Sync)) -> Result<RunReport, AppError> {
    if opts.reps == 0 {
        return Err(AppError::Usage("--reps must be at least 1".into()));
    }
    if scenarios.is_empty() {
        return Err(AppError::Usage("no scenario given".into()));
    }
    let baseline = match &opts.baseline {
        None => 0,
        Some(name) => scenarios.iter().position(|s| &s.name == name).ok_or_else(|| {
            let names: Vec<&str> = scenarios.iter().map(|s| s.name.as_str()).collect();
            AppError::Usage(format!(
                "--baseline `{name}` is not among the scenarios ({})",
                names.join(", ")
            ))
        })?,
    };
    std::fs::create_dir_all(&opts.out).map_err(io_err(&opts.out))?;
    probe_writable(&opts.out)?;
    let threads = if opts.threads == 0 {
        rayon::current_num_threads()
    } else {
        opts.threads
    };
    let start = std::time::SystemTime::now();
    let results = runner::run(scenarios, opts.reps, opts.seed, threads, progress)
        .map_err(|e| AppError::Usage(format!("cannot start {threads} threads: {e}")))?;
    let end = std::time::SystemTime::now();
    let dir = &opts.out;
    let mut files = vec![
        output::write_runs(dir, scenarios, &results).map_err(io_err(dir))?,
        output::write_summary(dir, scenarios, &results).map_err(io_err(dir))?,
        output::write_timeseries(dir, scenarios, &results).map_err(io_err(dir))?,
    ];
    let compare = if scenarios.len() > 1 {
        output::write_compare(dir, scenarios, &results, baseline).map_err(io_err(dir))?;
        files.push(dir.join("compare.csv"));
        files.push(dir.join("compare_by_group.csv"));
        output::comparisons(scenarios, &results, baseline)
    } else {
        Vec::new()
    };
    let manifest = Manifest::new(
        scenarios,
        &results,
        opts.seed,
        opts.reps,
        threads,
        baseline,
        opts.command_line.clone(),
        start,
        end,
    );
    files.push(manifest.write(dir).map_err(io_err(dir))?);
    Ok(RunReport {
        manifest,
        compare,
        files,
    })
}

fn probe_writable(dir: &Path) -> Result<(), AppError> {
    let probe = dir.join(format!(".shequ-write-test-{}", std::process::id()));
    std::fs::write(&probe, b"").map_err(io_err(dir))?;
    std::fs::remove_file(&probe).map_err(io_err(dir))
}

/// Every parameter of a scenario, or the defaults.
pub fn params(path: Option<&Path>) -> Result<Vec<ParamInfo>, AppError> {
    Ok(match path {
        Some(p) => scenario::load(p)?.params.describe(),
        None => Params::default().describe(),
    })
}

fn cell(s: &str) -> String {
    s.replace('|', "\\|")
}

/// The parameter table as markdown.
pub fn params_markdown(rows: &[ParamInfo]) -> String {
    let mut out = String::from(
        "| key | value | default | unit | range | provenance | description |\n|---|---|---|---|---|---|---|\n",
    );
    for r in rows {
        let range = if r.min == 0.0 && r.max == 0.0 {
            String::new()
        } else {
            format!("{} – {}", r.min, r.max)
        };
        out.push_str(&format!(
            "| `{}` | {} | {} | {} | {} | {} | {} |\n",
            r.path,
            cell(&r.value),
            cell(&r.default),
            cell(r.unit),
            range,
            r.provenance,
            cell(r.description)
        ));
    }
    out
}

/// The parameter table as CSV.
pub fn params_csv(rows: &[ParamInfo]) -> String {
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::Any(b'\n'))
        .from_writer(Vec::new());
    let _ = w.write_record([
        "key",
        "value",
        "default",
        "unit",
        "min",
        "max",
        "provenance",
        "description",
    ]);
    for r in rows {
        let _ = w.write_record([
            r.path.clone(),
            r.value.clone(),
            r.default.clone(),
            r.unit.to_string(),
            output::num(r.min),
            output::num(r.max),
            r.provenance.to_string(),
            r.description.to_string(),
        ]);
    }
    String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default()
}

/// Resolved parameters that differ between two scenarios: (key, a, b).
pub fn diff(a: &Path, b: &Path) -> Result<Vec<(String, String, String)>, AppError> {
    let pa = scenario::load(a)?.params.describe();
    let pb = scenario::load(b)?.params.describe();
    Ok(pa
        .into_iter()
        .zip(pb)
        .filter(|(x, y)| x.value != y.value)
        .map(|(x, y)| (x.path, x.value, y.value))
        .collect())
}
