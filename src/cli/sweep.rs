//! `shequ sweep`: an experiment's design run over its factors, every
//! scenario at every point; `--shard` runs a share of the items and
//! `--merge` combines the shares into the final files.

use crate::cli::run::prepare_out;
use crate::cli::{check_memory, io_err, AppError, Progress, STOP};
use crate::experiment::spec::Experiment;
use crate::experiment::sweep::{self, SweepError, SweepResult};
use crate::files::error::{InputError, InputWarning};
use crate::files::manifest::SweepManifest;
use crate::files::{experiment_file, sweep_files, uncertainty_file};
use crate::study::shard::Shard;
use std::path::{Path, PathBuf};

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
    let _lock = prepare_out(dir, opts.force, false)?;
    let start = std::time::SystemTime::now();
    let plan = plan(exp, opts)?;
    let items = match opts.shard {
        Some(sh) => sh.select(&plan.items),
        None => plan.items.clone(),
    };
    let results = sweep::run_items(&plan, &items, opts.seed, threads, &STOP, point_done)
        .map_err(|e| sweep_error(exp, threads, e))?;
    if let Some(sh) = opts.shard {
        let header = sweep_files::ShardHeader {
            experiment_sha256: exp.sha256.clone(),
            parameters_sha256: parameters_sha256(&plan),
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
    let plan = plan(exp, opts)?;
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
    let report = if merge.is_empty() {
        sweep(exp, opts, &|| bar.inc())?
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
