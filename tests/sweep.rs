//! `shequ sweep`: experiment files, the four designs end to end on a tiny
//! scenario, thread-count independence, located errors, and the shipped
//! experiment files.

mod common;

use shequ::cli::{self, AppError};
use shequ::study::shard::Shard;
use std::path::Path;

/// A tiny experiment over the small test scenarios (1% of residents, 12 months).
fn experiment(dir: &Path, design: &str, factors: &str, two_scenarios: bool) -> std::path::PathBuf {
    let root = common::root();
    let scen = if two_scenarios {
        format!(
            "[\"{}\", \"{}\"]",
            root.join("tests/data/small.toml").display(),
            root.join("tests/data/small_stipends.toml").display()
        )
    } else {
        format!("[\"{}\"]", root.join("tests/data/small.toml").display())
    };
    let text = format!(
        "name = \"t\"\nscenarios = {scen}\npopulation_scale = 0.01\nmetrics = [\"satisfaction_mean\", \"cadre_turnover_rate\"]\n\n{design}\n{factors}"
    );
    common::write(dir, "exp.toml", &text)
}

const TWO_FACTORS: &str = "[[factors]]\npath = \"cadres.pay_elasticity\"\nmin = 0.5\nmax = 1.5\n\n[[factors]]\npath = \"labour.layoff_annual\"\nvalues = [0.02, 0.06]\n";

fn options(out: &Path, reps: u32, threads: usize, shard: Option<Shard>) -> cli::sweep::SweepOptions {
    cli::sweep::SweepOptions {
        reps,
        seed: 3,
        out: out.to_path_buf(),
        threads,
        command_line: vec![],
        shard,
        force: false,
        resume: false,
        parameters: None,
    }
}

fn sweep(path: &Path, out: &Path, reps: u32, threads: usize) -> Result<cli::sweep::SweepReport, AppError> {
    let exp = cli::sweep::load_experiment(path)?;
    cli::sweep::sweep(&exp, &options(out, reps, threads, None), &|| {})
}

