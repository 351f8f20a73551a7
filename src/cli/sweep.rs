//! `shequ sweep`: an experiment's design run over its factors, every
//! scenario at every point; `--shard` runs a share of the items and
//! `--merge` combines the shares into the final files.

use crate::cli::run::prepare_out;
use crate::cli::{check_memory, io_err, AppError, Progress, STOP};
use crate::experiment::spec::Experiment;
use crate::experiment::sweep::{self, ItemResult, SweepError, SweepItem, SweepResult};
use crate::files::error::{InputError, InputWarning};
use crate::files::manifest::SweepManifest;
use crate::files::sweep_journal::{self, IdentityScenario, SweepIdentity, SweepJournal};
use crate::files::{experiment_file, sweep_files, uncertainty_file};
use crate::study::shard::Shard;
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;
use std::sync::Mutex;

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
    /// Replace a finished sweep in `out` (`--force`): its outputs are removed first.
    pub force: bool,
    /// Continue a killed or stopped sweep in `out` (`--resume`): finished
    /// items are kept from its journal, the rest are run.
    pub resume: bool,
    /// `--parameters FILE.csv`: weighted parameter sets (a posterior), one
    /// row drawn per replication on top of each point's factor values.
    pub parameters: Option<PathBuf>,
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

/// `load_experiment`, with its scenarios' warnings (for the command to print).
pub fn load_experiment_warned(path: &Path) -> Result<(Experiment, Vec<InputWarning>), AppError> {
    Ok(experiment_file::load_with_warnings(path)?)
}

/// Runs an experiment's design and writes its outputs; `point_done` is
/// called as each design point finishes.
pub fn sweep(exp: &Experiment, opts: &SweepOptions, point_done: &(dyn Fn() + Sync)) -> Result<SweepReport, AppError> {
    sweep_observed(exp, opts, &|_| {}, point_done)
}

/// What `--resume` found in the output folder, before it runs the rest.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Resumed {
    /// Items of this sweep (or shard) already finished (kept from the journal).
    pub finished: usize,
    /// Items of this sweep (or shard).
    pub items: usize,
    /// Design points whose items here are all finished.
    pub points_done: usize,
}

