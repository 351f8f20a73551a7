//! `shequ fit` end to end on a tiny scenario (2% of residents, one year):
//! located errors in fit files; the statistics equal what a run reports;
//! synthetic-truth recovery (targets simulated at chosen parameter values,
//! fitted from wide priors: the 90% credible intervals hold the truth);
//! byte-identical posteriors for 1 and 2 threads, for a sharded fit merged
//! round by round, and after a pause, a kill mid-batch and --resume.
//! The engine's closed-form tests are its unit tests
//! (`src/experiment/fit/tests/`); the efficiency comparison with rejection
//! ABC is `smc_against_rejection_on_synthetic_truth` (ignored: run it with
//! `cargo test --release --test fit -- --ignored --nocapture`).

mod common;

use shequ::cli::fit::{self as fit_cli, FitOptions};
use shequ::cli::AppError;
use shequ::experiment::fit::rejection::{rejection_abc, RejectionConfig};
use shequ::experiment::fit::simulator;
use shequ::experiment::fit::smc::{Smc, StopReason};
use shequ::experiment::fit::spec::Statistic;
use shequ::files::fit_file;
use shequ::model::metrics::METRICS;
use shequ::study::runner;
use shequ::study::shard::Shard;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

fn scenario() -> String {
    common::root().join("tests/data/fit_small.toml").display().to_string()
}

/// The truth of the synthetic-truth problem: task rate and local cadres'
/// quit rate (defaults 2.6 and 0.07).
const TRUTH: [f64; 2] = [3.6, 0.12];
const PATHS: [&str; 2] = ["tasks.tasks_per_department_per_10k_month", "cadres.quit_annual_local"];

/// A fit file on the tiny scenario with wide uniform priors on PATHS and
/// point targets on the admin share and the turnover.
fn synthetic_text(observed: [f64; 2], algorithm: &str) -> String {
    format!(
        r#"name = "synthetic"
scenario = "{}"

[algorithm]
{algorithm}

[[priors]]
path = "{}"
min = 0.5
max = 6.0

[[priors]]
path = "{}"
min = 0.01
max = 0.25

[[targets]]
metric = "committee_admin_share"
observed = {}
tolerance = 0.02
source = "simulated at the truth"
provenance = "synthetic"

[[targets]]
metric = "cadre_turnover_rate"
observed = {}
tolerance = 0.02
source = "simulated at the truth"
provenance = "synthetic"
"#,
        scenario(),
        PATHS[0],
        PATHS[1],
        observed[0],
        observed[1]
    )
}

/// The observed facts: the targets' statistics at TRUTH, averaged over 4
/// replications (seed 2024) so that one unlucky draw does not decide.
fn synthetic_observed(dir: &Path) -> [f64; 2] {
    let p = common::write(dir, "probe.toml", &synthetic_text([0.6, 0.2], "replications = 4"));
    let fit = fit_file::load(&p).unwrap_or_else(|e| panic!("{e}"));
    let s = simulator::simulate(&fit, &TRUTH, 2024).expect("the truth simulates");
    [s[0], s[1]]
}

fn synthetic_fit(dir: &Path, algorithm: &str) -> PathBuf {
    let observed = synthetic_observed(dir);
    common::write(dir, "synthetic.toml", &synthetic_text(observed, algorithm))
}

fn opts(fit: &Path, out: &Path, threads: usize) -> FitOptions {
    FitOptions {
        threads,
        ..FitOptions::new(fit, out)
    }
}

/// The files that must not depend on threads, shards or resumes, with
/// generations.csv's wall_seconds column cut off.
fn outputs(dir: &Path) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = ["posterior.csv", "predictive.csv", "predictive_draws.csv", "fit.html"]
        .iter()
        .map(|f| {
            let text = std::fs::read_to_string(dir.join(f)).unwrap_or_else(|e| panic!("{f}: {e}"));
            (f.to_string(), text)
        })
        .collect();
    let gens = std::fs::read_to_string(dir.join("generations.csv")).expect("generations.csv");
    let cut: Vec<&str> = gens.lines().map(|l| l.rsplit_once(',').map_or(l, |(a, _)| a)).collect();
    v.push(("generations.csv".into(), cut.join("\n")));
    v
}

fn assert_same(a: &Path, b: &Path, what: &str) {
    for ((f, x), (_, y)) in outputs(a).iter().zip(outputs(b)) {
        assert!(*x == y, "{what}: {f} differs");
    }
}

