//! The `shequ` command line: the arguments of every command (clap) and the
//! dispatch to the command's function in `shequ::cli`, which does the work
//! and prints.

use clap::{Parser, Subcommand, ValueEnum};
use shequ::cli::run::RunOptions;
use shequ::cli::sweep::SweepOptions;
use shequ::cli::{self, AppError};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "shequ",
    version,
    about = "Agent-based simulator of urban community governance and its reforms"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    Markdown,
    Csv,
}

#[derive(Subcommand)]
enum Command {
    /// Run Monte Carlo replications of one or more scenarios.
    Run {
        /// Scenario files (TOML). The first is the baseline unless --baseline says otherwise.
        #[arg(required = true)]
        scenarios: Vec<PathBuf>,
        /// Replications per scenario.
        #[arg(long, default_value_t = 100)]
        reps: u32,
        /// Master seed; replication r of every scenario uses the same derived seed.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Output directory. One that holds a finished study is refused (exit 2) unless
        /// --force or --resume.
        #[arg(long, default_value = "shequ-out")]
        out: PathBuf,
        /// Worker threads (0 = all cores). Results do not depend on it.
        #[arg(long, default_value_t = 0)]
        threads: usize,
        /// Name of the scenario the others are compared with.
        #[arg(long)]
        baseline: Option<String>,
        /// No progress, no table and no list of files written (errors and warnings still print).
        #[arg(long)]
        quiet: bool,
        /// Continue an interrupted run in --out: finished replications are kept,
        /// the rest are run, and the final files equal an uninterrupted run's.
        #[arg(long, conflicts_with = "force")]
        resume: bool,
        /// Replace a finished study in --out: its outputs (report.html included) are removed first.
        #[arg(long)]
        force: bool,
        /// Seconds between progress lines when stderr is not a terminal (a log file,
        /// nohup, a notebook); 0 = none. On a terminal a progress bar is drawn instead.
        #[arg(long, default_value_t = cli::PROGRESS_INTERVAL_S, value_name = "SECONDS")]
        progress_interval: f64,
        /// Run only shard I of N of the (scenario, replication) items, e.g. 3/8, or `slurm`
        /// to take I and N from SLURM_ARRAY_TASK_ID/COUNT/MIN; combine shards with `shequ merge`.
        #[arg(long)]
        shard: Option<String>,
        /// Adaptive replication: run batches (the first of --reps) until the 95% CI half-width of
        /// --metric (of every reform's paired difference from the baseline, or of the one
        /// scenario's mean) is at most this, or --max-reps is reached.
        #[arg(long, requires = "metric")]
        target_ci: Option<f64>,
        /// Metric for --target-ci (see `shequ metrics`).
        #[arg(long, requires = "target_ci")]
        metric: Option<String>,
        /// Most replications per scenario under --target-ci.
        #[arg(long, default_value_t = 1000)]
        max_reps: u32,
        /// Probabilistic run: a TOML file of [[factors]] (experiment-file syntax); replication r
        /// draws one value of each, the same for every scenario (e.g. scenarios/uncertainty/levers.toml).
        #[arg(long)]
        uncertainty: Option<PathBuf>,
        /// Probabilistic run: a CSV of weighted parameter sets (a `weight` column and one column per
        /// parameter path, e.g. a posterior.csv); replication r draws one row by its weight.
        #[arg(long)]
        parameters: Option<PathBuf>,
        /// Effect metric of the cost-effectiveness files (frontier, ceac, evpi); cost is the net
        /// fiscal cost against the baseline [default: satisfaction_mean].
        #[arg(long)]
        ce_metric: Option<String>,
        /// Willingness-to-pay values for ceac.csv and evpi.csv, yuan per unit of effect,
        /// comma-separated [default: 0 … twice the largest ICER of the frontier].
        #[arg(long, value_delimiter = ',', num_args = 1..)]
        wtp: Option<Vec<f64>>,
    },
    /// Run an experiment file: a design (grid, lhs, sobol, morris) over uncertain factors, with
    /// every scenario at every point; writes design, runs, summary, sensitivity and manifest files.
    Sweep {
        /// Experiment file (TOML), e.g. scenarios/experiments/baseline_sobol.toml.
        experiment: PathBuf,
        /// Replications per scenario at each design point.
        #[arg(long, default_value_t = 10)]
        reps: u32,
        /// Master seed; replication r at every point and of every scenario uses the same derived seed.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Output directory. One that holds a finished sweep is refused (exit 2) unless --force
        /// or --resume.
        #[arg(long, default_value = "shequ-sweep")]
        out: PathBuf,
        /// Worker threads (0 = all cores). Results do not depend on it.
        #[arg(long, default_value_t = 0)]
        threads: usize,
        /// No progress and no list of files written (errors and warnings still print).
        #[arg(long)]
        quiet: bool,
        /// Replace a finished sweep in --out: its outputs (report.html included) are removed first.
        #[arg(long)]
        force: bool,
        /// Continue a killed or stopped sweep (or --shard) in --out: the finished (point, scenario,
        /// replication) items kept in its journal .shequ/sweep_items.tsv are not run again, the rest
        /// are, and the final files equal an uninterrupted sweep's. Refused if the experiment file,
        /// its scenarios, --reps, --seed, --parameters or --shard differ.
        #[arg(long, conflicts_with_all = ["force", "merge"])]
        resume: bool,
        /// Seconds between progress lines when stderr is not a terminal; 0 = none.
        #[arg(long, default_value_t = cli::PROGRESS_INTERVAL_S, value_name = "SECONDS")]
        progress_interval: f64,
        /// Run only shard I of N of the sweep's (point, scenario, replication) items (or `slurm`);
        /// writes sweep_shard.tsv to --out. Combine with --merge.
        #[arg(long, conflicts_with = "merge")]
        shard: Option<String>,
        /// Combine these shard directories (same experiment, --reps and --seed) into the final files in --out.
        #[arg(long, num_args = 1..)]
        merge: Vec<PathBuf>,
        /// A CSV of weighted parameter sets (a posterior.csv: `weight` and one column per
        /// parameter path); replication r draws one row, on top of every point's factor values.
        #[arg(long)]
        parameters: Option<PathBuf>,
    },
    /// Calibrate uncertain parameters to facts by ABC-SMC (a fit file: scenario, priors, targets,
    /// algorithm); writes posterior.csv (for `run --parameters`), generations.csv, predictive.csv, fit.html.
    Fit(cli::fit::FitArgs),
    /// Merge shard directories (from `run --shard`) into the final files of the whole study.
    Merge {
        /// Shard output directories.
        #[arg(required = true)]
        dirs: Vec<PathBuf>,
        /// Output directory for the merged files. One that holds a finished study is
        /// refused (exit 2) unless --force.
        #[arg(long, default_value = "shequ-out")]
        out: PathBuf,
        /// Replace a finished study in --out: its outputs (report.html included) are removed first.
        #[arg(long)]
        force: bool,
        /// No table and no list of files written.
        #[arg(long)]
        quiet: bool,
    },
    /// List every parameter with value, default, unit, range and provenance.
    Params {
        /// Scenario whose values to show (defaults when absent).
        scenario: Option<PathBuf>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Markdown)]
        format: Format,
    },
    /// Print the resolved parameters that differ between two scenarios, and what each
    /// lever that one of them switches on sets.
    Diff {
        /// First scenario file (e.g. scenarios/baseline.toml).
        a: PathBuf,
        /// Second scenario file (e.g. scenarios/reforms/raise_stipends.toml).
        b: PathBuf,
    },
    /// Write report.html (charts and tables, self-contained) from the output directory
    /// of a run, a merge or a sweep.
    Report {
        /// Output directory of a finished run, merge or sweep (its --out).
        dir: PathBuf,
        /// Scenarios for the fan charts, comma-separated (default: baseline and the three that move satisfaction most).
        #[arg(long, value_delimiter = ',')]
        scenarios: Option<Vec<String>>,
    },
    /// List every metric with unit, direction and definition (markdown).
    Metrics,
    /// Measure this machine's roofline (memory bandwidth, time per draw), run a
    /// scenario and print ns per person-month against the roofline floor.
    Calibrate {
        /// Scenario to run.
        #[arg(default_value = "scenarios/baseline.toml")]
        scenario: PathBuf,
        /// Replications to run (in parallel when --threads > 1).
        #[arg(long, default_value_t = 1)]
        reps: u32,
        /// Master seed of the run.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Threads for the run (0 = all cores); figures are per thread.
        #[arg(long, default_value_t = 1)]
        threads: usize,
        /// Buffer streamed for the bandwidth, MiB (several times the last-level cache).
        #[arg(long, default_value_t = 1024)]
        stream_mib: usize,
        /// Print JSON instead of a markdown table.
        #[arg(long)]
        json: bool,
    },
    /// Check scenario and experiment files without running them (the kind is told by the
    /// content); prints warnings, e.g. for a lever's settings without `enabled = true`.
    Validate {
        /// Scenario or experiment files (TOML).
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    // First Ctrl-C: finish the replications in progress, keep them, stop.
    // Second: stop at once (finished replications are already on disk).
    let _ = ctrlc::set_handler(|| {
        if cli::STOP.swap(true, std::sync::atomic::Ordering::Relaxed) {
            std::process::exit(130);
        }
        eprintln!("\nstopping: finishing the replications in progress (Ctrl-C again to quit now)");
    });
    match dispatch(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(e.exit_code() as u8)
        }
    }
}