fn read(p: &Path) -> String {
    std::fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

#[test]
fn grid_runs_every_point_with_paired_scenarios() {
    let dir = tempfile::tempdir().unwrap();
    let exp = experiment(dir.path(), "[design]\nkind = \"grid\"\nlevels = 3\n", TWO_FACTORS, true);
    let out = dir.path().join("out");
    let report = sweep(&exp, &out, 2, 2).unwrap();
    assert_eq!(report.manifest.as_ref().unwrap().points, 6);
    let design = read(&out.join("design.csv"));
    let lines: Vec<&str> = design.lines().collect();
    assert_eq!(
        lines[0],
        "point,block,index,factor,cadres.pay_elasticity,labour.layoff_annual"
    );
    assert_eq!(lines.len(), 7);
    assert_eq!(lines[1], "0,grid,,,0.5,0.02");
    assert_eq!(lines[6], "5,grid,,,1.5,0.06");
    // 6 points × 2 scenarios × 2 replications.
    assert_eq!(read(&out.join("runs.csv")).lines().count(), 1 + 24);
    let summary = read(&out.join("summary.csv"));
    let stip: Vec<&str> = summary
        .lines()
        .filter(|l| l.contains(",small_stipends,cadre_turnover_rate,"))
        .collect();
    assert_eq!(stip.len(), 6);
    assert!(
        stip.iter().all(|l| !l.ends_with(",,")),
        "paired differences are filled in"
    );
    assert!(
        !out.join("sensitivity.csv").exists(),
        "a grid has no sensitivity indices"
    );
}

#[test]
fn sobol_and_morris_write_sensitivity_without_nan_for_any_thread_count() {
    for design in [
        "[design]\nkind = \"sobol\"\nn = 4\nbootstrap = 50\n",
        "[design]\nkind = \"morris\"\ntrajectories = 3\nlevels = 4\nbootstrap = 50\n",
    ] {
        let dir = tempfile::tempdir().unwrap();
        let exp = experiment(dir.path(), design, TWO_FACTORS, true);
        let (a, b) = (dir.path().join("a"), dir.path().join("b"));
        sweep(&exp, &a, 2, 1).unwrap();
        sweep(&exp, &b, 2, 2).unwrap();
        for f in ["design.csv", "runs.csv", "summary.csv", "sensitivity.csv"] {
            assert_eq!(
                read(&a.join(f)),
                read(&b.join(f)),
                "{f} differs between 1 and 2 threads"
            );
        }
        let sens = read(&a.join("sensitivity.csv"));
        // 3 targets (2 scenarios + 1 effect) × 2 metrics × 2 factors.
        assert_eq!(sens.lines().count(), 1 + 12, "{sens}");
        assert!(sens.contains("small_stipends - small"));
        assert!(!sens.to_lowercase().contains("nan"), "{sens}");
        // Only the columns of the design's method, then n and note; no empty
        // index cell (these outputs vary, so no row is near-constant).
        let header = sens.lines().next().unwrap();
        let expected = if design.contains("sobol") {
            "method,target,metric,factor,first_order,first_order_ci95_low,first_order_ci95_high,total_order,total_order_ci95_low,total_order_ci95_high,n,note"
        } else {
            "method,target,metric,factor,mu,mu_star,mu_star_ci95_low,mu_star_ci95_high,sigma,n,note"
        };
        assert_eq!(header, expected);
        assert!(
            sens.lines()
                .all(|l| !l.contains(",,") && l.matches(',').count() == header.matches(',').count()),
            "{sens}"
        );
    }
}

#[test]
fn lhs_points_are_stratified_in_design_csv() {
    let dir = tempfile::tempdir().unwrap();
    let exp = experiment(dir.path(), "[design]\nkind = \"lhs\"\nn = 5\n", TWO_FACTORS, false);
    let out = dir.path().join("out");
    sweep(&exp, &out, 1, 2).unwrap();
    let mut strata: Vec<usize> = read(&out.join("design.csv"))
        .lines()
        .skip(1)
        .map(|l| {
            let v: f64 = l.split(',').nth(4).unwrap().parse().unwrap();
            ((v - 0.5) / 1.0 * 5.0).floor() as usize
        })
        .collect();
    strata.sort_unstable();
    assert_eq!(strata, vec![0, 1, 2, 3, 4]);
}

fn input_error(text_factors: &str, design: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    let exp = experiment(dir.path(), design, text_factors, false);
    match cli::sweep::load_experiment(&exp) {
        Err(AppError::Input(e)) => {
            assert_eq!(e.file, exp, "the error names the experiment file");
            e.to_string()
        }
        Err(e) => panic!("expected an input error, got {e}"),
        Ok(_) => panic!("expected an error"),
    }
}

#[test]
fn bad_experiments_are_located() {
    let grid = "[design]\nkind = \"grid\"\nlevels = 2\n";
    let e = input_error("[[factors]]\npath = \"labour.no_such\"\nmin = 0\nmax = 1\n", grid);
    assert!(
        e.contains("no parameter `labour.no_such`") && e.contains("factors[0]"),
        "{e}"
    );
    let e = input_error(TWO_FACTORS.replace("max = 1.5", "max = 9").as_str(), grid);
    assert!(
        e.contains("valid range") && e.contains("[0, 5]") && e.contains(":10:"),
        "{e}"
    );
    let e = input_error(
        "[[factors]]\npath = \"world.committee_size_spread\"\nmin = 0\nmax = 0.5\n",
        grid,
    );
    assert!(e.contains("structure"), "{e}");
    let e = input_error(
        TWO_FACTORS,
        "[design]\nkind = \"morris\"\ntrajectories = 4\nlevels = 3\n",
    );
    assert!(e.contains("even"), "{e}");
    let e = input_error(TWO_FACTORS, "[design]\nkind = \"sobol\"\n");
    assert!(e.contains("`n` is required"), "{e}");
    let e = input_error(TWO_FACTORS, "[design]\nkind = \"latin\"\n");
    assert!(e.contains("unknown variant") && e.contains(":7:"), "{e}");
    let e = input_error(
        "[[factors]]\npath = \"cadres.pay_elasticity\"\ndistribution = \"cauchy\"\nmin = 0\nmax = 1\n",
        grid,
    );
    assert!(e.contains("unknown distribution `cauchy`"), "{e}");
}

#[test]
fn shipped_experiments_load() {
    let dir = common::root().join("scenarios/experiments");
    let mut kinds = Vec::new();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let p = entry.unwrap().path();
        if p.extension().is_some_and(|e| e == "toml") {
            let e = cli::sweep::load_experiment(&p).unwrap_or_else(|e| panic!("{e}"));
            assert!(!e.design().points.is_empty());
            kinds.push(e.plan.kind.name());
            if e.name == "baseline_sobol" {
                assert!(e.factors.len() >= 6);
            }
        }
    }
    kinds.sort_unstable();
    kinds.dedup();
    assert_eq!(kinds, ["grid", "lhs", "morris", "sobol"]);
}

