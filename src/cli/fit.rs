//! `shequ fit`: calibration of a scenario's uncertain parameters to facts
//! by ABC-SMC (`experiment::fit`). Candidates are simulated in parallel and
//! absorbed as they finish; the engine's state is checkpointed in the fit
//! folder after every batch (and every few seconds within one), so
//! `--resume` continues an interrupted fit to the same bytes.
//!
//! Sharded (a Slurm job array per round): `fit FIT --out DIR --shard I/N`
//! reads DIR's checkpoint (none: the start), simulates shard I's share of
//! the pending batch (candidates k ≡ I − 1 mod N) and writes
//! `DIR/shards/I/results.json`; `fit --merge DIR/shards/* --out DIR`
//! absorbs the N shards' results, writes the next checkpoint and, once the
//! fit has finished, the final files. Repeat rounds until manifest.json
//! appears (scripts/slurm/fit-submit.sh chains them).

use crate::cli::{check_memory, io_err, AppError, STOP};
use crate::experiment::fit::simulator::{self, PredictiveDraw};
use crate::experiment::fit::smc::{Progress, SimResult, Smc, StopReason};
use crate::experiment::fit::spec::{identity_mismatch, Fit, FitIdentity};
use crate::experiment::fit::summary::{self, ParamSummary};
use crate::experiment::fit::GenerationStats;
use crate::files::fit_files::{self, Checkpoint, FitManifest, ShardResults};
use crate::files::{atomic, fit_file, fit_report, manifest};
use crate::study::shard::Shard;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant, SystemTime};

/// Seconds between checkpoints while a batch runs (`--checkpoint-seconds`).
pub const CHECKPOINT_SECONDS: f64 = 10.0;
/// Seconds between progress lines when stderr is not a terminal.
const LINE_EVERY: Duration = Duration::from_secs(15);

/// `shequ fit`'s arguments (main.rs takes them as they are).
#[derive(Debug, Clone, clap::Args)]
pub struct FitArgs {
    /// Fit file (TOML): scenario, [[priors]], [[targets]], [algorithm]; e.g. scenarios/fit/tianqiao.toml.
    /// Not given with --merge.
    #[arg(required_unless_present = "merge")]
    pub fit: Option<PathBuf>,
    /// The fit's folder: its checkpoint, then posterior.csv, generations.csv, predictive.csv, manifest.json, fit.html.
    #[arg(long, default_value = "shequ-fit")]
    pub out: PathBuf,
    /// Worker threads (0 = all cores). Results do not depend on it.
    #[arg(long, default_value_t = 0)]
    pub threads: usize,
    /// Continue the fit in --out from its checkpoint; the result equals an uninterrupted fit's.
    #[arg(long)]
    pub resume: bool,
    /// Simulate only shard I of N of the pending batch (candidates k ≡ I−1 mod N), from the checkpoint in --out,
    /// into --out/shards/I/results.json, then exit; or `slurm` (SLURM_ARRAY_TASK_ID/COUNT). Then --merge.
    #[arg(long, conflicts_with = "merge")]
    pub shard: Option<String>,
    /// Absorb one round of shard folders (--out/shards/*) into the fit in --out and write its next checkpoint
    /// (and, once the fit has finished, its final files).
    #[arg(long, num_args = 1.., conflicts_with_all = ["fit", "resume"])]
    pub merge: Vec<PathBuf>,
    /// No progress bar, lines or table.
    #[arg(long)]
    pub quiet: bool,
    /// Seconds between checkpoints while a batch runs (every batch's end is one too).
    #[arg(long, default_value_t = CHECKPOINT_SECONDS, hide = true)]
    pub checkpoint_seconds: f64,
}

/// `--checkpoint-seconds` as a duration (NaN and negatives: 0).
fn checkpoint_every(seconds: f64) -> Duration {
    if seconds.is_nan() || seconds <= 0.0 {
        Duration::ZERO
    } else {
        Duration::from_secs_f64(seconds.min(1e9))
    }
}

