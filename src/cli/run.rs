//! `shequ run`: Monte Carlo replications of one or more scenarios, written
//! as they finish (so a run can be resumed or split into shards) and, when
//! all are done, as the study's final files; `--target-ci` runs batches
//! until the confidence interval is narrow enough.

use crate::cli::decision::{Decision, DecisionOptions};
use crate::cli::{check_memory, io_err, load_scenarios_warned, print_warnings, AppError, Progress, STOP};
use crate::files::journal::{self, Streams, IDENTITY};
use crate::files::manifest::{self, shard_scenarios, AdaptiveRecord, Manifest};
use crate::files::{atomic, decision_files, out_dir, study_files};
use crate::model::metrics::METRICS;
use crate::model::scenario::Scenario;
use crate::study::adaptive::{self, Adaptive};
use crate::study::compare::{self, CompareRow};
use crate::study::identity::{identity_mismatch, StudyIdentity};
use crate::study::runner::{self, RepResult};
use crate::study::shard::{self, Shard, ShardManifest, SourceRecord};
use crate::study::stats::{self, Summary};
use crate::study::store::Expected;
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;
use std::sync::Mutex;
use std::time::Duration;

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
    /// Replace a finished study in `out` (`--force`): its outputs are removed first.
    pub force: bool,
    /// Probabilistic runs and the decision files (`--uncertainty`,
    /// `--parameters`, `--ce-metric`, `--wtp`).
    pub decision: DecisionOptions,
}

/// What a finished run reports.
#[derive(Debug)]
pub struct RunReport {
    pub manifest: Manifest,
    pub compare: Vec<CompareRow>,
    /// (metric, summary over replications) for every scenario in order.
    pub metric_summaries: Vec<(String, Summary)>,
    pub files: Vec<PathBuf>,
}

/// Replications a run (or one shard of it) will do, for progress bars.
pub fn total_replications(scenarios: &[Scenario], reps: u32, shard: Option<Shard>) -> u64 {
    let all = runner::all_items(scenarios.len(), reps);
    match shard {
        Some(s) => s.select(&all).len() as u64,
        None => all.len() as u64,
    }
}

