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
        /// Output directory.
        #[arg(long, default_value = "shequ-out")]
        out: PathBuf,
        /// Worker threads (0 = all cores). Results do not depend on it.
        #[arg(long, default_value_t = 0)]
        threads: usize,
        /// Name of the scenario the others are compared with.
        #[arg(long)]
        baseline: Option<String>,
        /// No progress bar and no table.
        #[arg(long)]
        quiet: bool,
        /// Continue an interrupted run in --out: finished replications are kept,
        /// the rest are run, and the final files equal an uninterrupted run's.
        #[arg(long)]
        resume: bool,
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
    },
    /// Run an experiment file: a design (grid, lhs, sobol, morris) over uncertain factors, with
    /// every scenario at every point; writes design, runs, summary, sensitivity and manifest files.
    Sweep {
        /// Experiment file (TOML), e.g. scenarios/experiments/baseline_sobol.toml.
        experiment: PathBuf,
        /// Replications per scenario at each design point.
        #[arg(long, default_value_t = 10)]
        reps: u32,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        #[arg(long, default_value = "shequ-sweep")]
        out: PathBuf,
        /// Worker threads (0 = all cores). Results do not depend on it.
        #[arg(long, default_value_t = 0)]
        threads: usize,
        #[arg(long)]
        quiet: bool,
        /// Run only shard I of N of the sweep's (point, scenario, replication) items (or `slurm`);
        /// writes sweep_shard.tsv to --out. Combine with --merge.
        #[arg(long, conflicts_with = "merge")]
        shard: Option<String>,
        /// Combine these shard directories (same experiment, --reps and --seed) into the final files in --out.
        #[arg(long, num_args = 1..)]
        merge: Vec<PathBuf>,
    },
    /// Calibrate uncertain parameters to facts by ABC-SMC (a fit file: scenario, priors, targets,
    /// algorithm); writes posterior.csv (for `run --parameters`), generations.csv, predictive.csv, fit.html.
    Fit(cli::fit::FitArgs),
    /// Merge shard directories (from `run --shard`) into the final files of the whole study.
    Merge {
        /// Shard output directories.
        #[arg(required = true)]
        dirs: Vec<PathBuf>,
        /// Output directory for the merged files.
        #[arg(long, default_value = "shequ-out")]
        out: PathBuf,
        #[arg(long)]
        quiet: bool,
    },
    /// List every parameter with value, default, unit, range and provenance.
    Params {
        /// Scenario whose values to show (defaults when absent).
        scenario: Option<PathBuf>,
        #[arg(long, value_enum, default_value_t = Format::Markdown)]
        format: Format,
    },
    /// Print the resolved parameters that differ between two scenarios.
    Diff { a: PathBuf, b: PathBuf },
    /// Write report.html (charts and tables, self-contained) from a run's output directory.
    Report {
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
    /// Check scenario files without running them.
    Validate {
        #[arg(required = true)]
        scenarios: Vec<PathBuf>,
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
            target_ci,
            metric,
            max_reps,
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
            };
            cli::run::command(&opts, target_ci.zip(metric), max_reps, quiet)
        }
        Command::Sweep {
            experiment,
            reps,
            seed,
            out,
            threads,
            quiet,
            shard,
            merge,
        } => {
            let exp = cli::sweep::load_experiment(&experiment)?;
            let shard = cli::parse_shard(shard.as_deref(), quiet)?;
            let opts = SweepOptions {
                reps,
                seed,
                out,
                threads,
                command_line: std::env::args().collect(),
                shard,
            };
            cli::sweep::command(&exp, &opts, &merge, quiet)
        }
        Command::Fit(args) => cli::fit::dispatch(args),
        Command::Merge { dirs, out, quiet } => cli::merge::command(&dirs, &out, std::env::args().collect(), quiet),
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
        Command::Validate { scenarios } => cli::validate::command(&scenarios),
    }
}