/// `shequ fit` or `shequ fit --merge`, from the command line.
pub fn dispatch(args: FitArgs) -> Result<(), AppError> {
    let command_line: Vec<String> = std::env::args().collect();
    if !args.merge.is_empty() {
        return merge_command(&args.merge, &args.out, args.threads, args.quiet, command_line);
    }
    let Some(fit) = args.fit else {
        return Err(usage("give a fit file, or --merge with shard folders"));
    };
    let opts = FitOptions {
        fit,
        out: args.out,
        threads: args.threads,
        resume: args.resume,
        shard: crate::cli::parse_shard(args.shard.as_deref(), args.quiet)?,
        quiet: args.quiet,
        command_line,
        pause_after_generations: None,
        checkpoint_every: checkpoint_every(args.checkpoint_seconds),
    };
    command(&opts)
}

/// Options of `shequ fit`.
#[derive(Debug, Clone)]
pub struct FitOptions {
    pub fit: PathBuf,
    pub out: PathBuf,
    /// 0 = all cores.
    pub threads: usize,
    pub resume: bool,
    pub shard: Option<Shard>,
    pub quiet: bool,
    pub command_line: Vec<String>,
    /// Stop (as if interrupted, checkpoint written) once this many
    /// generations are complete: for tests and schedulers with time limits.
    pub pause_after_generations: Option<u32>,
    /// Time between checkpoints while a batch runs.
    pub checkpoint_every: Duration,
}

impl FitOptions {
    pub fn new(fit: &Path, out: &Path) -> FitOptions {
        FitOptions {
            fit: fit.to_path_buf(),
            out: out.to_path_buf(),
            threads: 0,
            resume: false,
            shard: None,
            quiet: true,
            command_line: Vec::new(),
            pause_after_generations: None,
            checkpoint_every: Duration::from_secs_f64(CHECKPOINT_SECONDS),
        }
    }
}

/// What a fit command did.
#[derive(Debug, Clone)]
pub struct FitReport {
    /// Why the engine stopped; `None` while the fit goes on (a shard, or a
    /// merge before the last round).
    pub stop: Option<StopReason>,
    pub generations: Vec<GenerationStats>,
    pub simulations: u64,
    pub posterior: Vec<ParamSummary>,
    pub files: Vec<PathBuf>,
    /// For a shard: the candidates it simulated.
    pub simulated_now: usize,
}

/// A fit loaded with its engine, from the start or from a checkpoint.
struct Loaded {
    fit: Fit,
    identity: FitIdentity,
    smc: Smc,
    wall: Vec<f64>,
    current: f64,
    rounds: u64,
}

fn usage(e: impl std::fmt::Display) -> AppError {
    AppError::Usage(e.to_string())
}

fn threads(n: usize) -> usize {
    if n == 0 {
        rayon::current_num_threads()
    } else {
        n
    }
}

fn pool(n: usize) -> Result<rayon::ThreadPool, AppError> {
    rayon::ThreadPoolBuilder::new()
        .num_threads(n)
        .build()
        .map_err(|e| usage(format!("cannot start {n} threads: {e}")))
}

/// Loads the fit file and the engine: from `dir`'s checkpoint when there is
/// one (checked to belong to this fit), else from the start.
fn load(fit_path: &Path, dir: &Path, stored: Option<Checkpoint>) -> Result<Loaded, AppError> {
    let fit = fit_file::load(fit_path)?;
    let abs = std::fs::canonicalize(fit_path).map_err(io_err(fit_path))?;
    let identity = fit.identity(&abs.display().to_string());
    let prior = fit.prior().map_err(usage)?;
    let targets = fit.engine_targets().map_err(usage)?;
    let config = fit.algorithm.smc.clone();
    match stored {
        Some(cp) => {
            if let Some(why) = identity_mismatch(&cp.identity, &identity) {
                return Err(usage(format!(
                    "the fit in {} is not this fit: {why}. Use another --out, or remove {}",
                    dir.display(),
                    dir.join(fit_files::CHECKPOINT).display()
                )));
            }
            let smc = Smc::resume(config, prior, targets, &cp.engine.to_string())
                .map_err(|e| usage(format!("{}: {e}", dir.join(fit_files::CHECKPOINT).display())))?;
            Ok(Loaded {
                fit,
                identity,
                smc,
                wall: cp.wall_seconds,
                current: cp.current_wall_seconds,
                rounds: cp.rounds,
            })
        }
        None => Ok(Loaded {
            fit,
            identity,
            smc: Smc::new(config, prior, targets).map_err(usage)?,
            wall: Vec::new(),
            current: 0.0,
            rounds: 0,
        }),
    }
}