fn load_err(text: &str) -> shequ::files::error::InputError {
    let dir = tempfile::tempdir().unwrap();
    let p = common::write(dir.path(), "bad.toml", text);
    fit_file::load(&p).expect_err("must be rejected")
}

/// A valid fit file with `from` replaced by `to`.
fn variant(from: &str, to: &str) -> String {
    let text = std::fs::read_to_string(common::root().join("tests/data/fit.toml")).unwrap();
    assert!(text.contains(from), "{from}");
    text.replace("\"fit_small.toml\"", &format!("\"{}\"", scenario()))
        .replacen(from, to, 1)
}

#[test]
fn bad_fit_files_give_located_errors() {
    let cases: [(&str, &str, usize, &str, &str); 9] = [
        ("alpha = 0.5", "alpha = 1.5", 10, "algorithm.alpha", "(0, 1)"),
        ("alpha = 0.5", "alfa = 0.5", 10, "algorithm.alfa", "unknown field"),
        (
            "path = \"cadres.quit_annual_local\"",
            "path = \"cadres.quit_anual_local\"",
            25,
            "priors[1].path (cadres.quit_anual_local)",
            "no parameter",
        ),
        (
            "max = 6.0",
            "max = 60000.0",
            22,
            "priors[0].max",
            "valid range [0, 10000]",
        ),
        ("mode = 0.07", "mode = 0.5", 24, "priors[1]", "min ≤ mode ≤ max"),
        (
            "metric = \"cadre_turnover_rate\"",
            "metric = \"cadre_turnover\"",
            40,
            "targets[1].metric",
            "unknown metric",
        ),
        ("tolerance = 0.02", "", 32, "targets[0].tolerance", "needs `tolerance`"),
        (
            "provenance = \"synthetic\"",
            "provenance = \"rumour\"",
            36,
            "targets[0].provenance",
            "must be one of",
        ),
        (
            "observed = 0.65",
            "statistic = \"value_at\"\nmonth = 13\nobserved = 0.65",
            35,
            "targets[0].month",
            "[1, 12]",
        ),
    ];
    for (from, to, line, key, msg) in cases {
        let e = load_err(&variant(from, to));
        let text = e.to_string();
        assert!(e.key.as_deref().is_some_and(|k| k.starts_with(key)), "{to}: {text}");
        assert!(text.contains(msg), "{to}: {text}");
        assert!(
            e.line.is_some_and(|l| l.abs_diff(line) <= 1),
            "{to}: line {:?}, want {line}: {text}",
            e.line
        );
        assert!(text.contains("bad.toml:"), "{text}");
    }
    let e = load_err(&variant(
        "path = \"cadres.quit_annual_local\"",
        "path = \"simulation.months\"",
    ));
    assert!(e.to_string().contains("cannot be fitted"), "{e}");
    let e = load_err(&variant("[[priors]]", "[[priors]]\nname = \"tasks\""));
    assert!(e.to_string().contains("remove `name`"), "{e}");

    // The command line: exit code 3 with the location; validate knows fit files.
    let dir = tempfile::tempdir().unwrap();
    let bad = common::write(dir.path(), "bad.toml", &variant("alpha = 0.5", "alpha = 1.5"));
    let out = Command::new(env!("CARGO_BIN_EXE_shequ"))
        .args(["fit", bad.to_str().unwrap(), "--out"])
        .arg(dir.path().join("out"))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{stderr}");
    assert!(
        stderr.contains("bad.toml:10:") && stderr.contains("algorithm.alpha"),
        "{stderr}"
    );
    let out = Command::new(env!("CARGO_BIN_EXE_shequ"))
        .arg("validate")
        .arg(common::root().join("tests/data/fit.toml"))
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success() && stdout.contains("fit `fit_small`"), "{stdout}");
    let out = Command::new(env!("CARGO_BIN_EXE_shequ"))
        .arg("validate")
        .arg(&bad)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
}