fn dispatch(cli: Cli) -> Result<(), AppError> {
    match cli.command {
        Command::Run {
            scenarios,
            reps,
            seed,
            out,
            threads,
            baseline,
            quiet,
            shard,
            resume,
            force,
            progress_interval,
            target_ci,
            metric,
            max_reps,
            uncertainty,
            parameters,
            ce_metric,
            wtp,
        } => {
            let shard = cli::parse_shard(shard.as_deref(), quiet)?;
            let opts = RunOptions {
                scenarios,
                reps,
                seed,
                out,
                threads,
                baseline,
                command_line: std::env::args().collect(),
                shard,
                resume,
                force,
                decision: cli::decision::DecisionOptions {
                    uncertainty,
                    parameters,
                    ce_metric,
                    wtp,
                },
            };
            let reporting = cli::run::Reporting {
                quiet,
                progress_interval: interval(progress_interval)?,
            };
            cli::run::command(&opts, target_ci.zip(metric), max_reps, reporting)
        }
        Command::Sweep {
            experiment,
            reps,
            seed,
            out,
            threads,
            quiet,
            force,
            resume,
            progress_interval,
            shard,
            merge,
            parameters,
        } => {
            let (exp, warnings) = cli::sweep::load_experiment_warned(&experiment)?;
            cli::print_warnings(&warnings);
            let shard = cli::parse_shard(shard.as_deref(), quiet)?;
            let opts = SweepOptions {
                reps,
                seed,
                out,
                threads,
                command_line: std::env::args().collect(),
                shard,
                force,
                resume,
                parameters,
            };
            cli::sweep::command(&exp, &opts, &merge, quiet, interval(progress_interval)?)
        }
        Command::Fit(args) => cli::fit::dispatch(args),
        Command::Merge {
            dirs,
            out,
            force,
            quiet,
        } => cli::merge::command(&dirs, &out, std::env::args().collect(), force, quiet),
        Command::Params { scenario, format } => {
            cli::params::command(scenario.as_deref(), matches!(format, Format::Csv))
        }
        Command::Diff { a, b } => cli::diff::command(&a, &b),
        Command::Report { dir, scenarios } => cli::report::command(&dir, scenarios),
        Command::Calibrate {
            scenario,
            reps,
            seed,
            threads,
            stream_mib,
            json,
        } => cli::calibrate::command(&scenario, stream_mib, reps, seed, threads, json),
        Command::Metrics => {
            cli::metrics::command();
            Ok(())
        }
        Command::Validate { files } => cli::validate::command(&files),
    }
}

/// `--progress-interval SECONDS` as a duration.
fn interval(seconds: f64) -> Result<std::time::Duration, AppError> {
    std::time::Duration::try_from_secs_f64(seconds).map_err(|_| {
        AppError::Usage(format!(
            "--progress-interval {seconds}: expected a number of seconds ≥ 0 (e.g. 30)"
        ))
    })
}