/// `sweep`, telling `resumed` (with `--resume`, before anything runs) how
/// much of the sweep was already done. Finished items are streamed to the
/// journal `.shequ/sweep_items.tsv` as they finish (`files::sweep_journal`),
/// so a killed or stopped sweep loses only the items in progress.
pub fn sweep_observed(
    exp: &Experiment,
    opts: &SweepOptions,
    resumed: &dyn Fn(Resumed),
    point_done: &(dyn Fn() + Sync),
) -> Result<SweepReport, AppError> {
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
    let _lock = prepare_out(dir, opts.force, opts.resume)?;
    let start = std::time::SystemTime::now();
    let plan = plan(exp, opts)?;
    let items = match opts.shard {
        Some(sh) => sh.select(&plan.items),
        None => plan.items.clone(),
    };
    let identity = identity(exp, opts, &plan, items.len());
    let n_s = exp.scenarios.len();
    let reps = opts.reps as usize;
    let index = |(p, s, r): SweepItem| (p * n_s + s) * reps + r as usize;
    let mut mine = vec![false; plan.items.len()];
    for &it in &items {
        mine[index(it)] = true;
    }
    let mut done: Vec<Option<ItemResult>> = vec![None; plan.items.len()];
    if opts.resume {
        let old = sweep_journal::read_identity(dir)?.ok_or_else(|| {
            AppError::Usage(format!(
                "nothing to resume in {}: no {} from an earlier sweep",
                dir.display(),
                sweep_journal::identity_path(dir).display()
            ))
        })?;
        if let Some(why) = sweep_journal::identity_mismatch(&old, &identity) {
            return Err(AppError::Usage(format!(
                "cannot resume the sweep in {}: {why}",
                dir.display()
            )));
        }
        let allowed = |it @ (p, s, r): SweepItem| {
            if p < plan.values.len() && s < n_s && (r as usize) < reps && mine[index(it)] {
                Ok(())
            } else {
                Err(format!(
                    "point {p}, scenario {s}, replication {r} is not an item of this sweep{}",
                    if opts.shard.is_some() { " shard" } else { "" }
                ))
            }
        };
        for (it, r) in sweep_journal::read_journal(dir, &identity, allowed)? {
            done[index(it)] = Some(r);
        }
    }
    // The journal keeps what is done (in item order), then grows.
    let kept: Vec<(SweepItem, &ItemResult)> = items
        .iter()
        .filter_map(|&it| done[index(it)].as_ref().map(|r| (it, r)))
        .collect();
    let finished = kept.len();
    let journal = SweepJournal::open(dir, &identity, &kept)?;
    let journal_file = journal.path().to_path_buf();
    if opts.resume {
        let points_done = (0..plan.values.len())
            .filter(|&p| {
                let of_p = items.iter().filter(|it| it.0 == p);
                of_p.clone().next().is_some() && of_p.clone().all(|&it| done[index(it)].is_some())
            })
            .count();
        resumed(Resumed {
            finished,
            items: items.len(),
            points_done,
        });
    }
    let todo: Vec<SweepItem> = items.iter().copied().filter(|&it| done[index(it)].is_none()).collect();
    let sink = Mutex::new((journal, 0usize, None::<std::io::Error>));
    let item_done = |k: usize, r: &ItemResult| {
        if let Ok(mut g) = sink.lock() {
            let (journal, appended, err) = &mut *g;
            match journal.append(todo[k], r) {
                Ok(()) => *appended += 1,
                Err(e) => {
                    err.get_or_insert(e);
                    STOP.store(true, Ordering::Relaxed);
                }
            }
        }
    };
    let outcome = sweep::run_items(&plan, &todo, opts.seed, threads, &STOP, &item_done, point_done);
    let (_, appended, write_error) = sink.into_inner().unwrap_or_else(|p| p.into_inner());
    if let Some(e) = write_error {
        return Err(io_err(&journal_file)(e));
    }
    let results = match outcome {
        Err(SweepError::Stopped) => {
            return Err(AppError::Interrupted(format!(
                "stopped: {} of {} items are kept in {}; continue with the same command plus --resume",
                finished + appended,
                items.len(),
                dir.display()
            )))
        }
        r => r.map_err(|e| sweep_error(exp, threads, e))?,
    };
    for (&it, r) in todo.iter().zip(results) {
        done[index(it)] = Some(r);
    }
    if let Some(sh) = opts.shard {
        let results: Vec<ItemResult> = items.iter().filter_map(|&it| done[index(it)]).collect();
        let header = sweep_files::ShardHeader {
            experiment_sha256: exp.sha256.clone(),
            parameters_sha256: parameters_sha256(&plan),
            reps: opts.reps,
            seed: opts.seed,
            index: sh.index,
            count: sh.count,
            items: items.len(),
        };
        let path = dir.join(sweep_files::SHARD_FILE);
        let file = sweep_files::write_shard(dir, &header, &items, &results).map_err(io_err(&path))?;
        return Ok(SweepReport {
            manifest: None,
            files: vec![file],
        });
    }
    let results: Vec<ItemResult> = done.into_iter().flatten().collect();
    if results.len() != plan.items.len() {
        return Err(AppError::Usage("a sweep item has no result (a bug)".into()));
    }
    let res = sweep::assemble(plan, opts.seed, results);
    finish_sweep(exp, opts, res, threads, start)
}

/// What identifies this sweep (or shard of it) for `--resume`.
fn identity(exp: &Experiment, opts: &SweepOptions, plan: &sweep::Plan, items: usize) -> SweepIdentity {
    SweepIdentity {
        tool: "shequ".into(),
        version: env!("CARGO_PKG_VERSION").into(),
        experiment_sha256: exp.sha256.clone(),
        scenarios: exp
            .scenarios
            .iter()
            .map(|s| IdentityScenario {
                name: s.name.clone(),
                sha256: s.sources.iter().map(|x| x.sha256.clone()).collect(),
            })
            .collect(),
        parameters_sha256: parameters_sha256(plan),
        replications: opts.reps,
        seed: opts.seed,
        shard: opts.shard.map(|s| format!("{}/{}", s.index, s.count)),
        points: plan.values.len(),
        items,
    }
}

/// The sweep's plan, with the `--parameters` draws loaded and checked.
fn plan(exp: &Experiment, opts: &SweepOptions) -> Result<sweep::Plan, AppError> {
    let parameters = uncertainty_file::load(None, opts.parameters.as_deref())?;
    if let Some(t) = &parameters.table {
        if let Some(c) = t.columns.iter().find(|c| exp.factors.iter().any(|f| &f.path == *c)) {
            let path = opts.parameters.clone().unwrap_or_default();
            return Err(AppError::Input(
                InputError::new(
                    &path,
                    "this parameter is also a factor of the experiment: draw it from one source",
                )
                .at(1, 1)
                .key(c.clone()),
            ));
        }
    }
    let plan = sweep::plan_with(exp, opts.reps, parameters).map_err(|e| sweep_error(exp, 1, e))?;
    sweep::check_draws(&plan, opts.seed)
        .map_err(|e| AppError::Input(uncertainty_file::locate(&plan.parameters, &e)))?;
    Ok(plan)
}