/// window_mean over the outcome window is the runs.csv value, value_at the
/// month's value, trend_per_year 12 × the OLS slope of the monthly values:
/// bit for bit what `runner::replicate` gives for the same seed.
#[test]
fn statistics_are_the_run_outputs() {
    let dir = tempfile::tempdir().unwrap();
    let text = variant(
        "[[targets]]\nmetric = \"committee_admin_share\"",
        "[[targets]]\nmetric = \"tax_revenue\"\nname = \"tax_trend\"\nstatistic = \"trend_per_year\"\nmonths = [2, 11]\nobserved = 0.0\ntolerance = 1.0\nsource = \"x\"\nprovenance = \"report\"\n\n[[targets]]\nmetric = \"elderly_share\"\nstatistic = \"value_at\"\nmonth = 3\nobserved = 0.135\ntolerance = 0.01\nsource = \"x\"\nprovenance = \"report\"\n\n[[targets]]\nmetric = \"committee_admin_share\"",
    );
    let p = common::write(dir.path(), "stats.toml", &text);
    let fit = fit_file::load(&p).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(fit.targets[0].statistic, Statistic::TrendPerYear { from: 2, to: 11 });
    assert_eq!(fit.targets[1].statistic, Statistic::ValueAt { month: 3 });
    assert_eq!(fit.targets[2].statistic, Statistic::WindowMean { from: 7, to: 12 });
    let defaults = [
        fit.scenario.params.tasks.tasks_per_department_per_10k_month,
        fit.scenario.params.cadres.quit_annual_local,
    ];
    let s = simulator::simulate(&fit, &defaults, 99).expect("simulates");
    let rep = runner::replicate(&fit.scenario, 99, 0);
    let m = |name: &str| METRICS.iter().position(|d| d.name == name).unwrap();
    assert_eq!(s[2].to_bits(), rep.values[m("committee_admin_share")].to_bits());
    assert_eq!(s[3].to_bits(), rep.values[m("cadre_turnover_rate")].to_bits());
    assert_eq!(s[1].to_bits(), rep.monthly[2][m("elderly_share")].to_bits());
    let y: Vec<f64> = rep.monthly[1..11].iter().map(|v| v[m("tax_revenue")]).collect();
    let n = y.len() as f64;
    let (xb, yb) = ((n - 1.0) / 2.0, y.iter().sum::<f64>() / n);
    let slope: f64 = y
        .iter()
        .enumerate()
        .map(|(i, v)| (i as f64 - xb) * (v - yb))
        .sum::<f64>()
        / (0..y.len()).map(|i| (i as f64 - xb).powi(2)).sum::<f64>();
    assert!(
        (s[0] - 12.0 * slope).abs() <= 1e-9 * slope.abs(),
        "{} vs {}",
        s[0],
        12.0 * slope
    );
    assert!(s[0] > 0.0, "street revenue grows with finance.growth_annual");
    // A parameter outside its range is a failed simulation, not a panic.
    assert!(simulator::simulate(&fit, &[-1.0, 0.07], 1).is_err());
}

/// Targets simulated at TRUTH, fitted from priors 4–10 times wider than the
/// posterior: each 90% credible interval holds the true value and is much
/// narrower than the prior's.
#[test]
fn synthetic_truth_is_recovered() {
    let dir = tempfile::tempdir().unwrap();
    let fit = synthetic_fit(
        dir.path(),
        "particles = 80\nalpha = 0.3\ntarget_epsilon = 1.0\nmin_acceptance = 0.03\nmax_generations = 10\nseed = 11\nmin_batch = 32\npredictive_draws = 20",
    );
    let out = dir.path().join("out");
    let r = fit_cli::run(&opts(&fit, &out, 2)).unwrap_or_else(|e| panic!("{e}"));
    for g in &r.generations {
        println!(
            "gen {} eps {:.3} simulated {} acceptance {:.3} ess {:.1}",
            g.generation, g.epsilon, g.simulated, g.acceptance_rate, g.ess
        );
    }
    let widths = [5.5 * 0.9, 0.24 * 0.9];
    for ((p, truth), prior_width) in r.posterior.iter().zip(TRUTH).zip(widths) {
        println!(
            "{}: truth {truth}, median {:.4}, 90% [{:.4}, {:.4}]",
            p.path, p.median, p.q05, p.q95
        );
        assert!(
            p.q05 <= truth && truth <= p.q95,
            "{}: truth {truth} outside [{}, {}]",
            p.path,
            p.q05,
            p.q95
        );
        assert!(
            p.q95 - p.q05 < 0.5 * prior_width,
            "{}: the posterior [{}, {}] is hardly narrower than the prior",
            p.path,
            p.q05,
            p.q95
        );
    }
    assert_eq!(r.stop, Some(StopReason::TargetReached), "{} simulations", r.simulations);
    let pred = std::fs::read_to_string(out.join("predictive.csv")).unwrap();
    assert!(pred.lines().skip(1).all(|l| l.ends_with(",true")), "{pred}");
    let manifest = std::fs::read_to_string(out.join("manifest.json")).unwrap();
    assert!(manifest.contains("\"kind\": \"fit\"") && manifest.contains("target_reached"));
    assert_documented(&out);
}