impl Loaded {
    fn checkpoint(&self, dir: &Path, current: f64) -> Result<(), AppError> {
        let cp = Checkpoint {
            format: fit_files::CHECKPOINT_FORMAT.into(),
            identity: self.identity.clone(),
            wall_seconds: self.wall.clone(),
            current_wall_seconds: current,
            rounds: self.rounds,
            engine: self.smc.checkpoint_value().map_err(usage)?,
        };
        fit_files::write_checkpoint(dir, &cp).map_err(io_err(dir))?;
        Ok(())
    }

    /// Books `seconds` to the generation being built; moves them to the
    /// generation's total when the engine has completed it.
    fn book(&mut self, seconds: f64) {
        self.current += seconds;
        while self.wall.len() < self.smc.history().len() {
            self.wall.push(self.current);
            self.current = 0.0;
        }
    }
}

fn prepare_dir(dir: &Path) -> Result<(), AppError> {
    atomic::create_dir(dir).map_err(io_err(dir))?;
    atomic::probe_writable(dir).map_err(io_err(dir))
}

/// The progress display: a bar on a terminal, lines every 15 s otherwise.
struct Display {
    bar: ProgressBar,
    lines: bool,
    quiet: bool,
    last_line: Instant,
    generation_start: Instant,
}

impl Display {
    fn new(quiet: bool) -> Display {
        let terminal = std::io::stderr().is_terminal();
        let bar = ProgressBar::new(1);
        if quiet || !terminal {
            bar.set_draw_target(ProgressDrawTarget::hidden());
        }
        bar.set_style(
            ProgressStyle::with_template(
                "{spinner} [{elapsed_precise}] {msg} {bar:30} {pos}/{len} accepted (ETA {eta})",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        Display {
            bar,
            lines: !quiet && !terminal,
            quiet,
            last_line: Instant::now(),
            generation_start: Instant::now(),
        }
    }

    fn say(&self, line: &str) {
        if !self.quiet {
            self.bar.suspend(|| eprintln!("{line}"));
        }
    }

    /// Updates the bar (and, every 15 s, a line) for generation `g`.
    fn update(&mut self, g: u32, eps: f64, accepted: usize, wanted: usize, simulated: u64, total: u64) {
        let rate = if simulated > 0 {
            accepted as f64 / simulated as f64
        } else {
            f64::NAN
        };
        self.bar.set_length(wanted as u64);
        self.bar.set_position(accepted.min(wanted) as u64);
        self.bar.set_message(format!(
            "gen {g} ε {} acceptance {rate:.3} ({total} sims)",
            eps_text(eps)
        ));
        if self.lines && self.last_line.elapsed() >= LINE_EVERY {
            self.last_line = Instant::now();
            let elapsed = self.generation_start.elapsed().as_secs_f64();
            let eta = if accepted > 0 && accepted < wanted {
                clock(elapsed * (wanted - accepted) as f64 / accepted as f64)
            } else {
                "?".into()
            };
            eprintln!(
                "fit: generation {g}, ε {}: {}/{wanted} accepted, acceptance {rate:.3}, {total} simulations, generation time {}, ETA {eta}",
                eps_text(eps),
                accepted.min(wanted),
                clock(elapsed)
            );
        }
    }
}

fn eps_text(e: f64) -> String {
    if e.is_finite() {
        format!("{e:.4}")
    } else {
        "∞".into()
    }
}

fn clock(secs: f64) -> String {
    let s = secs.max(0.0).round() as u64;
    format!("{}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
}

fn generation_line(g: &GenerationStats, wall: f64) -> String {
    format!(
        "generation {}: ε {}, {} accepted of {} simulated (acceptance {:.3}), ESS {:.1}, {:.1} s",
        g.generation,
        eps_text(g.epsilon),
        g.accepted,
        g.simulated,
        g.acceptance_rate,
        g.ess,
        wall
    )
}

/// Runs a fit (or one shard of its pending batch) in `opts.out`.
pub fn run(opts: &FitOptions) -> Result<FitReport, AppError> {
    let dir = &opts.out;
    prepare_dir(dir)?;
    // Shards of one round share --out (each writes its own shards/I/), so
    // only the whole fit locks it.
    let _lock = match opts.shard {
        None => Some(crate::cli::lock_out(dir)?),
        Some(_) => None,
    };
    let stored = fit_files::read_checkpoint(dir)?;
    if opts.shard.is_none() {
        match (&stored, opts.resume) {
            (Some(_), false) => {
                return Err(usage(format!(
                    "{} holds a fit ({}): pass --resume to continue it, or choose another --out",
                    dir.display(),
                    fit_files::CHECKPOINT
                )))
            }
            (None, true) => {
                return Err(usage(format!(
                    "nothing to resume in {}: no {} from an earlier fit",
                    dir.display(),
                    fit_files::CHECKPOINT
                )))
            }
            _ => {}
        }
    }
    let mut loaded = load(&opts.fit, dir, stored)?;
    let n_threads = threads(opts.threads);
    check_memory(std::slice::from_ref(&loaded.fit.scenario), 1, n_threads)?;
    let pool = pool(n_threads)?;
    match opts.shard {
        Some(shard) => run_shard(opts, &mut loaded, shard, &pool, n_threads),
        None => drive(opts, &mut loaded, &pool, n_threads),
    }
}

/// The unsharded loop: batches until the engine stops, then the final files.
fn drive(
    opts: &FitOptions,
    loaded: &mut Loaded,
    pool: &rayon::ThreadPool,
    n_threads: usize,
) -> Result<FitReport, AppError> {
    let dir = &opts.out;
    let start = SystemTime::now();
    let clock_start = Instant::now();
    let mut display = Display::new(opts.quiet);
    let mut first_failure: Option<String> = None;
    let targets = loaded.smc.targets().clone();
    let fit = loaded.fit.clone();
    loop {
        let batch = loaded.smc.next_batch();
        if batch.is_empty() {
            break;
        }
        let g = loaded.smc.generation();
        let eps = loaded.smc.epsilon();
        if loaded.smc.accepted_in_generation() == 0 && loaded.smc.simulated_in_generation() == 0 {
            display.generation_start = Instant::now();
            display.bar.reset_eta();
        }
        let wanted = loaded.smc.wanted();
        let (base_acc, base_sim) = (
            loaded.smc.accepted_in_generation(),
            loaded.smc.simulated_in_generation(),
        );
        let (mut hits, mut done) = (0usize, 0u64);
        let mut buffer: Vec<SimResult> = Vec::new();
        let mut error: Option<AppError> = None;
        let mut progress: Option<Progress> = None;
        let mut t0 = Instant::now();
        let mut last_write = Instant::now();
        let before = loaded.smc.history().len();
        let skipped = simulator::simulate_streaming(&fit, &batch, pool, &STOP, |r| {
            match &r.outcome {
                Ok(s) => {
                    if targets.distances(s).is_ok_and(|d| targets.combine(&d) <= eps) {
                        hits += 1;
                    }
                }
                Err(e) => {
                    first_failure.get_or_insert_with(|| e.clone());
                }
            }
            done += 1;
            buffer.push(r);
            display.update(
                g,
                eps,
                base_acc + hits,
                wanted,
                base_sim + done,
                loaded.smc.simulations() + done,
            );
            if error.is_none() && last_write.elapsed() >= opts.checkpoint_every {
                let res = loaded
                    .smc
                    .absorb(std::mem::take(&mut buffer))
                    .map_err(usage)
                    .and_then(|p| {
                        progress = Some(p);
                        loaded.book(t0.elapsed().as_secs_f64());
                        t0 = Instant::now();
                        loaded.checkpoint(dir, loaded.current)
                    });
                if let Err(e) = res {
                    error = Some(e);
                    STOP.store(true, Ordering::Relaxed);
                }
                last_write = Instant::now();
            }
        });
        if let Some(e) = error {
            return Err(e);
        }
        if !buffer.is_empty() {
            progress = Some(loaded.smc.absorb(buffer).map_err(usage)?);
        }
        loaded.book(t0.elapsed().as_secs_f64());
        loaded.checkpoint(dir, loaded.current)?;
        let history = loaded.smc.history();
        for (g, w) in history.iter().zip(&loaded.wall).skip(before) {
            display.say(&generation_line(g, *w));
        }
        if skipped > 0 || matches!(progress, None | Some(Progress::Pending { .. })) {
            display.bar.finish_and_clear();
            return Err(AppError::Interrupted(format!(
                "stopped: the fit's state is in {}; continue with the same command plus --resume",
                dir.join(fit_files::CHECKPOINT).display()
            )));
        }
        if let Some(k) = opts.pause_after_generations {
            if history.len() >= k as usize && !loaded.smc.is_finished() {
                display.bar.finish_and_clear();
                return Err(AppError::Interrupted(format!(
                    "paused after {k} generation(s): continue with --resume (state in {})",
                    dir.join(fit_files::CHECKPOINT).display()
                )));
            }
        }
    }
    display.bar.finish_and_clear();
    let wall = clock_start.elapsed().as_secs_f64();
    finish(opts, loaded, pool, n_threads, first_failure, (start, wall))
}

/// One shard's share of the pending batch, written to `shards/I/results.json`.
fn run_shard(
    opts: &FitOptions,
    loaded: &mut Loaded,
    shard: Shard,
    pool: &rayon::ThreadPool,
    n_threads: usize,
) -> Result<FitReport, AppError> {
    let batch = loaded.smc.next_batch();
    let done = |files| FitReport {
        stop: loaded.smc.stop_reason(),
        generations: loaded.smc.history(),
        simulations: loaded.smc.simulations(),
        posterior: Vec::new(),
        files,
        simulated_now: 0,
    };
    let Some((generation, batch_first, batch_missing)) = loaded.smc.pending() else {
        if !opts.quiet {
            eprintln!(
                "the fit in {} has finished ({:?}): nothing to simulate",
                opts.out.display(),
                loaded.smc.stop_reason()
            );
        }
        return Ok(done(Vec::new()));
    };
    let n = u64::from(shard.count);
    let mine: Vec<_> = batch
        .into_iter()
        .filter(|c| c.index % n == u64::from(shard.index - 1))
        .collect();
    let t0 = Instant::now();
    let mut results = Vec::with_capacity(mine.len());
    let skipped = simulator::simulate_streaming(&loaded.fit, &mine, pool, &STOP, |r| results.push(r));
    if skipped > 0 || STOP.load(Ordering::Relaxed) {
        return Err(AppError::Interrupted(
            "stopped: this shard wrote nothing; run it again".into(),
        ));
    }
    results.sort_by_key(|r| r.index);
    let out = ShardResults {
        format: fit_files::SHARD_FORMAT.into(),
        identity: loaded.identity.clone(),
        shard: shard.index,
        shards: shard.count,
        generation,
        batch_first,
        batch_missing,
        results,
        wall_seconds: t0.elapsed().as_secs_f64(),
        threads: n_threads,
    };
    let sdir = fit_files::shard_dir(&opts.out, shard.index);
    let file = fit_files::write_shard_results(&sdir, &out).map_err(io_err(&sdir))?;
    let mut report = done(vec![file]);
    report.simulated_now = mine.len();
    Ok(report)
}

/// `shequ fit --merge`: absorbs one round of shard results into the fit in
/// `out` and writes the next checkpoint (and the final files once finished).
pub fn merge(
    dirs: &[PathBuf],
    out: &Path,
    threads_arg: usize,
    quiet: bool,
    command_line: Vec<String>,
) -> Result<FitReport, AppError> {
    if dirs.is_empty() {
        return Err(usage("--merge needs the shard folders (DIR/shards/*)"));
    }
    let shards = dirs
        .iter()
        .map(|d| fit_files::read_shard_results(d).map(|r| (d.clone(), r)))
        .collect::<Result<Vec<_>, _>>()?;
    let first = &shards[0].1;
    prepare_dir(out)?;
    let _lock = crate::cli::lock_out(out)?;
    let stored = fit_files::read_checkpoint(out)?;
    let mut loaded = load(Path::new(&first.identity.fit.path), out, stored)?;
    let count = first.shards;
    let mut seen = vec![None::<&PathBuf>; count as usize];
    for (d, r) in &shards {
        if let Some(why) = identity_mismatch(&r.identity, &loaded.identity) {
            return Err(usage(format!("{} is from another fit: {why}", d.display())));
        }
        if r.shards != count || r.shard == 0 || r.shard > count {
            return Err(usage(format!(
                "{} is shard {} of {}, the others are of {count}",
                d.display(),
                r.shard,
                r.shards
            )));
        }
        if let Some(prev) = seen[r.shard as usize - 1].replace(d) {
            return Err(usage(format!(
                "{} and {} are both shard {} of {count}",
                prev.display(),
                d.display(),
                r.shard
            )));
        }
    }
    if let Some(missing) = seen.iter().position(Option::is_none) {
        return Err(usage(format!(
            "shard {} of {count} is missing: give every shard folder of the round",
            missing + 1
        )));
    }
    loaded.smc.next_batch();
    let Some((generation, batch_first, missing)) = loaded.smc.pending() else {
        return Err(usage(format!(
            "the fit in {} has finished ({:?}): nothing to merge",
            out.display(),
            loaded.smc.stop_reason()
        )));
    };
    for (d, r) in &shards {
        if (r.generation, r.batch_first, r.batch_missing) != (generation, batch_first, missing) {
            return Err(usage(format!(
                "{} holds results of generation {} batch {} but the fit in {} waits for generation {generation} batch {batch_first}: run that shard again",
                d.display(),
                r.generation,
                r.batch_first,
                out.display()
            )));
        }
    }
    let results: Vec<SimResult> = shards.iter().flat_map(|(_, r)| r.results.iter().cloned()).collect();
    let round_wall = shards.iter().map(|(_, r)| r.wall_seconds).fold(0.0, f64::max);
    let mut first_failure = None;
    for r in &results {
        if let Err(e) = &r.outcome {
            first_failure.get_or_insert_with(|| e.clone());
        }
    }
    let t0 = Instant::now();
    let before = loaded.smc.history().len();
    let progress = loaded.smc.absorb(results).map_err(usage)?;
    if let Progress::Pending { missing } = progress {
        return Err(usage(format!(
            "the shards leave {missing} candidate(s) of the batch without a result: nothing was merged"
        )));
    }
    loaded.rounds += 1;
    loaded.book(round_wall + t0.elapsed().as_secs_f64());
    loaded.checkpoint(out, loaded.current)?;
    let history = loaded.smc.history();
    if !quiet {
        for (g, w) in history.iter().zip(&loaded.wall).skip(before) {
            eprintln!("{}", generation_line(g, *w));
        }
    }
    if !loaded.smc.is_finished() {
        if !quiet {
            eprintln!(
                "merged round {} (generation {generation}); the fit goes on: run the next round of shards, then merge again",
                loaded.rounds
            );
        }
        return Ok(FitReport {
            stop: None,
            generations: history,
            simulations: loaded.smc.simulations(),
            posterior: Vec::new(),
            files: vec![out.join(fit_files::CHECKPOINT)],
            simulated_now: 0,
        });
    }
    let n_threads = threads(threads_arg);
    let pool = pool(n_threads)?;
    let opts = FitOptions {
        quiet,
        command_line,
        ..FitOptions::new(Path::new(&loaded.identity.fit.path), out)
    };
    let wall = loaded.wall.iter().sum::<f64>() + loaded.current;
    finish(
        &opts,
        &mut loaded,
        &pool,
        n_threads,
        first_failure,
        (SystemTime::now(), wall),
    )
}

/// The final files of a finished fit: the posterior predictive draws, then
/// posterior.csv, generations.csv, predictive.csv, predictive_draws.csv,
/// manifest.json and fit.html.
fn finish(
    opts: &FitOptions,
    loaded: &mut Loaded,
    pool: &rayon::ThreadPool,
    n_threads: usize,
    first_failure: Option<String>,
    (start, wall): (SystemTime, f64),
) -> Result<FitReport, AppError> {
    let dir = &opts.out;
    let result = loaded.smc.result();
    if result.population.is_empty() {
        return Err(usage(format!(
            "the fit stopped ({:?}) before generation 0 was complete: {} simulations, none usable{}",
            result.stop,
            result.simulations,
            first_failure.map_or_else(String::new, |e| format!(" (first failure: {e})"))
        )));
    }
    let fit = &loaded.fit;
    if !opts.quiet {
        eprintln!("posterior predictive check: {} draws", fit.algorithm.predictive_draws);
    }
    let draws: Vec<PredictiveDraw> = simulator::predictive(fit, &result.population, pool);
    let rows = summary::predictive_rows(fit, &draws);
    let posterior = summary::posterior_summaries(fit, &result.population);
    let mut files = vec![
        fit_files::write_posterior(dir, fit, &result.population).map_err(io_err(dir))?,
        fit_files::write_generations(dir, &result.generations, &loaded.wall).map_err(io_err(dir))?,
        fit_files::write_predictive(dir, fit, &rows).map_err(io_err(dir))?,
        fit_files::write_predictive_draws(dir, fit, &draws).map_err(io_err(dir))?,
    ];
    let html = fit_report::page(fit, &result, &posterior, &rows, &draws);
    files.push(atomic::write_atomic(dir, "fit.html", |w| w.write_all(html.as_bytes())).map_err(io_err(dir))?);
    let (params, targets) = FitManifest::entries(fit);
    let mut names: Vec<String> = files
        .iter()
        .filter_map(|f| f.file_name().map(|n| n.to_string_lossy().into_owned()))
        .collect();
    names.push("manifest.json".into());
    let m = FitManifest {
        kind: "fit",
        tool: "shequ".into(),
        version: env!("CARGO_PKG_VERSION").into(),
        git_commit: option_env!("SHEQU_GIT_COMMIT").unwrap_or("unknown").into(),
        name: fit.name.clone(),
        description: fit.description.clone(),
        identity: loaded.identity.clone(),
        population_scale: fit.scenario.params.simulation.population_scale,
        months: fit.scenario.params.simulation.months,
        algorithm: fit.algorithm.smc.clone(),
        replications_per_candidate: fit.algorithm.replications,
        predictive_draws: fit.algorithm.predictive_draws,
        params,
        targets,
        stop_reason: result.stop,
        generations: result.generations.len(),
        simulations: result.simulations,
        proposals: result.proposals,
        final_epsilon: Some(result.epsilon()).filter(|e| e.is_finite()),
        final_ess: result.population.ess(),
        posterior: posterior.clone(),
        predictive: rows,
        seed_derivation: fit_files::SEED_DERIVATION.into(),
        sharded_rounds: loaded.rounds,
        files: names,
        threads: n_threads,
        wall_seconds: wall,
        start_time_utc: manifest::utc(start),
        end_time_utc: manifest::utc(SystemTime::now()),
        command_line: opts.command_line.clone(),
    };
    files.push(m.write(dir).map_err(io_err(dir))?);
    Ok(FitReport {
        stop: result.stop,
        generations: result.generations,
        simulations: result.simulations,
        posterior,
        files,
        simulated_now: 0,
    })
}

/// Prints what a finished fit found.
fn print_report(r: &FitReport) {
    if let Some(stop) = r.stop {
        eprintln!(
            "fit stopped ({stop:?}) after {} generation(s) and {} simulations",
            r.generations.len(),
            r.simulations
        );
    }
    if !r.posterior.is_empty() {
        println!("| parameter | prior | posterior median | 90% credible interval |");
        println!("|---|---|---|---|");
        for p in &r.posterior {
            println!(
                "| {} | {} | {:.4} | [{:.4}, {:.4}] |",
                p.path, p.prior, p.median, p.q05, p.q95
            );
        }
    }
    for f in &r.files {
        eprintln!("wrote {}", f.display());
    }
}

/// `shequ fit` as typed.
pub fn command(opts: &FitOptions) -> Result<(), AppError> {
    let report = run(opts)?;
    if !opts.quiet {
        if let Some(s) = opts.shard {
            eprintln!(
                "shard {}/{}: {} candidate(s) simulated",
                s.index, s.count, report.simulated_now
            );
            for f in &report.files {
                eprintln!("wrote {}", f.display());
            }
        } else {
            print_report(&report);
        }
    }
    Ok(())
}

/// `shequ fit --merge` as typed.
pub fn merge_command(
    dirs: &[PathBuf],
    out: &Path,
    threads: usize,
    quiet: bool,
    command_line: Vec<String>,
) -> Result<(), AppError> {
    let report = merge(dirs, out, threads, quiet, command_line)?;
    if !quiet && report.stop.is_some() {
        print_report(&report);
    }
    Ok(())
}