#[test]
fn shards_merge_into_the_files_of_a_single_sweep() {
    let dir = tempfile::tempdir().unwrap();
    let path = experiment(
        dir.path(),
        "[design]\nkind = \"sobol\"\nn = 4\nbootstrap = 50\n",
        TWO_FACTORS,
        true,
    );
    let exp = cli::sweep::load_experiment(&path).unwrap();
    let whole = dir.path().join("whole");
    cli::sweep::sweep(&exp, &options(&whole, 2, 2, None), &|| {}).unwrap();
    let shard_dirs: Vec<_> = (1..=3).map(|i| dir.path().join(format!("shard{i}"))).collect();
    for (i, d) in shard_dirs.iter().enumerate() {
        let sh = Shard::parse(&format!("{}/3", i + 1)).unwrap();
        let r = cli::sweep::sweep(&exp, &options(d, 2, 1, Some(sh)), &|| {}).unwrap();
        assert!(r.manifest.is_none());
    }
    let merged = dir.path().join("merged");
    cli::sweep::sweep_merge(&exp, &shard_dirs, &options(&merged, 2, 1, None)).unwrap();
    for f in ["design.csv", "runs.csv", "summary.csv", "sensitivity.csv"] {
        assert_eq!(read(&whole.join(f)), read(&merged.join(f)), "{f}");
    }
    // A missing shard, a repeated one, or another seed is refused.
    let e = cli::sweep::sweep_merge(&exp, &shard_dirs[..2], &options(&merged, 2, 1, None)).unwrap_err();
    assert!(e.to_string().contains("in none of the shards"), "{e}");
    let twice = [
        shard_dirs[0].clone(),
        shard_dirs[0].clone(),
        shard_dirs[1].clone(),
        shard_dirs[2].clone(),
    ];
    let e = cli::sweep::sweep_merge(&exp, &twice, &options(&merged, 2, 1, None)).unwrap_err();
    assert!(e.to_string().contains("more than one shard"), "{e}");
    let mut other = options(&merged, 2, 1, None);
    other.seed = 4;
    let e = cli::sweep::sweep_merge(&exp, &shard_dirs, &other).unwrap_err();
    assert!(e.to_string().contains("--seed"), "{e}");
}

#[test]
fn a_sweep_too_big_for_memory_is_refused_before_it_starts() {
    let dir = tempfile::tempdir().unwrap();
    let huge = common::write(
        dir.path(),
        "huge.toml",
        &format!(
            "extends = \"{}\"\nname = \"huge\"\n[generator]\npersons = 4e9\n",
            common::root().join("scenarios/national.toml").display()
        ),
    );
    let exp = common::write(
        dir.path(),
        "exp.toml",
        &format!(
            "scenarios = [\"{}\"]\n[design]\nkind = \"lhs\"\nn = 2\n{TWO_FACTORS}",
            huge.display()
        ),
    );
    let out = dir.path().join("out");
    let e = sweep(&exp, &out, 1, 2).unwrap_err();
    assert!(
        matches!(e, AppError::Usage(_)) && e.to_string().contains("GiB of memory"),
        "{e}"
    );
    assert!(!out.join("runs.csv").exists());
}
