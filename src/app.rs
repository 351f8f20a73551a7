//! The commands behind the CLI, as library calls: load scenarios, run the
//! study, write its outputs. Nothing here prints; `main.rs` reports.

use crate::experiment::spec::Experiment;
use crate::experiment::sweep::{self, SweepError, SweepResult};
use crate::files::atomic::{self, num};
use crate::files::error::{FileError, InputError};
use crate::files::journal::{self, Streams, IDENTITY};
use crate::files::manifest::{self, shard_scenarios, AdaptiveRecord, Manifest, SweepManifest};
use crate::files::{experiment_file, machine, report as report_file, scenario_file, study_files, sweep_files};
use crate::model::params::{ParamInfo, Params};
use crate::model::scenario::Scenario;
use crate::model::state::BYTES_PER_PERSON;
use crate::study::compare::{self, CompareRow};
use crate::study::identity::{identity_mismatch, memory_estimate, StudyIdentity};
use crate::study::runner::{self, RepResult};
use crate::study::shard::{self, Shard, ShardManifest};
use crate::study::store;
use serde::Serialize;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;

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
    /// Run only this shard of the study's work items (`--shard I/N`).
    pub shard: Option<Shard>,
    /// Continue an interrupted run in `out` (`--resume`).
    pub resume: bool,
}

