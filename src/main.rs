//! The `shequ` command line: parses arguments, shows progress, reports.
//! All work is done by the library (`shequ::app`).

use clap::{Parser, Subcommand, ValueEnum};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use shequ::app::{self, AppError, RunOptions};
use shequ::study::shard::Shard;
use std::io::IsTerminal;
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

/// A progress bar with an ETA on stderr, hidden when quiet or not a terminal.
fn progress_bar(len: u64, unit: &str, quiet: bool) -> ProgressBar {
    let bar = ProgressBar::new(len);
    if quiet || !std::io::stderr().is_terminal() {
        bar.set_draw_target(ProgressDrawTarget::hidden());
    }
    bar.set_style(
        ProgressStyle::with_template(&format!(
            "{{spinner}} [{{elapsed_precise}}] {{bar:40}} {{pos}}/{{len}} {unit} (ETA {{eta}})"
        ))
        .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    bar
}

/// `--shard I/N` or `--shard slurm`; without it, a note when a Slurm array
/// task would run the whole study.
fn parse_shard(arg: Option<&str>, quiet: bool) -> Result<Option<Shard>, AppError> {
    match arg {
        None => {
            if std::env::var_os("SLURM_ARRAY_TASK_ID").is_some() && !quiet {
                eprintln!(
                    "note: SLURM_ARRAY_TASK_ID is set; this task runs the whole study. \
                     Pass --shard slurm to run only its share."
                );
            }
            Ok(None)
        }
        Some("slurm") => Shard::from_slurm(|k| std::env::var(k).ok())
            .map(Some)
            .map_err(AppError::Usage),
        Some(spec) => Shard::parse(spec)
            .map(Some)
            .map_err(|e| AppError::Usage(format!("--shard {e}"))),
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    // First Ctrl-C: finish the replications in progress, keep them, stop.
    // Second: stop at once (finished replications are already on disk).
    let _ = ctrlc::set_handler(|| {
        if app::STOP.swap(true, std::sync::atomic::Ordering::Relaxed) {
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
            let shard = parse_shard(shard.as_deref(), quiet)?;
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
            let loaded = app::load_scenarios(&opts.scenarios)?;
            let bar = progress_bar(app::total_replications(&loaded, reps, shard), "replications", quiet);
            let tick = || bar.inc(1);
            let report = match (target_ci, metric) {
                (Some(w), Some(metric)) => {
                    bar.set_length(u64::from(max_reps) * loaded.len() as u64);
                    let target = app::Adaptive {
                        target_half_width: w,
                        metric,
                        max_reps,
                    };
                    app::run_adaptive(&opts, &loaded, &target, &tick)?
                }
                _ => app::run(&opts, &loaded, &tick)?,
            };
            bar.finish_and_clear();
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
                        shequ::files::study_files::sig(a.half_width),
                        if a.met {
                            "target met"
                        } else {
                            "target NOT met: --max-reps reached"
                        }
                    );
                }
                if !report.compare.is_empty() {
                    println!("{}", shequ::files::study_files::headline_table(&report.compare));
                }
                for f in &report.files {
                    eprintln!("wrote {}", f.display());
                }
            }
            Ok(())
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
            let exp = app::load_experiment(&experiment)?;
            let shard = parse_shard(shard.as_deref(), quiet)?;
            let bar = progress_bar(exp.design().points.len() as u64, "design points", quiet);
            let opts = app::SweepOptions {
                reps,
                seed,
                out,
                threads,
                command_line: std::env::args().collect(),
                shard,
            };
            let report = if merge.is_empty() {
                app::sweep(&exp, &opts, &|| bar.inc(1))?
            } else {
                app::sweep_merge(&exp, &merge, &opts)?
            };
            bar.finish_and_clear();
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
        Command::Merge { dirs, out, quiet } => {
            let report = app::merge(&dirs, &out, std::env::args().collect())?;
            if !quiet {
                if !report.compare.is_empty() {
                    println!("{}", shequ::files::study_files::headline_table(&report.compare));
                }
                for f in &report.files {
                    eprintln!("wrote {}", f.display());
                }
            }
            Ok(())
        }
        Command::Params { scenario, format } => {
            let rows = app::params(scenario.as_deref())?;
            print!(
                "{}",
                match format {
                    Format::Markdown => app::params_markdown(&rows),
                    Format::Csv => app::params_csv(&rows),
                }
            );
            Ok(())
        }
        Command::Diff { a, b } => {
            let rows = app::diff(&a, &b)?;
            if rows.is_empty() {
                println!("no differences");
            }
            for (key, x, y) in rows {
                println!("{key}: {x} -> {y}");
            }
            Ok(())
        }
        Command::Report { dir, scenarios } => {
            let path = app::report(&dir, scenarios)?;
            eprintln!("wrote {}", path.display());
            Ok(())
        }
        Command::Calibrate {
            scenario,
            reps,
            seed,
            threads,
            stream_mib,
            json,
        } => {
            let s = app::load_scenarios(std::slice::from_ref(&scenario))?.remove(0);
            let opts = shequ::study::roofline::Options {
                stream_bytes: stream_mib << 20,
                draws: 200_000_000,
                reps,
                seed,
                threads,
            };
            let c =
                shequ::study::roofline::calibrate(&s, &opts).map_err(|e| AppError::Usage(format!("--threads: {e}")))?;
            if json {
                println!(
                    "{}",
                    serde_json::to_string_pretty(&c).map_err(|e| AppError::Usage(e.to_string()))?
                );
            } else {
                print!("{}", shequ::study::roofline::markdown(&c));
            }
            Ok(())
        }
        Command::Metrics => {
            print!("{}", app::metrics_markdown());
            Ok(())
        }
        Command::Validate { scenarios } => {
            for s in app::load_scenarios(&scenarios)? {
                println!(
                    "{}: ok ({} jurisdictions, {} residents)",
                    s.path.display(),
                    s.jurisdictions.len(),
                    s.population()
                );
            }
            Ok(())
        }
    }
}
