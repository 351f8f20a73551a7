//! The commands behind the CLI, as library calls: load scenarios, run the
//! study, write its outputs. Nothing here prints; `main.rs` reports.

use crate::error::InputError;
use crate::model::params::{ParamInfo, Params};
use crate::model::scenario::Scenario;
use crate::output::{self, Manifest};
use crate::scenario;
use crate::study::compare::CompareRow;
use crate::study::runner::{self, RepResult};
use crate::study::shard::{self, Shard, ShardManifest, ShardScenario, SourceHash};
use crate::study::store;
use serde::{Deserialize, Serialize};
use std::io::Write as _;
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

/// What identifies a study: `run.json`, written when a run starts and
/// checked by `--resume`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StudyIdentity {
    pub tool: String,
    pub version: String,
    pub seed: u64,
    pub replications: u32,
    pub baseline: String,
    pub shard: Option<String>,
    pub scenarios: Vec<ShardScenario>,
}

const IDENTITY: &str = "run.json";

/// Bytes a run would need at its peak: the residents of `threads`
/// replications held at once (with room for growth and arrivals) and the
/// kept results of every replication.
pub fn memory_estimate(scenarios: &[Scenario], reps: u32, threads: usize) -> u64 {
    let per_rep = scenarios
        .iter()
        .map(|s| {
            let persons = s.population() as f64 * s.params.simulation.population_scale;
            // Growth and vector slack (arrays grow by an eighth): 1.25 × the
            // month-0 residents; committees and their cadres besides.
            let committees: u64 = s.jurisdictions.iter().map(|j| u64::from(j.committees)).sum();
            (1.25 * persons * crate::model::state::BYTES_PER_PERSON as f64) as u64 + committees * COMMITTEE_BYTES
        })
        .max()
        .unwrap_or(0);
    let kept: u64 = scenarios
        .iter()
        .map(|s| {
            let months = u64::from(s.params.simulation.months) + 1 + s.jurisdictions.len() as u64;
            months * crate::model::metrics::N_METRICS as u64 * 8 * u64::from(reps)
        })
        .sum();
    // At most one replication per thread is in memory, and no more than there are.
    let at_once = (threads.max(1) as u64)
        .min(u64::from(reps) * scenarios.len() as u64)
        .max(1);
    per_rep * at_once + kept
}

/// A committee's state besides its residents (cadres, plan, tallies, streams), rounded up.
const COMMITTEE_BYTES: u64 = 4096;

/// Refuses a run whose estimated peak memory exceeds what is available.
fn check_memory(scenarios: &[Scenario], reps: u32, threads: usize) -> Result<(), AppError> {
    let need = memory_estimate(scenarios, reps, threads);
    if let Some(avail) = available_memory() {
        if need > avail {
            let gib = |b: u64| b as f64 / (1u64 << 30) as f64;
            return Err(AppError::Usage(format!(
                "this run needs about {:.1} GiB of memory ({} threads × the largest scenario's residents at {} bytes each, plus results) but {:.1} GiB is available: lower simulation.population_scale, --threads or --reps",
                gib(need),
                threads,
                crate::model::state::BYTES_PER_PERSON,
                gib(avail)
            )));
        }
    }
    Ok(())
}