/// What a finished run reports.
#[derive(Debug)]
pub struct RunReport {
    pub manifest: Manifest,
    pub compare: Vec<CompareRow>,
    /// (metric, summary over replications) for every scenario in order.
    pub metric_summaries: Vec<(String, crate::study::stats::Summary)>,
    pub files: Vec<PathBuf>,
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

/// Replications a run (or one shard of it) will do, for progress bars.
pub fn total_replications(scenarios: &[Scenario], reps: u32, shard: Option<Shard>) -> u64 {
    let all = runner::all_items(scenarios.len(), reps);
    match shard {
        Some(s) => s.select(&all).len() as u64,
        None => all.len() as u64,
    }
}

/// Set (by the CLI's Ctrl-C handler) to stop starting new replications.
pub static STOP: AtomicBool = AtomicBool::new(false);

/// Refuses a run whose estimated peak memory exceeds what is available.
fn check_memory(scenarios: &[Scenario], reps: u32, threads: usize) -> Result<(), AppError> {
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

fn study_identity(opts: &RunOptions, scenarios: &[Scenario], baseline: usize) -> StudyIdentity {
    StudyIdentity {
        tool: "shequ".into(),
        version: env!("CARGO_PKG_VERSION").into(),
        seed: opts.seed,
        replications: opts.reps,
        baseline: scenarios[baseline].name.clone(),
        shard: opts.shard.map(|s| format!("{}/{}", s.index, s.count)),
        scenarios: shard_scenarios(scenarios),
    }
}

/// Index of the scenario named by `--baseline` (default: the first).
fn baseline_index(opts: &RunOptions, scenarios: &[Scenario]) -> Result<usize, AppError> {
    match &opts.baseline {
        None => Ok(0),
        Some(name) => scenarios.iter().position(|s| &s.name == name).ok_or_else(|| {
            let names: Vec<&str> = scenarios.iter().map(|s| s.name.as_str()).collect();
            AppError::Usage(format!(
                "--baseline `{name}` is not among the scenarios ({})",
                names.join(", ")
            ))
        }),
    }
}

/// Runs a study (or one shard of it) and writes its outputs. Finished
/// replications are appended to `replications.tsv` (exact) and `runs.csv`
/// as they finish; the final files are written when all are done.
pub fn run(opts: &RunOptions, scenarios: &[Scenario], progress: &(dyn Fn() + Sync)) -> Result<RunReport, AppError> {
    if opts.reps == 0 {
        return Err(AppError::Usage("--reps must be at least 1".into()));
    }
    if scenarios.is_empty() {
        return Err(AppError::Usage("no scenario given".into()));
    }
    let baseline = baseline_index(opts, scenarios)?;
    let threads = if opts.threads == 0 {
        rayon::current_num_threads()
    } else {
        opts.threads
    };
    check_memory(scenarios, opts.reps, threads)?;
    let dir = &opts.out;
    atomic::create_dir(dir).map_err(io_err(dir))?;
    atomic::probe_writable(dir).map_err(io_err(dir))?;
    let identity = study_identity(opts, scenarios, baseline);
    let reps = opts.reps;
    let all = runner::all_items(scenarios.len(), reps);
    let mine = match opts.shard {
        Some(s) => s.select(&all),
        None => all.clone(),
    };
    let index = |(s, r): runner::Item| s * reps as usize + r as usize;
    let mut done: Vec<Option<RepResult>> = vec![None; all.len()];
    let mut order: Vec<runner::Item> = Vec::new();
    if opts.resume {
        let old = journal::read_identity(dir)?.ok_or_else(|| {
            AppError::Usage(format!(
                "nothing to resume in {}: no {IDENTITY} from an earlier run",
                dir.display()
            ))
        })?;
        if let Some(why) = identity_mismatch(&old, &identity) {
            return Err(AppError::Usage(format!(
                "cannot resume the run in {}: {why}",
                dir.display()
            )));
        }
        // A journal that cannot be read leaves nothing to keep; one that does
        // not parse is an error.
        let stored = match journal::read_journal(dir) {
            Err(FileError::Io { .. }) => Vec::new(),
            r => r?,
        };
        for st in stored {
            let item = (st.scenario, st.result.replication);
            if st.scenario < scenarios.len() && st.result.replication < reps && mine.contains(&item) {
                order.push(item);
                done[index(item)] = Some(st.result);
            }
        }
    }
    journal::write_identity(dir, &identity).map_err(io_err(dir))?;
    // The journal keeps what is already done (a half-written last line is
    // dropped), then grows as replications finish.
    let kept: Vec<(usize, &str, &RepResult)> = order
        .iter()
        .filter_map(|&it| {
            done[index(it)]
                .as_ref()
                .map(|r| (it.0, scenarios[it.0].name.as_str(), r))
        })
        .collect();
    let streams = Streams::open(dir, &kept, opts.shard.is_none()).map_err(io_err(dir))?;
    let sinks = Mutex::new((streams, None::<std::io::Error>));
    let on_done = |item: runner::Item, res: &Result<RepResult, String>| {
        if let Ok(r) = res {
            if let Ok(mut g) = sinks.lock() {
                let (streams, err) = &mut *g;
                if let Err(e) = streams.append(item.0, &scenarios[item.0].name, r) {
                    err.get_or_insert(e);
                    STOP.store(true, Ordering::Relaxed);
                }
            }
        }
        progress();
    };
    let todo: Vec<runner::Item> = mine.iter().copied().filter(|&it| done[index(it)].is_none()).collect();
    let start = std::time::SystemTime::now();
    let outcomes = runner::run_items(scenarios, &todo, opts.seed, threads, &STOP, &on_done)
        .map_err(|e| AppError::Usage(format!("cannot start {threads} threads: {e}")))?;
    let end = std::time::SystemTime::now();
    let (_, write_error) = sinks.into_inner().unwrap_or_else(|p| p.into_inner());
    if let Some(e) = write_error {
        return Err(io_err(dir)(e));
    }
    let mut failures: Vec<(runner::Item, String)> = Vec::new();
    let mut skipped = 0;
    for (it, o) in todo.iter().zip(outcomes) {
        match o {
            runner::Outcome::Done(r) => done[index(*it)] = Some(*r),
            runner::Outcome::Failed(e) => failures.push((*it, e)),
            runner::Outcome::Skipped => skipped += 1,
        }
    }
    let kept = mine.iter().filter(|&&it| done[index(it)].is_some()).count();
    if skipped > 0 {
        return Err(AppError::Interrupted(format!(
            "stopped: {kept} of {} replications are kept in {}; continue with the same command plus --resume",
            mine.len(),
            dir.display()
        )));
    }
    let wall = end.duration_since(start).map(|d| d.as_secs_f64()).unwrap_or(0.0);
    if let Some(shard) = opts.shard {
        return finish_shard(
            opts,
            scenarios,
            shard,
            baseline,
            threads,
            &mine,
            &done,
            (start, end, wall),
        );
    }
    let results = runner::group(
        scenarios.len(),
        reps,
        all.iter().filter_map(|&it| done[index(it)].clone().map(|r| (it.0, r))),
    );
    let mut manifest = Manifest::new(
        scenarios,
        &results,
        opts.seed,
        reps,
        threads,
        baseline,
        opts.command_line.clone(),
        start,
        end,
    );
    manifest.failed_replications = failures.len();
    study_files::write_failures(dir, scenarios, opts.seed, &failures)?;
    let failed_per_scenario: Vec<usize> = (0..scenarios.len())
        .map(|s| failures.iter().filter(|(it, _)| it.0 == s).count())
        .collect();
    write_final(dir, scenarios, &results, &failed_per_scenario, baseline, manifest)
}

/// Writes the final files of a study (runs, summary, time series,
/// comparisons, manifest).
fn write_final(
    dir: &Path,
    scenarios: &[Scenario],
    results: &[Vec<RepResult>],
    failed: &[usize],
    baseline: usize,
    manifest: Manifest,
) -> Result<RunReport, AppError> {
    let mut files = vec![
        study_files::write_runs(dir, scenarios, results).map_err(io_err(dir))?,
        study_files::write_summary(dir, scenarios, results, failed).map_err(io_err(dir))?,
        study_files::write_timeseries(dir, scenarios, results).map_err(io_err(dir))?,
    ];
    let compare = if scenarios.len() > 1 {
        study_files::write_compare(dir, scenarios, results, baseline).map_err(io_err(dir))?;
        files.push(dir.join("compare.csv"));
        files.push(dir.join("compare_by_group.csv"));
        compare::comparisons(scenarios, results, baseline)
    } else {
        Vec::new()
    };
    files.push(manifest.write(dir).map_err(io_err(dir))?);
    Ok(RunReport {
        manifest,
        compare,
        metric_summaries: metric_summaries(results),
        files,
    })
}

/// Per scenario and metric, the summary over replications.
fn metric_summaries(results: &[Vec<RepResult>]) -> Vec<(String, crate::study::stats::Summary)> {
    results
        .iter()
        .flat_map(|reps| {
            crate::model::metrics::METRICS.iter().enumerate().map(move |(m, def)| {
                let x: Vec<f64> = reps.iter().map(|r| r.values[m]).collect();
                (def.name.to_string(), crate::study::stats::summarise(&x))
            })
        })
        .collect()
}

/// A finished shard: its replications are in `replications.tsv`; its
/// description goes to `shard.json`; the final files come from `shequ merge`.
#[allow(clippy::too_many_arguments)]
fn finish_shard(
    opts: &RunOptions,
    scenarios: &[Scenario],
    shard: Shard,
    baseline: usize,
    threads: usize,
    mine: &[runner::Item],
    done: &[Option<RepResult>],
    (start, end, wall): (std::time::SystemTime, std::time::SystemTime, f64),
) -> Result<RunReport, AppError> {
    let dir = &opts.out;
    let reps = opts.reps;
    let m = ShardManifest {
        schema_version: manifest::SCHEMA_VERSION,
        tool: "shequ".into(),
        version: env!("CARGO_PKG_VERSION").into(),
        git_commit: option_env!("SHEQU_GIT_COMMIT").unwrap_or("unknown").into(),
        rule: shard::RULE.into(),
        shard: shard.index,
        shards: shard.count,
        seed: opts.seed,
        replications: reps,
        baseline: scenarios[baseline].name.clone(),
        scenarios: shard_scenarios(scenarios),
        items_done: mine.len() as u64,
        threads,
        wall_seconds: wall,
        start_time_utc: manifest::utc(start),
        end_time_utc: manifest::utc(end),
        command_line: opts.command_line.clone(),
    };
    let manifest_file = manifest::write_shard_manifest(dir, &m).map_err(io_err(dir))?;
    let flat = runner::group(
        scenarios.len(),
        reps,
        mine.iter()
            .filter_map(|&(s, r)| done[s * reps as usize + r as usize].clone().map(|x| (s, x))),
    );
    let manifest = Manifest::new(
        scenarios,
        &flat,
        opts.seed,
        reps,
        threads,
        baseline,
        opts.command_line.clone(),
        start,
        end,
    );
    Ok(RunReport {
        manifest,
        compare: Vec::new(),
        metric_summaries: Vec::new(),
        files: vec![dir.join(store::FILE), manifest_file],
    })
}

/// Merges shard directories into the final files of the whole study, after
/// checking that they belong to one study and cover every work item once.
pub fn merge(dirs: &[PathBuf], out: &Path, command_line: Vec<String>) -> Result<RunReport, AppError> {
    let mut manifests = Vec::new();
    for d in dirs {
        manifests.push(manifest::read_shard_manifest(d)?);
    }
    shard::check_same_study(&manifests).map_err(AppError::Usage)?;
    let first = &manifests[0];
    // Reload the scenarios and make sure they are the files the shards ran.
    let mut scenarios = Vec::new();
    for sc in &first.scenarios {
        let s = scenario_file::load(Path::new(&sc.path))?;
        let now: Vec<&str> = s.sources.iter().map(|x| x.sha256.as_str()).collect();
        let then: Vec<&str> = sc.sources.iter().map(|x| x.sha256.as_str()).collect();
        if now != then {
            return Err(AppError::Usage(format!(
                "scenario `{}` ({}) changed since the shards ran: its files no longer match their SHA-256",
                sc.name, sc.path
            )));
        }
        scenarios.push(s);
    }
    let reps = first.replications;
    let n_items = scenarios.len() * reps as usize;
    let mut slots: Vec<Option<(usize, RepResult)>> = vec![None; n_items];
    for (d, m) in dirs.iter().zip(&manifests) {
        let p = d.join(store::FILE);
        let stored = journal::read_journal(d)?;
        for st in stored {
            if st.scenario >= scenarios.len() || st.result.replication >= reps || scenarios[st.scenario].name != st.name
            {
                return Err(AppError::Input(InputError::new(
                    &p,
                    format!(
                        "replication {} of `{}` is not part of this study",
                        st.result.replication, st.name
                    ),
                )));
            }
            let k = st.scenario * reps as usize + st.result.replication as usize;
            if let Some((other, _)) = &slots[k] {
                return Err(AppError::Usage(format!(
                    "replication {} of `{}` appears in shard {} and shard {}",
                    st.result.replication, st.name, other, m.shard
                )));
            }
            slots[k] = Some((m.shard as usize, st.result));
        }
    }
    let missing: Vec<String> = slots
        .iter()
        .enumerate()
        .filter(|(_, s)| s.is_none())
        .map(|(k, _)| {
            let (s, r) = (k / reps as usize, k % reps as usize);
            format!(
                "`{}` replication {r} (shard {}/{})",
                scenarios[s].name,
                k % first.shards as usize + 1,
                first.shards
            )
        })
        .collect();
    if !missing.is_empty() {
        let shown: Vec<&str> = missing.iter().take(10).map(String::as_str).collect();
        return Err(AppError::Usage(format!(
            "{} replication(s) missing, e.g. {}",
            missing.len(),
            shown.join("; ")
        )));
    }
    let results = runner::group(
        scenarios.len(),
        reps,
        slots
            .into_iter()
            .enumerate()
            .filter_map(|(k, s)| s.map(|(_, r)| (k / reps as usize, r))),
    );
    let baseline = scenarios.iter().position(|s| s.name == first.baseline).unwrap_or(0);
    atomic::create_dir(out).map_err(io_err(out))?;
    atomic::probe_writable(out).map_err(io_err(out))?;
    let now = std::time::SystemTime::now();
    let mut manifest = Manifest::new(
        &scenarios,
        &results,
        first.seed,
        reps,
        manifests.iter().map(|m| m.threads).max().unwrap_or(1),
        baseline,
        command_line,
        now,
        now,
    );
    // For a merged study, timing is the shards' total.
    manifest.wall_seconds = manifests.iter().map(|m| m.wall_seconds).sum();
    let pm = manifest.person_months as f64;
    manifest.person_months_per_second = if manifest.wall_seconds > 0.0 {
        pm / manifest.wall_seconds
    } else {
        0.0
    };
    manifest.ns_per_person_month_per_thread = if pm > 0.0 {
        manifest.wall_seconds * 1e9 * manifest.threads as f64 / pm
    } else {
        0.0
    };
    let none = vec![0; scenarios.len()];
    write_final(out, &scenarios, &results, &none, baseline, manifest)
}

/// Every parameter of a scenario, or the defaults. File paths are shown
/// relative to the working directory when they lie below it.
pub fn params(path: Option<&Path>) -> Result<Vec<ParamInfo>, AppError> {
    let mut rows = match path {
        Some(p) => scenario_file::load(p)?.params.describe(),
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
            num(r.min),
            num(r.max),
            r.provenance.to_string(),
            r.description.to_string(),
        ]);
    }
    String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default()
}