fn study_identity(opts: &RunOptions, scenarios: &[Scenario], baseline: usize, draws: &[SourceRecord]) -> StudyIdentity {
    StudyIdentity {
        tool: "shequ".into(),
        version: env!("CARGO_PKG_VERSION").into(),
        seed: opts.seed,
        replications: opts.reps,
        baseline: scenarios[baseline].name.clone(),
        shard: opts.shard.map(|s| format!("{}/{}", s.index, s.count)),
        scenarios: shard_scenarios(scenarios),
        uncertainty: draws.to_vec(),
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
    let _lock = prepare_out(dir, opts.force, opts.resume)?;
    let decision = Decision::load(&opts.decision)?;
    decision.check(scenarios, opts.seed, opts.reps)?;
    let identity = study_identity(opts, scenarios, baseline, &decision.uncertainty.sources);
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
        // No journal leaves nothing to keep (a run killed as it started);
        // one that cannot be read, or has a line that is not this study's
        // (checksum, fields, seed, shard, duplicates), is an error at its line.
        let probabilistic = !decision.uncertainty.sources.is_empty();
        let expected = Expected::of(scenarios, reps, opts.seed, opts.shard, probabilistic);
        let stored = journal::read_journal(dir, &expected)?
            .map(|c| c.stored)
            .unwrap_or_default();
        for st in stored {
            let item = (st.scenario, st.result.replication);
            // `read_journal` checked that the item is in range and this shard's.
            if let Some(slot) = done.get_mut(index(item)) {
                order.push(item);
                *slot = Some(st.result);
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
    let draws = decision.draws(opts.seed, reps);
    let streams = Streams::open(dir, &kept, opts.shard.is_none(), &draws).map_err(io_err(dir))?;
    let sinks = Mutex::new((streams, None::<std::io::Error>));
    let on_done = |item: runner::Item, res: &Result<RepResult, String>| {
        if let Ok(r) = res {
            if let Ok(mut g) = sinks.lock() {
                let (streams, err) = &mut *g;
                // After a failed write nothing more is appended, so a line
                // cut by a full disk stays the journal's last (dropped on
                // resume) even if space is freed meanwhile.
                if err.is_none() {
                    if let Err(e) = streams.append(item.0, &scenarios[item.0].name, r) {
                        *err = Some(e);
                        STOP.store(true, Ordering::Relaxed);
                    }
                }
            }
        }
        progress();
    };
    let todo: Vec<runner::Item> = mine.iter().copied().filter(|&it| done[index(it)].is_none()).collect();
    if opts.resume {
        let kept = mine.len() - todo.len();
        eprintln!(
            "resuming: {kept} of {} replications finished, running {}",
            mine.len(),
            todo.len()
        );
    }
    let start = std::time::SystemTime::now();
    let varying = decision.varying(opts.seed);
    let varying = varying.as_ref().map(|f| f as &runner::Varying);
    let outcomes = runner::run_items(scenarios, &todo, opts.seed, threads, varying, &STOP, &on_done)
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
            &decision,
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
    write_final(
        dir,
        scenarios,
        &results,
        &failed_per_scenario,
        baseline,
        manifest,
        &decision,
    )
}

/// Creates the output folder and checks it can be written. A folder that
/// holds a finished study is refused (usage error, exit 2) unless `force`
/// (its outputs, report.html included, are removed first) or `resume`.
pub(crate) fn prepare_out(dir: &Path, force: bool, resume: bool) -> Result<out_dir::Lock, AppError> {
    if force && resume {
        return Err(AppError::Usage(
            "--force and --resume contradict each other: --force starts over, --resume continues".into(),
        ));
    }
    // The lock comes first, so that --force never clears a folder another
    // live process is writing.
    atomic::create_dir(dir).map_err(io_err(dir))?;
    let lock = crate::cli::lock_out(dir)?;
    if force {
        out_dir::clear_outputs(dir).map_err(io_err(dir))?;
    } else if !resume {
        if let Some(marker) = out_dir::finished_study(dir) {
            return Err(AppError::Usage(format!(
                "{} holds a finished study ({} exists): choose another --out, pass --force to replace it \
                 (its outputs, report.html included, are removed first) or --resume to continue it",
                dir.display(),
                marker.display()
            )));
        }
    }
    atomic::probe_writable(dir).map_err(io_err(dir))?;
    Ok(lock)
}

/// Writes the final files of a study (runs, summary, time series,
/// comparisons by window, group and month, the decision files, manifest).
pub(crate) fn write_final(
    dir: &Path,
    scenarios: &[Scenario],
    results: &[Vec<RepResult>],
    failed: &[usize],
    baseline: usize,
    mut manifest: Manifest,
    decision: &Decision,
) -> Result<RunReport, AppError> {
    let draws = decision.draws(manifest.seed, manifest.replications);
    let mut files = vec![
        study_files::write_runs(dir, scenarios, results, &draws).map_err(io_err(dir))?,
        study_files::write_summary(dir, scenarios, results, failed).map_err(io_err(dir))?,
        study_files::write_timeseries(dir, scenarios, results).map_err(io_err(dir))?,
    ];
    let compare = if scenarios.len() > 1 {
        let rows = study_files::write_compare(dir, scenarios, results, baseline).map_err(io_err(dir))?;
        files.push(dir.join("compare.csv"));
        files.push(dir.join("compare_by_group.csv"));
        files.push(study_files::write_compare_timeseries(dir, scenarios, results, baseline).map_err(io_err(dir))?);
        files.extend(
            decision_files::write_all(dir, scenarios, results, baseline, &decision.settings).map_err(io_err(dir))?,
        );
        rows
    } else {
        Vec::new()
    };
    decision.record(&mut manifest, scenarios);
    files.push(manifest.write(dir).map_err(io_err(dir))?);
    Ok(RunReport {
        manifest,
        compare,
        metric_summaries: metric_summaries(results),
        files,
    })
}

/// Per scenario and metric, the summary over replications.
fn metric_summaries(results: &[Vec<RepResult>]) -> Vec<(String, Summary)> {
    results
        .iter()
        .flat_map(|reps| {
            METRICS.iter().enumerate().map(move |(m, def)| {
                let x: Vec<f64> = reps.iter().map(|r| r.values[m]).collect();
                (def.name.to_string(), stats::summarise(&x))
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
    decision: &Decision,
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
        uncertainty: decision.uncertainty.sources.clone(),
        ce_metric: decision.ce_metric.clone(),
        wtp: decision.wtp.clone(),
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
        files: vec![journal::journal_path(dir), manifest_file],
    })
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
    if compare::metric_index(&target.metric).is_none() {
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
        let h = adaptive::widest_half_width(&report.compare, &report.metric_summaries, &target.metric);
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
                sizing: adaptive::SIZING,
            });
            report.manifest.write(&opts.out).map_err(io_err(&opts.out))?;
            return Ok(report);
        }
        reps = adaptive::next_reps(
            &report.compare,
            &report.metric_summaries,
            &target.metric,
            reps,
            target.target_half_width,
            max,
        );
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
        let draws = crate::files::uncertainty_file::load(
            opts.decision.uncertainty.as_deref(),
            opts.decision.parameters.as_deref(),
        )?;
        let identity = study_identity(opts, scenarios, baseline, &draws.sources);
        journal::write_identity(&opts.out, &identity).map_err(io_err(&opts.out))?;
    }
    let mut o = opts.clone();
    o.resume = continuing || opts.resume;
    // Only the first batch clears the folder; the others continue it.
    o.force = opts.force && !continuing;
    run(&o, scenarios, progress)
}

/// How `shequ run` reports as it goes.
#[derive(Debug, Clone, Copy)]
pub struct Reporting {
    /// No progress, no table, no list of files.
    pub quiet: bool,
    /// Seconds between progress lines when stderr is not a terminal.
    pub progress_interval: Duration,
}

/// `shequ run` as typed: the study (adaptive when `target` gives the
/// `--target-ci` half-width and its metric) with progress, then what it
/// did, unless `quiet`.
pub fn command(
    opts: &RunOptions,
    target: Option<(f64, String)>,
    max_reps: u32,
    reporting: Reporting,
) -> Result<(), AppError> {
    let quiet = reporting.quiet;
    let (loaded, warnings) = load_scenarios_warned(&opts.scenarios)?;
    print_warnings(&warnings);
    let bar = Progress::new(
        total_replications(&loaded, opts.reps, opts.shard),
        "replications",
        quiet,
        reporting.progress_interval,
    );
    let tick = || bar.inc();
    let report = match target {
        Some((w, metric)) => {
            bar.set_length(u64::from(max_reps.max(2)) * loaded.len() as u64);
            let target = Adaptive {
                target_half_width: w,
                metric,
                max_reps,
            };
            run_adaptive(opts, &loaded, &target, &tick)?
        }
        None => run(opts, &loaded, &tick)?,
    };
    bar.finish();
    if !quiet {
        let m = &report.manifest;
        eprintln!(
            "{} replications of {} scenario(s) in {:.1} s on {} threads: {:.3e} person-months/s ({:.1} ns per person-month per thread)",
            m.replications * m.scenarios.len() as u32,
            m.scenarios.len(),
            m.wall_seconds,
            m.threads,
            m.person_months_per_second,
            m.ns_per_person_month_per_thread
        );
        if let Some(a) = &m.adaptive {
            eprintln!(
                "--target-ci: {} replications (batches {:?}); widest 95% half-width of {} = {} ({})",
                a.replications,
                a.batches,
                a.metric,
                study_files::sig(a.half_width),
                if a.met {
                    "target met"
                } else {
                    "target NOT met: --max-reps reached"
                }
            );
        }
        if !report.compare.is_empty() {
            println!("{}", study_files::headline_table(&report.compare));
        }
        for f in &report.files {
            eprintln!("wrote {}", f.display());
        }
    }
    Ok(())
}