/// Memory available to this process (Linux `MemAvailable`), if known.
fn available_memory() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = text.lines().find(|l| l.starts_with("MemAvailable:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
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

/// Why `run.json` does not match: the first differing field.
fn identity_mismatch(old: &StudyIdentity, new: &StudyIdentity) -> Option<String> {
    let names = |x: &StudyIdentity| {
        x.scenarios
            .iter()
            .map(|s| s.name.clone())
            .collect::<Vec<_>>()
            .join(", ")
    };
    if old.version != new.version {
        return Some(format!("it was run by shequ {}, this is {}", old.version, new.version));
    }
    if old.seed != new.seed {
        return Some(format!("it used --seed {}, not {}", old.seed, new.seed));
    }
    if old.replications != new.replications {
        return Some(format!("it used --reps {}, not {}", old.replications, new.replications));
    }
    if old.shard != new.shard {
        return Some(format!("it ran shard {:?}, not {:?}", old.shard, new.shard));
    }
    if names(old) != names(new) {
        return Some(format!("its scenarios were {}, not {}", names(old), names(new)));
    }
    if old.baseline != new.baseline {
        return Some(format!("its baseline was `{}`, not `{}`", old.baseline, new.baseline));
    }
    for (a, b) in old.scenarios.iter().zip(&new.scenarios) {
        let h = |x: &ShardScenario| x.sources.iter().map(|s| s.sha256.clone()).collect::<Vec<_>>();
        if h(a) != h(b) {
            return Some(format!("the files of scenario `{}` have changed since", a.name));
        }
    }
    None
}

fn runs_row(name: &str, r: &RepResult) -> Vec<String> {
    let mut row = vec![name.to_string(), r.replication.to_string(), r.seed.to_string()];
    row.extend(r.values.iter().map(|v| output::num(*v)));
    row
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
    std::fs::create_dir_all(dir).map_err(io_err(dir))?;
    probe_writable(dir)?;
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
        let p = dir.join(IDENTITY);
        let text = std::fs::read_to_string(&p).map_err(|_| {
            AppError::Usage(format!(
                "nothing to resume in {}: no {IDENTITY} from an earlier run",
                dir.display()
            ))
        })?;
        let old: StudyIdentity = serde_json::from_str(&text)
            .map_err(|e| AppError::Input(InputError::new(&p, format!("not a run identity: {e}"))))?;
        if let Some(why) = identity_mismatch(&old, &identity) {
            return Err(AppError::Usage(format!(
                "cannot resume the run in {}: {why}",
                dir.display()
            )));
        }
        let jp = dir.join(store::FILE);
        if let Ok(text) = std::fs::read_to_string(&jp) {
            let stored =
                store::read(&text).map_err(|(line, e)| AppError::Input(InputError::new(&jp, e).at(line, 1)))?;
            for st in stored {
                let item = (st.scenario, st.result.replication);
                if st.scenario < scenarios.len() && st.result.replication < reps && mine.contains(&item) {
                    order.push(item);
                    done[index(item)] = Some(st.result);
                }
            }
        }
    }
    output::write_json(dir, IDENTITY, &identity).map_err(io_err(dir))?;
    // The journal keeps what is already done (a half-written last line is
    // dropped), then grows as replications finish.
    output::write_atomic(dir, store::FILE, |w| {
        store::write_all(
            w,
            order.iter().filter_map(|&it| {
                done[index(it)]
                    .as_ref()
                    .map(|r| (it.0, scenarios[it.0].name.as_str(), r))
            }),
        )
    })
    .map_err(io_err(dir))?;
    let journal = std::fs::OpenOptions::new()
        .append(true)
        .open(dir.join(store::FILE))
        .map_err(io_err(dir))?;
    let streaming_runs = if opts.shard.is_none() {
        let f = std::fs::File::create(dir.join("runs.csv")).map_err(io_err(dir))?;
        let mut w = csv::WriterBuilder::new()
            .terminator(csv::Terminator::Any(b'\n'))
            .from_writer(f);
        let mut header = vec!["scenario".to_string(), "replication".into(), "seed".into()];
        header.extend(crate::model::metrics::METRICS.iter().map(|m| m.name.to_string()));
        w.write_record(&header)
            .map_err(|e| io_err(dir)(std::io::Error::other(e)))?;
        for &it in &order {
            if let Some(r) = &done[index(it)] {
                w.write_record(runs_row(&scenarios[it.0].name, r))
                    .map_err(|e| io_err(dir)(std::io::Error::other(e)))?;
            }
        }
        w.flush().map_err(io_err(dir))?;
        Some(w)
    } else {
        None
    };
    let sinks = Mutex::new((journal, streaming_runs, None::<std::io::Error>));
    let on_done = |item: runner::Item, res: &Result<RepResult, String>| {
        if let Ok(r) = res {
            if let Ok(mut g) = sinks.lock() {
                let (journal, runs, err) = &mut *g;
                let line = store::line(item.0, &scenarios[item.0].name, r);
                let mut result = journal.write_all(line.as_bytes()).and_then(|_| journal.flush());
                if let Some(w) = runs.as_mut() {
                    result = result
                        .and_then(|_| {
                            w.write_record(runs_row(&scenarios[item.0].name, r))
                                .map_err(std::io::Error::other)
                        })
                        .and_then(|_| w.flush());
                }
                if let Err(e) = result {
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
    let (_, _, write_error) = sinks.into_inner().unwrap_or_else(|p| p.into_inner());
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
    write_failures(dir, scenarios, opts.seed, &failures)?;
    let failed_per_scenario: Vec<usize> = (0..scenarios.len())
        .map(|s| failures.iter().filter(|(it, _)| it.0 == s).count())
        .collect();
    write_final(dir, scenarios, &results, &failed_per_scenario, baseline, manifest)
}

/// `failures.csv`: each failed replication and why (removed when none failed).
fn write_failures(
    dir: &Path,
    scenarios: &[Scenario],
    seed: u64,
    failures: &[(runner::Item, String)],
) -> Result<(), AppError> {
    let path = dir.join("failures.csv");
    if failures.is_empty() {
        if path.exists() {
            std::fs::remove_file(&path).map_err(io_err(&path))?;
        }
        return Ok(());
    }
    output::write_atomic(dir, "failures.csv", |w| {
        let mut c = csv::WriterBuilder::new()
            .terminator(csv::Terminator::Any(b'\n'))
            .from_writer(w);
        c.write_record(["scenario", "replication", "seed", "error"])
            .map_err(std::io::Error::other)?;
        for ((s, r), e) in failures {
            let seed = crate::model::rng::replication_seed(seed, u64::from(*r));
            c.write_record([scenarios[*s].name.clone(), r.to_string(), seed.to_string(), e.clone()])
                .map_err(std::io::Error::other)?;
        }
        c.flush()
    })
    .map(|_| ())
    .map_err(io_err(dir))
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
        output::write_runs(dir, scenarios, results).map_err(io_err(dir))?,
        output::write_summary(dir, scenarios, results, failed).map_err(io_err(dir))?,
        output::write_timeseries(dir, scenarios, results).map_err(io_err(dir))?,
    ];
    let compare = if scenarios.len() > 1 {
        output::write_compare(dir, scenarios, results, baseline).map_err(io_err(dir))?;
        files.push(dir.join("compare.csv"));
        files.push(dir.join("compare_by_group.csv"));
        output::comparisons(scenarios, results, baseline)
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

fn shard_scenarios(scenarios: &[Scenario]) -> Vec<ShardScenario> {
    scenarios
        .iter()
        .map(|s| ShardScenario {
            name: s.name.clone(),
            path: std::fs::canonicalize(&s.path)
                .unwrap_or_else(|_| s.path.clone())
                .display()
                .to_string(),
            sources: s
                .sources
                .iter()
                .map(|src| SourceHash {
                    path: src.path.display().to_string(),
                    sha256: src.sha256.clone(),
                })
                .collect(),
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
        schema_version: output::SCHEMA_VERSION,
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
        start_time_utc: output::utc(start),
        end_time_utc: output::utc(end),
        command_line: opts.command_line.clone(),
    };
    let manifest_file = output::write_json(dir, shard::MANIFEST, &m).map_err(io_err(dir))?;
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
        let p = d.join(shard::MANIFEST);
        let text = std::fs::read_to_string(&p).map_err(io_err(&p))?;
        let m: ShardManifest = serde_json::from_str(&text).map_err(|e| {
            AppError::Input(InputError::new(&p, format!("not a shard manifest: {e}")).at(e.line(), e.column()))
        })?;
        manifests.push(m);
    }
    shard::check_same_study(&manifests).map_err(AppError::Usage)?;
    let first = &manifests[0];
    // Reload the scenarios and make sure they are the files the shards ran.
    let mut scenarios = Vec::new();
    for sc in &first.scenarios {
        let s = scenario::load(Path::new(&sc.path))?;
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
        let text = std::fs::read_to_string(&p).map_err(io_err(&p))?;
        let stored = store::read(&text).map_err(|(line, e)| AppError::Input(InputError::new(&p, e).at(line, 1)))?;
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
    std::fs::create_dir_all(out).map_err(io_err(out))?;
    probe_writable(out)?;
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
    pub manifest: Option<crate::experiment::sweep::SweepManifest>,
    pub files: Vec<PathBuf>,
}

/// Loads an experiment file (and the scenarios it names).
pub fn load_experiment(path: &Path) -> Result<crate::experiment::spec::Experiment, AppError> {
    Ok(crate::experiment::spec::load(path)?)
}

/// Runs an experiment's design and writes its outputs; `point_done` is
/// called as each design point finishes.
pub fn sweep(
    exp: &crate::experiment::spec::Experiment,
    opts: &SweepOptions,
    point_done: &(dyn Fn() + Sync),
) -> Result<SweepReport, AppError> {
    use crate::experiment::sweep;
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
    std::fs::create_dir_all(dir).map_err(io_err(dir))?;
    probe_writable(dir)?;
    let start = std::time::SystemTime::now();
    let plan = sweep::plan(exp, opts.reps).map_err(|e| sweep_error(exp, threads, e))?;
    let items = match opts.shard {
        Some(sh) => sh.select(&plan.items),
        None => plan.items.clone(),
    };
    let results = sweep::run_items(&plan, &items, opts.seed, threads, &STOP, point_done)
        .map_err(|e| sweep_error(exp, threads, e))?;
    if let Some(sh) = opts.shard {
        let header = sweep::ShardHeader {
            experiment_sha256: exp.sha256.clone(),
            reps: opts.reps,
            seed: opts.seed,
            index: sh.index,
            count: sh.count,
            items: items.len(),
        };
        let file = sweep::write_shard(dir, &header, &items, &results).map_err(io_err(dir))?;
        return Ok(SweepReport {
            manifest: None,
            files: vec![file],
        });
    }
    let res = sweep::assemble(plan, opts.seed, results);
    finish_sweep(exp, opts, res, threads, start)
}

fn sweep_error(
    exp: &crate::experiment::spec::Experiment,
    threads: usize,
    e: crate::experiment::sweep::SweepError,
) -> AppError {
    use crate::experiment::sweep::SweepError;
    match e {
        SweepError::Point(m) => AppError::Input(InputError::new(&exp.path, m)),
        SweepError::Failed(m) => AppError::Usage(format!("a replication failed, so the design is incomplete: {m}")),
        SweepError::Stopped => AppError::Interrupted("stopped: a sweep keeps nothing partial; run it again".into()),
        SweepError::Threads(e) => AppError::Usage(format!("cannot start {threads} threads: {e}")),
    }
}

/// Writes a complete sweep's files.
fn finish_sweep(
    exp: &crate::experiment::spec::Experiment,
    opts: &SweepOptions,
    res: crate::experiment::sweep::SweepResult,
    threads: usize,
    start: std::time::SystemTime,
) -> Result<SweepReport, AppError> {
    use crate::experiment::sweep;
    let dir = &opts.out;
    let end = std::time::SystemTime::now();
    let mut files = vec![
        sweep::write_design(dir, exp, &res).map_err(io_err(dir))?,
        sweep::write_runs(dir, exp, &res).map_err(io_err(dir))?,
        sweep::write_summary(dir, exp, &res).map_err(io_err(dir))?,
    ];
    let rows = sweep::sensitivity(exp, &res);
    if !rows.is_empty() {
        files.push(sweep::write_sensitivity(dir, exp, &rows).map_err(io_err(dir))?);
    }
    let manifest = sweep::SweepManifest::new(
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
pub fn sweep_merge(
    exp: &crate::experiment::spec::Experiment,
    dirs: &[PathBuf],
    opts: &SweepOptions,
) -> Result<SweepReport, AppError> {
    use crate::experiment::sweep;
    let start = std::time::SystemTime::now();
    let plan = sweep::plan(exp, opts.reps).map_err(|e| sweep_error(exp, 1, e))?;
    let index = |(p, s, r): sweep::SweepItem| (p * exp.scenarios.len() + s) * opts.reps as usize + r as usize;
    let mut slots: Vec<Option<sweep::ItemResult>> = vec![None; plan.items.len()];
    let mut count = None;
    for d in dirs {
        let path = d.join(sweep::SHARD_FILE);
        let text = std::fs::read_to_string(&path).map_err(io_err(&path))?;
        let (h, rows) =
            sweep::read_shard(&text).map_err(|(l, m)| AppError::Input(InputError::new(&path, m).at(l, 1)))?;
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
    std::fs::create_dir_all(&opts.out).map_err(io_err(&opts.out))?;
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
            report.manifest.adaptive = Some(output::AdaptiveRecord {
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
        output::write_json(&opts.out, IDENTITY, &identity).map_err(io_err(&opts.out))?;
    }
    let mut o = opts.clone();
    o.resume = continuing || opts.resume;
    run(&o, scenarios, progress)
}