/// Resolved parameters that differ between two scenarios: (key, a, b).
pub fn diff(a: &Path, b: &Path) -> Result<Vec<(String, String, String)>, AppError> {
    let pa = scenario_file::load(a)?.params.describe();
    let pb = scenario_file::load(b)?.params.describe();
    Ok(pa
        .into_iter()
        .zip(pb)
        .filter(|(x, y)| x.value != y.value)
        .map(|(x, y)| (x.path, x.value, y.value))
        .collect())
}

/// Builds `report.html` in a run's output directory; returns its path.
/// `fan` names the scenarios for fan charts; by default the baseline and
/// the three scenarios that move satisfaction most.
pub fn report(dir: &Path, fan: Option<Vec<String>>) -> Result<PathBuf, AppError> {
    let run = report_file::read_run(dir)?;
    let fan_scenarios = match fan {
        Some(list) => list,
        None => default_fan(&run.manifest_json, run.compare.as_ref()),
    };
    let html = report_file::render(&report_file::Inputs {
        manifest_json: &run.manifest_json,
        summary: &run.summary,
        compare: run.compare.as_ref(),
        timeseries: run.timeseries.as_ref(),
        fan_scenarios,
    });
    report_file::write_report(dir, &html).map_err(io_err(dir))
}

fn default_fan(manifest_json: &str, compare: Option<&report_file::Table>) -> Vec<String> {
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
    for m in crate::model::metrics::METRICS {
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

/// Options of `shequ sweep`.
#[derive(Debug, Clone)]
pub struct SweepOptions {
    pub reps: u32,
    pub seed: u64,
    pub out: PathBuf,
    /// 0 = all cores.
    pub threads: usize,
    pub command_line: Vec<String>,
    /// Run only this shard of the sweep's items; `sweep --merge` combines shards.
    pub shard: Option<Shard>,
}

/// What a finished sweep reports.
#[derive(Debug)]
pub struct SweepReport {
    /// None for a shard (its file holds only its items).
    pub manifest: Option<SweepManifest>,
    pub files: Vec<PathBuf>,
}

/// Loads an experiment file (and the scenarios it names).
pub fn load_experiment(path: &Path) -> Result<Experiment, AppError> {
    Ok(experiment_file::load(path)?)
}

/// Runs an experiment's design and writes its outputs; `point_done` is
/// called as each design point finishes.
pub fn sweep(exp: &Experiment, opts: &SweepOptions, point_done: &(dyn Fn() + Sync)) -> Result<SweepReport, AppError> {
    if opts.reps == 0 {
        return Err(AppError::Usage("--reps must be at least 1".into()));
    }
    let threads = if opts.threads == 0 {
        rayon::current_num_threads()
    } else {
        opts.threads
    };
    // Replications of full-size scenarios dominate; per-item results are small.
    check_memory(&exp.scenarios, u32::try_from(threads).unwrap_or(u32::MAX), threads)?;
    let dir = &opts.out;
    atomic::create_dir(dir).map_err(io_err(dir))?;
    atomic::probe_writable(dir).map_err(io_err(dir))?;
    let start = std::time::SystemTime::now();
    let plan = sweep::plan(exp, opts.reps).map_err(|e| sweep_error(exp, threads, e))?;
    let items = match opts.shard {
        Some(sh) => sh.select(&plan.items),
        None => plan.items.clone(),
    };
    let results = sweep::run_items(&plan, &items, opts.seed, threads, &STOP, point_done)
        .map_err(|e| sweep_error(exp, threads, e))?;
    if let Some(sh) = opts.shard {
        let header = sweep_files::ShardHeader {
            experiment_sha256: exp.sha256.clone(),
            reps: opts.reps,
            seed: opts.seed,
            index: sh.index,
            count: sh.count,
            items: items.len(),
        };
        let file = sweep_files::write_shard(dir, &header, &items, &results).map_err(io_err(dir))?;
        return Ok(SweepReport {
            manifest: None,
            files: vec![file],
        });
    }
    let res = sweep::assemble(plan, opts.seed, results);
    finish_sweep(exp, opts, res, threads, start)
}

fn sweep_error(exp: &Experiment, threads: usize, e: SweepError) -> AppError {
    match e {
        SweepError::Point(m) => AppError::Input(InputError::new(&exp.path, m)),
        SweepError::Failed(m) => AppError::Usage(format!("a replication failed, so the design is incomplete: {m}")),
        SweepError::Stopped => AppError::Interrupted("stopped: a sweep keeps nothing partial; run it again".into()),
        SweepError::Threads(e) => AppError::Usage(format!("cannot start {threads} threads: {e}")),
    }
}

/// Writes a complete sweep's files.
fn finish_sweep(
    exp: &Experiment,
    opts: &SweepOptions,
    res: SweepResult,
    threads: usize,
    start: std::time::SystemTime,
) -> Result<SweepReport, AppError> {
    let dir = &opts.out;
    let end = std::time::SystemTime::now();
    let mut files = vec![
        sweep_files::write_design(dir, exp, &res).map_err(io_err(dir))?,
        sweep_files::write_runs(dir, exp, &res).map_err(io_err(dir))?,
        sweep_files::write_summary(dir, exp, &res).map_err(io_err(dir))?,
    ];
    let rows = sweep::sensitivity(exp, &res);
    if !rows.is_empty() {
        files.push(sweep_files::write_sensitivity(dir, exp, &rows).map_err(io_err(dir))?);
    }
    let manifest = SweepManifest::new(
        exp,
        &res,
        opts.reps,
        opts.seed,
        threads,
        opts.command_line.clone(),
        start,
        end,
    );
    files.push(manifest.write(dir).map_err(io_err(dir))?);
    Ok(SweepReport {
        manifest: Some(manifest),
        files,
    })
}

/// Combines the shard directories of a sweep (`sweep --shard I/N`) into its
/// final files, after checking they belong to this experiment, replication
/// count and seed, and cover every item exactly once.
pub fn sweep_merge(exp: &Experiment, dirs: &[PathBuf], opts: &SweepOptions) -> Result<SweepReport, AppError> {
    let start = std::time::SystemTime::now();
    let plan = sweep::plan(exp, opts.reps).map_err(|e| sweep_error(exp, 1, e))?;
    let index = |(p, s, r): sweep::SweepItem| (p * exp.scenarios.len() + s) * opts.reps as usize + r as usize;
    let mut slots: Vec<Option<sweep::ItemResult>> = vec![None; plan.items.len()];
    let mut count = None;
    for d in dirs {
        let path = d.join(sweep_files::SHARD_FILE);
        let (h, rows) = sweep_files::read_shard_file(d)?;
        let usage = |m: String| AppError::Usage(format!("{}: {m}", path.display()));
        if h.experiment_sha256 != exp.sha256 {
            return Err(usage(format!("it ran a different version of {}", exp.path.display())));
        }
        if h.reps != opts.reps || h.seed != opts.seed {
            return Err(usage(format!(
                "it ran --reps {} --seed {}, not --reps {} --seed {}",
                h.reps, h.seed, opts.reps, opts.seed
            )));
        }
        if *count.get_or_insert(h.count) != h.count {
            return Err(usage(format!(
                "it is a shard of {}, the others of {}",
                h.count,
                count.unwrap_or(0)
            )));
        }
        for (item, result) in rows {
            let k = index(item);
            if item.1 >= exp.scenarios.len() || item.2 >= opts.reps || k >= slots.len() {
                return Err(usage(format!("item {item:?} is not part of this sweep")));
            }
            if slots[k].replace(result).is_some() {
                return Err(usage(format!("item {item:?} appears in more than one shard")));
            }
        }
    }
    let missing = slots.iter().filter(|s| s.is_none()).count();
    if missing > 0 {
        return Err(AppError::Usage(format!(
            "{missing} of {} items are in none of the shards given: is a shard directory missing?",
            slots.len()
        )));
    }
    let results: Vec<sweep::ItemResult> = slots.into_iter().flatten().collect();
    let res = sweep::assemble(plan, opts.seed, results);
    atomic::create_dir(&opts.out).map_err(io_err(&opts.out))?;
    finish_sweep(exp, opts, res, 0, start)
}

/// `--target-ci W --metric NAME`: replicate until the 95% half-width is ≤ W.
#[derive(Debug, Clone, Serialize)]
pub struct Adaptive {
    pub target_half_width: f64,
    pub metric: String,
    pub max_reps: u32,
}

/// The widest 95% half-width of `metric`: over every reform's paired
/// difference from the baseline, or of the one scenario's mean.
fn widest_half_width(report: &RunReport, metric: &str) -> f64 {
    let widths: Vec<f64> = if report.compare.is_empty() {
        report
            .metric_summaries
            .iter()
            .filter(|(m, _)| m == metric)
            .map(|(_, s)| half_width(s))
            .collect()
    } else {
        report
            .compare
            .iter()
            .filter(|r| r.split == "district" && r.metric == metric)
            .map(|r| half_width(&r.diff))
            .collect()
    };
    widths.into_iter().fold(0.0, f64::max)
}

fn half_width(s: &crate::study::stats::Summary) -> f64 {
    match (s.ci95_low, s.ci95_high) {
        (Some(lo), Some(hi)) => (hi - lo) / 2.0,
        _ => f64::INFINITY,
    }
}

/// Runs batches until the target half-width is met or `max_reps` is
/// reached. Each batch continues the last (as `--resume` does), so the
/// final files equal a fixed run with the final replication count.
pub fn run_adaptive(
    opts: &RunOptions,
    scenarios: &[Scenario],
    target: &Adaptive,
    progress: &(dyn Fn() + Sync),
) -> Result<RunReport, AppError> {
    if crate::study::compare::metric_index(&target.metric).is_none() {
        return Err(AppError::Usage(format!(
            "--metric `{}` is not a metric (see `shequ metrics`)",
            target.metric
        )));
    }
    if target.target_half_width.is_nan() || target.target_half_width <= 0.0 {
        return Err(AppError::Usage("--target-ci must be > 0".into()));
    }
    if opts.shard.is_some() {
        return Err(AppError::Usage("--target-ci cannot be combined with --shard".into()));
    }
    let max = target.max_reps.max(2);
    let mut reps = opts.reps.clamp(2, max);
    let mut batches = Vec::new();
    let mut o = opts.clone();
    loop {
        o.reps = reps;
        let mut report = run_growing(&o, scenarios, progress, !batches.is_empty())?;
        batches.push(reps);
        let h = widest_half_width(&report, &target.metric);
        let met = h <= target.target_half_width;
        if met || reps >= max {
            report.manifest.adaptive = Some(AdaptiveRecord {
                target_half_width: target.target_half_width,
                metric: target.metric.clone(),
                max_reps: max,
                batches,
                replications: reps,
                half_width: h,
                met,
            });
            report.manifest.write(&opts.out).map_err(io_err(&opts.out))?;
            return Ok(report);
        }
        // The half-width shrinks as 1/√n: aim 10% past the projected need.
        let projected = (f64::from(reps) * (h / target.target_half_width).powi(2) * 1.1).ceil();
        reps = (projected.min(f64::from(max)) as u32).max(reps + 1).min(max);
    }
}

/// One adaptive batch: a run that keeps the replications already in `out`.
fn run_growing(
    opts: &RunOptions,
    scenarios: &[Scenario],
    progress: &(dyn Fn() + Sync),
    continuing: bool,
) -> Result<RunReport, AppError> {
    if continuing {
        // The earlier batch's identity names fewer replications; rewrite it
        // so the resume check sees this batch's count.
        let baseline = baseline_index(opts, scenarios)?;
        let identity = study_identity(opts, scenarios, baseline);
        journal::write_identity(&opts.out, &identity).map_err(io_err(&opts.out))?;
    }
    let mut o = opts.clone();
    o.resume = continuing || opts.resume;
    run(&o, scenarios, progress)
}