/// Every column of the fit's CSVs and every manifest key is in docs/outputs.md.
fn assert_documented(out: &Path) {
    let doc = std::fs::read_to_string(common::root().join("docs/outputs.md")).unwrap();
    let section = |header: &str| -> String {
        let start = doc
            .find(header)
            .unwrap_or_else(|| panic!("docs/outputs.md lacks {header}"));
        let rest = &doc[start + header.len()..];
        rest[..rest.find("\n#").unwrap_or(rest.len())].to_string()
    };
    let generic = |col: &str| {
        PATHS.contains(&col)
            || col.starts_with("d_")
            || col.starts_with("committee_admin")
            || col.starts_with("cadre_turnover")
    };
    for file in [
        "posterior.csv",
        "generations.csv",
        "predictive.csv",
        "predictive_draws.csv",
    ] {
        let sec = section(&format!("### fit `{file}`"));
        let text = std::fs::read_to_string(out.join(file)).unwrap();
        for col in text.lines().next().unwrap().split(',') {
            assert!(
                generic(col) || sec.contains(&format!("`{col}`")),
                "{file}: column `{col}` is not documented"
            );
        }
    }
    let sec = section("### fit `manifest.json`");
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("manifest.json")).unwrap()).unwrap();
    for key in manifest.as_object().unwrap().keys() {
        assert!(
            sec.contains(&format!("`{key}`")),
            "manifest key `{key}` is not documented"
        );
    }
}

/// The small test fit (tests/data/fit.toml) with the scenario path made absolute.
fn small_fit(dir: &Path) -> PathBuf {
    common::write(dir, "fit.toml", &variant("max_generations = 4", "max_generations = 4"))
}

#[test]
fn same_posterior_for_1_and_2_threads_shards_and_resume() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let fit = small_fit(d);
    let one = d.join("one");
    let two = d.join("two");
    fit_cli::run(&opts(&fit, &one, 1)).unwrap_or_else(|e| panic!("{e}"));
    fit_cli::run(&opts(&fit, &two, 2)).unwrap_or_else(|e| panic!("{e}"));
    assert_same(&one, &two, "1 vs 2 threads");

    // Checkpoint after every result (mid-batch states), pause after 2 generations, resume.
    let paused = d.join("paused");
    let o = FitOptions {
        pause_after_generations: Some(2),
        checkpoint_every: Duration::ZERO,
        ..opts(&fit, &paused, 2)
    };
    assert!(matches!(fit_cli::run(&o), Err(AppError::Interrupted(_))));
    assert!(!paused.join("posterior.csv").exists());
    let again = fit_cli::run(&opts(&fit, &paused, 1));
    assert!(
        matches!(again, Err(AppError::Usage(ref m)) if m.contains("--resume")),
        "a fit in progress is not overwritten"
    );
    fit_cli::run(&FitOptions {
        resume: true,
        ..opts(&fit, &paused, 1)
    })
    .unwrap_or_else(|e| panic!("{e}"));
    assert_same(&one, &paused, "paused and resumed");

    // Three shards per round, merged, until the fit finishes.
    let sharded = d.join("sharded");
    let mut rounds = 0;
    loop {
        let mut dirs = Vec::new();
        for i in [3, 1, 2] {
            let s = FitOptions {
                shard: Some(Shard { index: i, count: 3 }),
                ..opts(&fit, &sharded, 1)
            };
            fit_cli::run(&s).unwrap_or_else(|e| panic!("{e}"));
            dirs.push(sharded.join("shards").join(i.to_string()));
        }
        rounds += 1;
        if rounds == 2 {
            // A shard missing, or a stale one, is refused and changes nothing.
            let e = fit_cli::merge(&dirs[..2], &sharded, 1, true, vec![]).expect_err("incomplete");
            assert!(e.to_string().contains("missing"), "{e}");
        }
        let r = fit_cli::merge(&dirs, &sharded, 2, true, vec![]).unwrap_or_else(|e| panic!("{e}"));
        if r.stop.is_some() {
            break;
        }
        if rounds == 1 {
            let e = fit_cli::merge(&dirs, &sharded, 1, true, vec![]).expect_err("stale");
            assert!(e.to_string().contains("run that shard again"), "{e}");
        }
        assert!(rounds < 50, "the sharded fit does not finish");
    }
    assert!(rounds >= 4, "{rounds} rounds");
    assert_same(&one, &sharded, "3 shards merged");

    // A changed fit file is not resumed.
    let text = std::fs::read_to_string(&fit).unwrap().replace("seed = 7", "seed = 8");
    std::fs::write(&fit, text).unwrap();
    let e = fit_cli::run(&FitOptions {
        resume: true,
        ..opts(&fit, &one, 1)
    })
    .expect_err("another fit");
    assert!(e.to_string().contains("not this fit"), "{e}");
}

