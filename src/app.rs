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

/// Every parameter of a scenario, or the defaults. File paths are shown
/// relative to the working directory when they lie below it.
pub fn params(path: Option<&Path>) -> Result<Vec<ParamInfo>, AppError> {
    let mut rows = match path {
        Some(p) => scenario::load(p)?.params.describe(),
        None => Params::default().describe(),
    };
    let cwd = std::env::current_dir().ok().and_then(|d| std::fs::canonicalize(d).ok());
    for r in rows.iter_mut().filter(|r| r.path == "world.jurisdictions_file") {
        let value = PathBuf::from(&r.value);
        if let Some(rel) = cwd.as_ref().and_then(|c| value.strip_prefix(c).ok()) {
            r.value = rel.display().to_string();
        }
    }
    Ok(rows)
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

fn read_table(path: &Path) -> Result<crate::report::Table, AppError> {
    let text = std::fs::read_to_string(path).map_err(io_err(path))?;
    let mut rdr = csv::ReaderBuilder::new().from_reader(text.as_bytes());
    let header = rdr
        .headers()
        .map_err(|e| AppError::Input(InputError::new(path, format!("not a CSV file: {e}"))))?
        .iter()
        .map(str::to_string)
        .collect();
    let mut rows = Vec::new();
    for rec in rdr.records() {
        let rec = rec.map_err(|e| {
            let line = e.position().map_or(0, |p| p.line() as usize);
            AppError::Input(InputError::new(path, format!("bad row: {e}")).at(line, 1))
        })?;
        rows.push(rec.iter().map(str::to_string).collect());
    }
    Ok(crate::report::Table { header, rows })
}

/// Builds `report.html` in a run's output directory; returns its path.
/// `fan` names the scenarios for fan charts; by default the baseline and
/// the three scenarios that move satisfaction most.
pub fn report(dir: &Path, fan: Option<Vec<String>>) -> Result<PathBuf, AppError> {
    let manifest_path = dir.join("manifest.json");
    let manifest_json = std::fs::read_to_string(&manifest_path).map_err(io_err(&manifest_path))?;
    let summary = read_table(&dir.join("summary.csv"))?;
    let optional = |name: &str| {
        let p = dir.join(name);
        if p.exists() {
            read_table(&p).map(Some)
        } else {
            Ok(None)
        }
    };
    let compare = optional("compare.csv")?;
    let timeseries = optional("timeseries.csv")?;
    let fan_scenarios = match fan {
        Some(list) => list,
        None => default_fan(&manifest_json, compare.as_ref()),
    };
    let html = crate::report::render(&crate::report::Inputs {
        manifest_json: &manifest_json,
        summary: &summary,
        compare: compare.as_ref(),
        timeseries: timeseries.as_ref(),
        fan_scenarios,
    });
    output::write_atomic(dir, "report.html", |w| w.write_all(html.as_bytes())).map_err(io_err(dir))
}

fn default_fan(manifest_json: &str, compare: Option<&crate::report::Table>) -> Vec<String> {
    let manifest: serde_json::Value = serde_json::from_str(manifest_json).unwrap_or_default();
    let mut out: Vec<String> = manifest
        .get("baseline")
        .and_then(|b| b.as_str())
        .map(str::to_string)
        .into_iter()
        .collect();
    if let Some(c) = compare {
        let mut moves: Vec<(String, f64)> = c
            .rows
            .iter()
            .filter(|r| c.text(r, "metric") == "satisfaction_mean")
            .filter_map(|r| Some((c.text(r, "scenario").to_string(), c.num(r, "diff_mean")?.abs())))
            .collect();
        moves.sort_by(|a, b| b.1.total_cmp(&a.1));
        out.extend(moves.into_iter().take(3).map(|m| m.0));
    }
    out
}

/// The metric table (name, unit, direction, definition) as markdown.
pub fn metrics_markdown() -> String {
    let mut out = String::from("| metric | unit | direction | definition |\n|---|---|---|---|\n");
    for m in crate::metrics::METRICS {
        out.push_str(&format!(
            "| `{}` | {} | {} | {} |\n",
            m.name,
            cell(m.unit),
            m.direction.as_str(),
            cell(m.definition)
        ));
    }
    out
}