/// The SHA-256 of the `--parameters` table, `-` without one.
fn parameters_sha256(plan: &sweep::Plan) -> String {
    plan.parameters
        .sources
        .first()
        .map_or_else(|| "-".to_string(), |s| s.sha256.clone())
}

fn sweep_error(exp: &Experiment, threads: usize, e: SweepError) -> AppError {
    match e {
        SweepError::Point(m) => AppError::Input(InputError::new(&exp.path, m)),
        SweepError::Failed(m) => AppError::Usage(format!("a replication failed, so the design is incomplete: {m}")),
        SweepError::Stopped => AppError::Interrupted("stopped: continue with the same command plus --resume".into()),
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
    // Errors name the file being written (its final name; it is written
    // under a temporary name first and renamed only when complete).
    let named = |f: &str| dir.join(f);
    let mut files = vec![
        sweep_files::write_design(dir, exp, &res).map_err(io_err(&named("design.csv")))?,
        sweep_files::write_runs(dir, exp, &res).map_err(io_err(&named("runs.csv")))?,
        sweep_files::write_summary(dir, exp, &res).map_err(io_err(&named("summary.csv")))?,
    ];
    let rows = sweep::sensitivity(exp, &res);
    if !rows.is_empty() {
        files.push(sweep_files::write_sensitivity(dir, exp, &rows).map_err(io_err(&named("sensitivity.csv")))?);
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
    files.push(manifest.write(dir).map_err(io_err(&named("manifest.json")))?);
    Ok(SweepReport {
        manifest: Some(manifest),
        files,
    })
}

/// Combines the shard directories of a sweep (`sweep --shard I/N`) into its
/// final files, after checking they belong to this experiment, replication
/// count and seed, and cover every item exactly once.
pub fn sweep_merge(exp: &Experiment, dirs: &[PathBuf], opts: &SweepOptions) -> Result<SweepReport, AppError> {
    if opts.resume {
        return Err(AppError::Usage(
            "--resume continues a sweep or a shard; a merge has nothing to resume: run it again".into(),
        ));
    }
    let start = std::time::SystemTime::now();
    let plan = plan(exp, opts)?;
    let index = |(p, s, r): sweep::SweepItem| (p * exp.scenarios.len() + s) * opts.reps as usize + r as usize;
    let n_points = plan.values.len();
    let mut slots: Vec<Option<sweep::ItemResult>> = vec![None; plan.items.len()];
    let mut count = None;
    for d in dirs {
        let path = d.join(sweep_files::SHARD_FILE);
        let (h, rows) = sweep_files::read_shard_file(d)?;
        let usage = |m: String| AppError::Usage(format!("{}: {m}", path.display()));
        if h.experiment_sha256 != exp.sha256 {
            return Err(usage(format!("it ran a different version of {}", exp.path.display())));
        }
        if h.parameters_sha256 != parameters_sha256(&plan) {
            return Err(usage(
                "it drew its parameters from another --parameters table (or none): give the merge the shards' --parameters"
                    .into(),
            ));
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
            // Bounds first: an out-of-range point would overflow `index`.
            if item.0 >= n_points || item.1 >= exp.scenarios.len() || item.2 >= opts.reps {
                return Err(usage(format!("item {item:?} is not part of this sweep")));
            }
            let k = index(item);
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
    let _lock = prepare_out(&opts.out, opts.force, false)?;
    finish_sweep(exp, opts, res, 0, start)
}

/// `shequ sweep` as typed: the sweep (or, with `merge`, the merge of its
/// shards) with a progress bar over design points, then what it did, unless
/// `quiet`.
pub fn command(
    exp: &Experiment,
    opts: &SweepOptions,
    merge: &[PathBuf],
    quiet: bool,
    progress_interval: std::time::Duration,
) -> Result<(), AppError> {
    let bar = Progress::new(
        exp.design().points.len() as u64,
        "design points",
        quiet || !merge.is_empty(),
        progress_interval,
    );
    let resumed = |r: Resumed| {
        if !quiet {
            eprintln!(
                "resuming: {} of {} items finished ({} of {} design points), {} to run",
                r.finished,
                r.items,
                r.points_done,
                exp.design().points.len(),
                r.items - r.finished
            );
        }
        for _ in 0..r.points_done {
            bar.inc();
        }
    };
    let report = if merge.is_empty() {
        sweep_observed(exp, opts, &resumed, &|| bar.inc())?
    } else {
        sweep_merge(exp, merge, opts)?
    };
    bar.finish();
    if !quiet {
        if let Some(m) = &report.manifest {
            eprintln!(
                "{} design: {} points × {} scenario(s) × {} replications in {:.1} s",
                m.design,
                m.points,
                m.scenarios.len(),
                m.replications,
                m.wall_seconds
            );
        }
        for f in &report.files {
            eprintln!("wrote {}", f.display());
        }
    }
    Ok(())
}