/// The binary killed (SIGKILL) after its first mid-batch checkpoint, then
/// `--resume`: the same bytes as an uninterrupted fit.
#[test]
fn killed_and_resumed_fit_is_identical() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let fit = synthetic_fit(
        d,
        "particles = 40\nalpha = 0.3\ntarget_epsilon = 0.5\nmax_generations = 4\nseed = 3\nmin_batch = 16\npredictive_draws = 8",
    );
    let bin = env!("CARGO_BIN_EXE_shequ");
    let whole = d.join("whole");
    let st = Command::new(bin)
        .arg("fit")
        .arg(&fit)
        .arg("--out")
        .arg(&whole)
        .args(["--threads", "2", "--quiet"])
        .status()
        .unwrap();
    assert!(st.success());
    let killed = d.join("killed");
    let mut child = Command::new(bin)
        .arg("fit")
        .arg(&fit)
        .arg("--out")
        .arg(&killed)
        .args(["--threads", "1", "--quiet", "--checkpoint-seconds", "0"])
        .spawn()
        .unwrap();
    let cp = killed.join("checkpoint.json");
    let t0 = std::time::Instant::now();
    while !cp.exists() && t0.elapsed() < Duration::from_secs(60) {
        std::thread::sleep(Duration::from_millis(5));
    }
    std::thread::sleep(Duration::from_millis(300));
    child.kill().unwrap();
    child.wait().unwrap();
    let died_early = !killed.join("manifest.json").exists();
    let st = Command::new(bin)
        .arg("fit")
        .arg(&fit)
        .arg("--out")
        .arg(&killed)
        .args(["--threads", "2", "--quiet", "--resume"])
        .status()
        .unwrap();
    assert!(st.success());
    assert!(died_early, "the fit finished before it was killed: make it longer");
    assert_same(&whole, &killed, "killed and resumed");
}

/// ABC-SMC against plain rejection ABC on the synthetic-truth problem:
/// simulations to reach each tolerance ε with N = 100 particles (rejection
/// is credited only with the simulations up to its N-th acceptance).
#[test]
#[ignore]
fn smc_against_rejection_on_synthetic_truth() {
    let dir = tempfile::tempdir().unwrap();
    let p = synthetic_fit(dir.path(), "particles = 100\nseed = 5");
    let fit = fit_file::load(&p).unwrap_or_else(|e| panic!("{e}"));
    let sim = |t: &[f64], s: u64| simulator::simulate(&fit, t, s);
    for eps in [2.0, 1.0, 0.6] {
        let mut config = fit.algorithm.smc.clone();
        config.target_epsilon = eps;
        config.min_acceptance_rate = 0.0;
        config.max_generations = 30;
        let t0 = std::time::Instant::now();
        let mut smc = Smc::new(config, fit.prior().unwrap(), fit.engine_targets().unwrap()).unwrap();
        let r = smc.run(sim, 0).unwrap();
        let smc_time = t0.elapsed().as_secs_f64();
        let rc = RejectionConfig {
            seed: 5,
            particles: 100,
            epsilon: eps,
            max_simulations: 200_000,
            ..RejectionConfig::default()
        };
        let t0 = std::time::Instant::now();
        let rej = rejection_abc(&rc, &fit.prior().unwrap(), &fit.engine_targets().unwrap(), sim, 0).unwrap();
        println!(
            "eps {eps}: ABC-SMC {} simulations in {} generations ({smc_time:.1} s, stop {:?}); rejection {:?} needed ({} simulated, {:.1} s)",
            r.simulations,
            r.generations.len(),
            r.stop,
            rej.needed,
            rej.simulated,
            t0.elapsed().as_secs_f64()
        );
        for (i, path) in PATHS.iter().enumerate() {
            println!(
                "  {path}: SMC 90% {:?}, rejection 90% {:?}",
                r.population.credible_interval(i, 0.9),
                rej.population.credible_interval(i, 0.9)
            );
        }
    }
}
