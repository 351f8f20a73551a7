//! Decision statistics end to end, checked against computations redone here
//! from the files a run writes: Holm and BH over compare.csv's p-values,
//! the paired t test, the frontier, CEAC and EVPI from costs.csv and
//! runs.csv; probabilistic runs (their draws shared by every scenario,
//! wider intervals where a drawn parameter drives a metric, the same bytes
//! with 1 and 2 threads, in shards and after a resume); bad parameter files
//! as located errors with exit code 3.

mod common;

use shequ::cli;
use shequ::cli::run::RunOptions;
use shequ::study::shard::Shard;
use statrs::distribution::{ContinuousCDF, StudentsT};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

type Row = HashMap<String, String>;

fn read_csv(p: &Path) -> Vec<Row> {
    let mut r = csv::Reader::from_path(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
    let header: Vec<String> = r.headers().unwrap().iter().map(str::to_string).collect();
    r.records()
        .map(|rec| {
            let rec = rec.unwrap();
            header.iter().cloned().zip(rec.iter().map(str::to_string)).collect()
        })
        .collect()
}

fn f(row: &Row, k: &str) -> f64 {
    row[k]
        .parse()
        .unwrap_or_else(|_| panic!("{k} = `{}` in {row:?}", row[k]))
}

fn opt(row: &Row, k: &str) -> Option<f64> {
    row.get(k).and_then(|v| v.parse().ok())
}

fn close(a: f64, b: f64, rel: f64) -> bool {
    (a - b).abs() <= rel * a.abs().max(b.abs()).max(1e-300)
}

/// A scenario file extending the small test district with a reform.
fn small_with(dir: &Path, name: &str, reform: &str) -> PathBuf {
    let root = common::root();
    common::write(
        dir,
        &format!("{name}.toml"),
        &format!(
            "extends = [\"{}\", \"{}\"]\nname = \"{name}\"\n\n[simulation]\npopulation_scale = 0.05\nmonths = 24\noutcome_window_months = 12\n",
            root.join("tests/data/small.toml").display(),
            root.join(format!("scenarios/reforms/{reform}.toml")).display()
        ),
    )
}

fn three(dir: &Path) -> Vec<PathBuf> {
    vec![
        common::root().join("tests/data/small.toml"),
        common::root().join("tests/data/small_stipends.toml"),
        small_with(dir, "small_office", "office_standard"),
    ]
}

fn options(scenarios: &[PathBuf], reps: u32, out: &Path, threads: usize) -> RunOptions {
    RunOptions {
        scenarios: scenarios.to_vec(),
        ..common::options(&[], reps, 5, out, threads)
    }
}

fn run(o: &RunOptions) -> cli::run::RunReport {
    let loaded = cli::load_scenarios(&o.scenarios).unwrap();
    cli::run::run(o, &loaded, &|| {}).unwrap_or_else(|e| panic!("{e}"))
}

/// Holm and BH by their textbook definitions (R p.adjust).
fn holm_bh(p: &[f64]) -> (Vec<f64>, Vec<f64>) {
    let m = p.len();
    let mut order: Vec<usize> = (0..m).collect();
    order.sort_by(|&a, &b| p[a].total_cmp(&p[b]));
    let mut holm = vec![0.0; m];
    let mut run = 0.0_f64;
    for (i, &k) in order.iter().enumerate() {
        run = run.max(((m - i) as f64 * p[k]).min(1.0));
        holm[k] = run;
    }
    let mut bh = vec![0.0; m];
    let mut run = 1.0_f64;
    for (i, &k) in order.iter().enumerate().rev() {
        run = run.min((m as f64 * p[k] / (i + 1) as f64).min(1.0));
        bh[k] = run;
    }
    (holm, bh)
}

#[test]
fn compare_p_values_and_their_adjustments_recompute() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    run(&options(&three(dir.path()), 8, &out, 2));
    let runs = read_csv(&out.join("runs.csv"));
    for file in ["compare.csv", "compare_by_group.csv"] {
        let rows = read_csv(&out.join(file));
        // The family: every row of the file with a defined p_value.
        let fam: Vec<&Row> = rows.iter().filter(|r| !r["p_value"].is_empty()).collect();
        assert!(fam.len() > 100, "{file}: {}", fam.len());
        let p: Vec<f64> = fam.iter().map(|r| f(r, "p_value")).collect();
        let (holm, bh) = holm_bh(&p);
        for (i, r) in fam.iter().enumerate() {
            assert!(
                close(f(r, "p_holm"), holm[i], 1e-12),
                "{file} holm {r:?} vs {}",
                holm[i]
            );
            assert!(close(f(r, "q_bh"), bh[i], 1e-12), "{file} bh {r:?} vs {}", bh[i]);
            assert!(f(r, "p_holm") >= f(r, "p_value") && f(r, "q_bh") >= f(r, "p_value"));
        }
        for r in rows.iter().filter(|r| r["p_value"].is_empty()) {
            assert!(r["p_holm"].is_empty() && r["q_bh"].is_empty(), "{r:?}");
        }
    }
    // The paired t test of a few district rows, from runs.csv.
    let rows = read_csv(&out.join("compare.csv"));
    let value = |s: &str, metric: &str| -> Vec<f64> {
        runs.iter()
            .filter(|r| r["scenario"] == s)
            .map(|r| f(r, metric))
            .collect()
    };
    let mut checked = 0;
    for r in rows.iter().filter(|r| r["note"].is_empty()) {
        let (b, x) = (value(&r["baseline"], &r["metric"]), value(&r["scenario"], &r["metric"]));
        let d: Vec<f64> = b.iter().zip(&x).map(|(b, x)| x - b).collect();
        let n = d.len() as f64;
        let m = d.iter().sum::<f64>() / n;
        let sd = (d.iter().map(|v| (v - m).powi(2)).sum::<f64>() / (n - 1.0)).sqrt();
        let t = m / (sd / n.sqrt());
        let p = 2.0 * StudentsT::new(0.0, 1.0, n - 1.0).unwrap().sf(t.abs());
        assert!(close(f(r, "p_value"), p, 1e-9), "{r:?}: {p}");
        // ties are neither better nor worse, and the three shares add up
        let tied = d.iter().filter(|v| **v == 0.0).count() as f64 / n;
        assert!(close(f(r, "share_tied") + 1.0, tied + 1.0, 1e-15));
        if r["direction"] != "neutral" {
            assert!(close(
                f(r, "share_better") + f(r, "share_worse") + f(r, "share_tied"),
                1.0,
                1e-12
            ));
        }
        checked += 1;
    }
    assert!(checked > 50, "{checked}");
}

#[test]
fn intervals_of_shares_stay_in_their_bounds() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    run(&options(&three(dir.path())[..2], 5, &out, 2));
    let share = |metric: &str| {
        shequ::model::metrics::METRICS
            .iter()
            .find(|m| m.name == metric)
            .is_some_and(|m| m.is_share())
    };
    let mut n = 0;
    for r in read_csv(&out.join("summary.csv"))
        .iter()
        .filter(|r| share(&r["metric"]))
    {
        for k in ["ci95_low", "ci95_high", "mean"] {
            let v = f(r, k);
            assert!((0.0..=1.0).contains(&v), "summary {k} {r:?}");
        }
        n += 1;
    }
    for file in ["compare.csv", "compare_by_group.csv", "pairwise.csv"] {
        for r in read_csv(&out.join(file)).iter().filter(|r| share(&r["metric"])) {
            for k in ["ci95_low", "ci95_high", "boot_low", "boot_high"] {
                if let Some(v) = opt(r, k) {
                    assert!((-1.0..=1.0).contains(&v), "{file} {k} {r:?}");
                }
            }
            n += 1;
        }
    }
    assert!(n > 100);
    // a difference that is exactly 0 in every replication says so
    let rows = read_csv(&out.join("compare.csv"));
    let tied = rows.iter().find(|r| r["metric"] == "population").unwrap();
    if f(tied, "diff_sd") == 0.0 && f(tied, "diff_mean") == 0.0 {
        assert_eq!(tied["note"], "all tied");
        assert_eq!(f(tied, "p_value"), 1.0);
    }
}

/// Mean over the replications every scenario finished.
fn mean(v: &[f64]) -> f64 {
    v.iter().sum::<f64>() / v.len() as f64
}

#[test]
#[allow(clippy::needless_range_loop)] // replication r indexes every scenario's row
fn frontier_ceac_and_evpi_recompute_from_costs_and_runs() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let report = run(&options(&three(dir.path()), 8, &out, 2));
    let names: Vec<String> = report.manifest.scenarios.iter().map(|s| s.name.clone()).collect();
    let base = report.manifest.baseline.clone();
    let runs = read_csv(&out.join("runs.csv"));
    let costs = read_csv(&out.join("costs.csv"));
    let reps = 8;
    // effect = satisfaction_mean (higher is better); cost = net fiscal cost, 0 for the baseline
    let effect: Vec<Vec<f64>> = names
        .iter()
        .map(|s| {
            (0..reps)
                .map(|r| {
                    let row = runs
                        .iter()
                        .find(|x| &x["scenario"] == s && x["replication"] == r.to_string())
                        .unwrap();
                    f(row, "satisfaction_mean")
                })
                .collect()
        })
        .collect();
    let cost: Vec<Vec<f64>> = names
        .iter()
        .map(|s| {
            (0..reps)
                .map(|r| {
                    if *s == base {
                        return 0.0;
                    }
                    let row = costs
                        .iter()
                        .find(|x| &x["scenario"] == s && x["replication"] == r.to_string())
                        .unwrap();
                    f(row, "fiscal_cost_net")
                })
                .collect()
        })
        .collect();
    let mc: Vec<f64> = cost.iter().map(|c| mean(c)).collect();
    let me: Vec<f64> = effect.iter().map(|e| mean(e)).collect();
    let frontier = read_csv(&out.join("frontier.csv"));
    assert_eq!(frontier.len(), names.len());
    for r in &frontier {
        let s = names.iter().position(|n| *n == r["scenario"]).unwrap();
        assert!(close(f(r, "cost_mean"), mc[s], 1e-12) || mc[s] == 0.0 && f(r, "cost_mean") == 0.0);
        assert!(close(f(r, "effect_mean"), me[s], 1e-12), "{r:?}");
        assert_eq!(r["effect_metric"], "satisfaction_mean");
    }
    // The frontier by brute force: a strategy is efficient when it has the
    // highest expected net benefit λ·E − C for some λ ≥ 0.
    let best_at = |lambda: f64| -> usize {
        let nmb: Vec<f64> = (0..names.len()).map(|s| lambda * me[s] - mc[s]).collect();
        (0..names.len()).fold(0, |b, s| if nmb[s] > nmb[b] { s } else { b })
    };
    let mut breaks = vec![0.0];
    for a in 0..names.len() {
        for b in 0..names.len() {
            let l = (mc[b] - mc[a]) / (me[b] - me[a]);
            if l.is_finite() && l > 0.0 {
                breaks.push(l);
            }
        }
    }
    breaks.sort_by(f64::total_cmp);
    let mut probes: Vec<f64> = breaks.windows(2).map(|w| (w[0] + w[1]) / 2.0).collect();
    probes.push(breaks.last().unwrap() * 2.0 + 1.0);
    probes.push(0.0);
    let mut efficient: Vec<usize> = probes.iter().map(|&l| best_at(l)).collect();
    efficient.sort_unstable();
    efficient.dedup();
    let on_frontier: Vec<usize> = frontier
        .iter()
        .filter(|r| r["status"] == "reference" || r["status"] == "ND")
        .map(|r| names.iter().position(|n| *n == r["scenario"]).unwrap())
        .collect();
    let mut sorted = on_frontier.clone();
    sorted.sort_unstable();
    assert_eq!(sorted, efficient, "frontier {frontier:?}");
    assert!(
        on_frontier.len() >= 2,
        "a frontier with one strategy tests little: {frontier:?}"
    );
    // ICERs against the previous frontier strategy, in cost order
    for w in on_frontier.windows(2) {
        let icer = (mc[w[1]] - mc[w[0]]) / (me[w[1]] - me[w[0]]);
        let r = frontier.iter().find(|r| r["scenario"] == names[w[1]]).unwrap();
        assert!(close(f(r, "icer"), icer, 1e-9), "{r:?} vs {icer}");
    }
    // CEAC, expected NMB, optimal strategy and EVPI at every λ
    let ceac = read_csv(&out.join("ceac.csv"));
    let evpi = read_csv(&out.join("evpi.csv"));
    assert!(evpi.len() >= 10, "the default grid has {} values", evpi.len());
    for e in &evpi {
        let lambda = f(e, "wtp");
        let nmb: Vec<Vec<f64>> = (0..names.len())
            .map(|s| (0..reps).map(|r| lambda * effect[s][r] - cost[s][r]).collect())
            .collect();
        let mean_nmb: Vec<f64> = nmb.iter().map(|v| mean(v)).collect();
        let mut wins = vec![0.0; names.len()];
        let mut max_sum = 0.0;
        for r in 0..reps {
            let max = (0..names.len()).map(|s| nmb[s][r]).fold(f64::NEG_INFINITY, f64::max);
            let k = (0..names.len()).filter(|&s| nmb[s][r] == max).count() as f64;
            for s in 0..names.len() {
                if nmb[s][r] == max {
                    wins[s] += 1.0 / k;
                }
            }
            max_sum += max;
        }
        let opt_s = (0..names.len()).fold(0, |b, s| if mean_nmb[s] > mean_nmb[b] { s } else { b });
        let want_evpi = (max_sum / reps as f64 - mean_nmb[opt_s]).max(0.0);
        assert!(
            (f(e, "evpi") - want_evpi).abs() <= 1e-9 * mean_nmb[opt_s].abs().max(1.0),
            "{e:?} vs {want_evpi}"
        );
        assert_eq!(e["optimal"], names[opt_s]);
        for (s, name) in names.iter().enumerate() {
            let row = ceac
                .iter()
                .find(|c| c["wtp"] == e["wtp"] && &c["scenario"] == name)
                .unwrap();
            assert!(close(f(row, "p_highest_nmb") + 1.0, wins[s] / reps as f64 + 1.0, 1e-12));
            assert!(
                (f(row, "mean_nmb") - mean_nmb[s]).abs() <= 1e-9 * mean_nmb[s].abs().max(1.0),
                "{row:?}"
            );
            assert_eq!(row["optimal"], names[opt_s]);
        }
    }
    // an explicit grid is used as given
    let out2 = dir.path().join("wtp");
    let mut o = options(&three(dir.path()), 4, &out2, 2);
    o.decision.wtp = Some(vec![0.0, 1e8, 1e10]);
    run(&o);
    let wtp: Vec<String> = read_csv(&out2.join("evpi.csv"))
        .iter()
        .map(|r| r["wtp"].clone())
        .collect();
    assert_eq!(wtp, ["0", "100000000", "10000000000"]);
}

#[test]
fn rankings_and_pairs_cover_every_scenario() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    run(&options(&three(dir.path()), 6, &out, 2));
    let ranking = read_csv(&out.join("ranking.csv"));
    let sat: Vec<&Row> = ranking.iter().filter(|r| r["metric"] == "satisfaction_mean").collect();
    assert_eq!(sat.len(), 3);
    let p: f64 = sat.iter().map(|r| f(r, "p_best")).sum();
    assert!(close(p, 1.0, 1e-9));
    assert!(sat.iter().all(|r| r["method"] == "bootstrap" && r["draws"] == "2000"));
    assert!(ranking.iter().all(|r| r["direction"] != "neutral"));
    let pairs = read_csv(&out.join("pairwise.csv"));
    let sat: Vec<&Row> = pairs.iter().filter(|r| r["metric"] == "satisfaction_mean").collect();
    assert_eq!(sat.len(), 3); // 3 scenarios: 3 pairs
    let (holm, _) = holm_bh(&sat.iter().map(|r| f(r, "p_value")).collect::<Vec<_>>());
    for (r, h) in sat.iter().zip(holm) {
        assert!(close(f(r, "p_holm"), h, 1e-12), "{r:?}");
    }
    // the pair (baseline, reform) is compare.csv's row
    let compare = read_csv(&out.join("compare.csv"));
    let c = compare
        .iter()
        .find(|r| r["scenario"] == "small_stipends" && r["metric"] == "satisfaction_mean")
        .unwrap();
    let pr = sat
        .iter()
        .find(|r| r["scenario_a"] == "small" && r["scenario_b"] == "small_stipends")
        .unwrap();
    for (a, b) in [
        ("diff_mean", "diff_mean"),
        ("ci95_low", "ci95_low"),
        ("p_value", "p_value"),
    ] {
        assert_eq!(c[a], pr[b], "{a}");
    }
}

/// A posterior-like table: `particle`, `distance` and `d_*` are ignored.
fn posterior(dir: &Path, rows: &[(f64, f64)]) -> PathBuf {
    let mut text = String::from("particle,weight,labour.layoff_annual,distance,d_satisfaction\n");
    for (i, (w, v)) in rows.iter().enumerate() {
        text.push_str(&format!("{i},{w},{v},0.1,0.2\n"));
    }
    common::write(dir, "posterior.csv", &text)
}

fn factors(dir: &Path) -> PathBuf {
    common::write(
        dir,
        "draws.toml",
        "name = \"test_draws\"\n\n[[factors]]\npath = \"cadres.pay_elasticity\"\ndistribution = \"triangular\"\nmin = 0.5\nmode = 1.0\nmax = 1.5\n\n[[factors]]\npath = \"reforms.raise_stipends.local_college_share\"\nmin = 0.05\nmax = 0.25\n",
    )
}

fn probabilistic(dir: &Path, reps: u32, out: &Path, threads: usize) -> RunOptions {
    let mut o = options(&three(dir)[..2], reps, out, threads);
    o.decision.uncertainty = Some(factors(dir));
    o.decision.parameters = Some(posterior(dir, &[(1.0, 0.02), (2.0, 0.05), (1.0, 0.09)]));
    o
}

const FILES: [&str; 12] = [
    "runs.csv",
    "summary.csv",
    "timeseries.csv",
    "compare.csv",
    "compare_by_group.csv",
    "compare_timeseries.csv",
    "costs.csv",
    "ranking.csv",
    "pairwise.csv",
    "frontier.csv",
    "ceac.csv",
    "evpi.csv",
];

fn same_files(a: &Path, b: &Path, what: &str) {
    for f in FILES {
        let x = std::fs::read(a.join(f)).unwrap_or_else(|e| panic!("{f}: {e}"));
        let y = std::fs::read(b.join(f)).unwrap_or_else(|e| panic!("{what} {f}: {e}"));
        assert!(x == y, "{f} differs ({what})");
    }
}

#[test]
fn a_probabilistic_run_draws_one_parameter_set_per_replication() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let report = run(&probabilistic(dir.path(), 6, &out, 2));
    let runs = read_csv(&out.join("runs.csv"));
    let drawn = [
        "cadres.pay_elasticity",
        "reforms.raise_stipends.local_college_share",
        "labour.layoff_annual",
    ];
    for r in 0..6 {
        let rows: Vec<&Row> = runs.iter().filter(|x| x["replication"] == r.to_string()).collect();
        assert_eq!(rows.len(), 2);
        for c in drawn {
            assert_eq!(rows[0][c], rows[1][c], "replication {r}: {c} differs between scenarios");
        }
        assert!((0.5..=1.5).contains(&f(rows[0], "cadres.pay_elasticity")));
        assert!(["0.02", "0.05", "0.09"].contains(&rows[0]["labour.layoff_annual"].as_str()));
    }
    let distinct: std::collections::BTreeSet<&str> = runs.iter().map(|r| r["cadres.pay_elasticity"].as_str()).collect();
    assert_eq!(distinct.len(), 6, "each replication draws its own value");
    assert!(!runs[0].contains_key("particle") && !runs[0].contains_key("d_satisfaction"));
    // the scenarios still share their spin-up per replication (none here) and
    // are compared by replication; rankings are by replication
    let ranking = read_csv(&out.join("ranking.csv"));
    assert!(ranking
        .iter()
        .all(|r| r["method"] == "by_replication" && r["draws"] == "6"));
    let m = &report.manifest;
    let u = m.uncertainty.as_ref().unwrap();
    assert_eq!(u.name, "test_draws");
    assert_eq!(u.sources.len(), 2);
    assert_eq!(u.parameters.len(), 3);
    let manifest = std::fs::read_to_string(out.join("manifest.json")).unwrap();
    assert!(manifest.contains("\"weighted_draws\"") && manifest.contains("\"sha256\""));
    // A row with all the weight is drawn by every replication.
    let out2 = dir.path().join("one");
    let mut o = options(&three(dir.path())[..1], 4, &out2, 2);
    o.decision.parameters = Some(posterior(dir.path(), &[(0.0, 0.02), (5.0, 0.07), (0.0, 0.09)]));
    run(&o);
    assert!(read_csv(&out2.join("runs.csv"))
        .iter()
        .all(|r| r["labour.layoff_annual"] == "0.07"));
}

#[test]
fn drawn_parameters_widen_the_intervals_they_drive() {
    let dir = tempfile::tempdir().unwrap();
    let draws = common::write(
        dir.path(),
        "layoffs.toml",
        "[[factors]]\npath = \"labour.layoff_annual\"\nmin = 0.01\nmax = 0.15\n",
    );
    let width = |probabilistic: bool| -> f64 {
        let out = dir.path().join(format!("p{probabilistic}"));
        let mut o = options(&three(dir.path())[..2], 8, &out, 2);
        if probabilistic {
            o.decision.uncertainty = Some(draws.clone());
        }
        run(&o);
        let s = read_csv(&out.join("summary.csv"));
        let r = s
            .iter()
            .find(|r| r["scenario"] == "small" && r["metric"] == "unemployment_rate")
            .unwrap();
        f(r, "ci95_high") - f(r, "ci95_low")
    };
    let (plain, drawn) = (width(false), width(true));
    assert!(drawn > 3.0 * plain, "plain {plain}, probabilistic {drawn}");
}

#[test]
fn probabilistic_runs_give_the_same_bytes_on_threads_shards_and_resume() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let whole = root.join("whole");
    run(&probabilistic(root, 6, &whole, 2));
    let one = root.join("one-thread");
    run(&probabilistic(root, 6, &one, 1));
    same_files(&whole, &one, "1 thread");
    // shards and their merge
    let dirs: Vec<PathBuf> = (1..=3)
        .map(|i| {
            let d = root.join(format!("shard-{i}"));
            let mut o = probabilistic(root, 6, &d, 1);
            o.shard = Some(Shard { index: i, count: 3 });
            run(&o);
            d
        })
        .collect();
    let merged = root.join("merged");
    cli::merge::merge(&dirs, &merged, vec![]).unwrap();
    same_files(&whole, &merged, "merged shards");
    // resume from a journal cut short
    let part = root.join("part");
    run(&probabilistic(root, 6, &part, 2));
    let journal = shequ::files::journal::journal_path(&part);
    let text = std::fs::read_to_string(&journal).unwrap();
    let kept: Vec<&str> = text.lines().take(5).collect();
    std::fs::write(&journal, format!("{}\n", kept.join("\n"))).unwrap();
    for f in FILES.iter().skip(1).chain(&["manifest.json"]) {
        let _ = std::fs::remove_file(part.join(f));
    }
    let mut o = probabilistic(root, 6, &part, 2);
    o.resume = true;
    run(&o);
    same_files(&whole, &part, "resumed");
    // a resume refuses other draws
    let mut o = probabilistic(root, 6, &part, 2);
    o.resume = true;
    o.decision.uncertainty = None;
    let loaded = cli::load_scenarios(&o.scenarios).unwrap();
    let err = cli::run::run(&o, &loaded, &|| {}).unwrap_err().to_string();
    assert!(err.contains("cannot resume") && err.contains("drew"), "{err}");
    // and a merge refuses a changed parameter file
    common::write(root, "posterior.csv", "weight,labour.layoff_annual\n1,0.03\n");
    let err = cli::merge::merge(&dirs, &root.join("m2"), vec![])
        .unwrap_err()
        .to_string();
    assert!(err.contains("SHA-256"), "{err}");
}

#[test]
fn probabilistic_adaptive_runs_equal_fixed_runs() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let out = root.join("adaptive");
    let loaded = cli::load_scenarios(&probabilistic(root, 3, &out, 2).scenarios).unwrap();
    let report = cli::run::run_adaptive(
        &probabilistic(root, 3, &out, 2),
        &loaded,
        &shequ::study::adaptive::Adaptive {
            target_half_width: 1e-9,
            metric: "satisfaction_mean".into(),
            max_reps: 7,
        },
        &|| {},
    )
    .unwrap();
    let a = report.manifest.adaptive.clone().unwrap();
    assert_eq!(a.replications, 7);
    assert!(a.sizing.contains("normal quantile"));
    let fixed = root.join("fixed");
    run(&probabilistic(root, 7, &fixed, 2));
    same_files(&fixed, &out, "adaptive");
}

/// Runs the binary; returns (exit code, stderr).
fn shequ(args: &[&str]) -> (Option<i32>, String) {
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_shequ"))
        .args(args)
        .output()
        .unwrap();
    (o.status.code(), String::from_utf8_lossy(&o.stderr).into_owned())
}

#[test]
fn bad_parameter_files_are_located_errors() {
    let dir = tempfile::tempdir().unwrap();
    let small = common::root().join("tests/data/small.toml");
    let small = small.to_str().unwrap();
    let out = dir.path().join("out");
    let out = out.to_str().unwrap();
    let cases: [(&str, &str, &str, &[&str]); 9] = [
        ("--parameters", "p8.csv", "weight,simulation.months\n1,30\n", &["p8.csv:1:2", "key `simulation.months`", "cannot be drawn"]),
        ("--uncertainty", "u0.toml", "", &["u0.toml:1:1", "key `factors`", "empty"]),
        ("--parameters", "p1.csv", "particle,labour.layoff_annual\n0,0.03\n", &["p1.csv:1:1", "key `weight`", "no `weight` column"]),
        ("--parameters", "p2.csv", "weight,labour.layoff_annual\n1,0.03\n-2,0.04\n", &["p2.csv:3:1", "key `weight`", "negative"]),
        ("--parameters", "p3.csv", "weight,labour.no_such\n1,0.03\n", &["p3.csv:1:2", "key `labour.no_such`", "no parameter"]),
        ("--parameters", "p4.csv", "", &["p4.csv:1:1", "key `weight`", "empty"]),
        ("--parameters", "p5.csv", "weight,labour.layoff_annual\n1,abc\n", &["p5.csv:2:2", "key `labour.layoff_annual`", "not a finite number"]),
        ("--parameters", "p6.csv", "weight,labour.layoff_annual\n1,7\n", &["p6.csv:2:1", "key `labour.layoff_annual`", "valid range"]),
        (
            "--uncertainty",
            "u1.toml",
            "[[factors]]\npath = \"labour.layoff_annual\"\nmin = 0.02\nmax = 0.05\n\n[[factors]]\npath = \"labour.layoff_annual_typo\"\nmin = 1\nmax = 2\n",
            &["u1.toml:6:1", "factors[1] (labour.layoff_annual_typo)", "no parameter"],
        ),
    ];
    for (flag, name, text, want) in cases {
        let p = common::write(dir.path(), name, text);
        let (code, err) = shequ(&[
            "run",
            small,
            "--reps",
            "2",
            "--quiet",
            "--out",
            out,
            flag,
            p.to_str().unwrap(),
        ]);
        assert_eq!(code, Some(3), "{name}: {err}");
        for w in want {
            assert!(err.contains(w), "{name}: `{w}` not in {err}");
        }
    }
    // a draw out of range names the factor, the scenario and the replication
    let p = common::write(
        dir.path(),
        "u2.toml",
        "[[factors]]\npath = \"labour.layoff_annual\"\ndistribution = \"normal\"\nmean = 0.5\nsd = 2\n",
    );
    let (code, err) = shequ(&[
        "run",
        small,
        "--reps",
        "20",
        "--quiet",
        "--out",
        out,
        "--uncertainty",
        p.to_str().unwrap(),
    ]);
    assert_eq!(code, Some(3), "{err}");
    assert!(
        err.contains("u2.toml:1:1") && err.contains("factors[0] (labour.layoff_annual)") && err.contains("replication"),
        "{err}"
    );
    // a parameter drawn from both sources
    let u = common::write(
        dir.path(),
        "u3.toml",
        "[[factors]]\npath = \"labour.layoff_annual\"\nmin = 0.02\nmax = 0.05\n",
    );
    let c = common::write(dir.path(), "p7.csv", "weight,labour.layoff_annual\n1,0.03\n");
    let (code, err) = shequ(&[
        "run",
        small,
        "--reps",
        "2",
        "--quiet",
        "--out",
        out,
        "--uncertainty",
        u.to_str().unwrap(),
        "--parameters",
        c.to_str().unwrap(),
    ]);
    assert_eq!(code, Some(3), "{err}");
    assert!(err.contains("also a factor"), "{err}");
    // decision options that make no sense are usage errors
    let stipends = common::root().join("tests/data/small_stipends.toml");
    let stipends = stipends.to_str().unwrap();
    let (code, err) = shequ(&[
        "run",
        small,
        stipends,
        "--reps",
        "2",
        "--quiet",
        "--out",
        out,
        "--ce-metric",
        "population",
    ]);
    assert_eq!(code, Some(2), "{err}");
    assert!(
        err.contains("--ce-metric `population` has no better direction"),
        "{err}"
    );
    let (code, err) = shequ(&["run", small, "--reps", "2", "--quiet", "--out", out, "--wtp=1,-5"]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("--wtp -5"), "{err}");
}

#[test]
fn sweeps_draw_a_posterior_row_per_replication() {
    let dir = tempfile::tempdir().unwrap();
    let exp = common::write(
        dir.path(),
        "exp.toml",
        &format!(
            "scenarios = [\"{}\", \"{}\"]\npopulation_scale = 0.01\nmetrics = [\"satisfaction_mean\"]\n[design]\nkind = \"lhs\"\nn = 3\n[[factors]]\npath = \"cadres.pay_elasticity\"\nmin = 0.5\nmax = 1.5\n",
            common::root().join("tests/data/small.toml").display(),
            common::root().join("tests/data/small_stipends.toml").display()
        ),
    );
    let e = cli::sweep::load_experiment(&exp).unwrap();
    let post = posterior(dir.path(), &[(1.0, 0.02), (1.0, 0.06), (1.0, 0.1)]);
    let opts = |out: &Path, shard| cli::sweep::SweepOptions {
        reps: 4,
        seed: 9,
        out: out.to_path_buf(),
        threads: 2,
        command_line: vec![],
        shard,
        parameters: Some(post.clone()),
        force: false,
        resume: false,
    };
    let whole = dir.path().join("whole");
    cli::sweep::sweep(&e, &opts(&whole, None), &|| {}).unwrap();
    let runs = read_csv(&whole.join("runs.csv"));
    for r in 0..4 {
        let v: std::collections::BTreeSet<&str> = runs
            .iter()
            .filter(|x| x["replication"] == r.to_string())
            .map(|x| x["labour.layoff_annual"].as_str())
            .collect();
        assert_eq!(v.len(), 1, "replication {r} draws one row at every point: {v:?}");
    }
    let manifest = std::fs::read_to_string(whole.join("manifest.json")).unwrap();
    assert!(manifest.contains("\"parameters\"") && manifest.contains("weighted_draws"));
    // shards merge into the same files, and only with the same table
    let dirs: Vec<PathBuf> = (1..=2)
        .map(|i| {
            let d = dir.path().join(format!("s{i}"));
            cli::sweep::sweep(&e, &opts(&d, Some(Shard { index: i, count: 2 })), &|| {}).unwrap();
            d
        })
        .collect();
    let merged = dir.path().join("merged");
    cli::sweep::sweep_merge(&e, &dirs, &opts(&merged, None)).unwrap();
    for f in ["runs.csv", "summary.csv", "design.csv"] {
        assert_eq!(
            std::fs::read(whole.join(f)).unwrap(),
            std::fs::read(merged.join(f)).unwrap(),
            "{f}"
        );
    }
    let mut without = opts(&dir.path().join("m2"), None);
    without.parameters = None;
    let err = cli::sweep::sweep_merge(&e, &dirs, &without).unwrap_err().to_string();
    assert!(err.contains("--parameters"), "{err}");
}

/// Exact two-sided sign test from its definition: ties dropped, m non-zero
/// signs, p = min(1, 2·P(X ≤ min(k⁺, k⁻))), X ~ Binomial(m, ½).
fn sign_p(d: &[f64]) -> f64 {
    let pos = d.iter().filter(|v| **v > 0.0).count();
    let neg = d.iter().filter(|v| **v < 0.0).count();
    let m = pos + neg;
    if m == 0 {
        return 1.0;
    }
    let choose = |n: usize, k: usize| (0..k).fold(1.0, |c, i| c * (n - i) as f64 / (i + 1) as f64);
    let tail: f64 = (0..=pos.min(neg)).map(|i| choose(m, i)).sum::<f64>() / 2f64.powi(m as i32);
    (2.0 * tail).min(1.0)
}

/// Type-7 quantile of a sorted sample.
fn q7(s: &[f64], p: f64) -> f64 {
    let h = (s.len() - 1) as f64 * p;
    let (lo, hi) = (h.floor() as usize, h.ceil() as usize);
    s[lo] + (h - lo as f64) * (s[hi] - s[lo])
}

/// BCa bootstrap interval of the mean (Efron & Tibshirani §14.3) from the
/// resampling compare.rs documents: `resamples` draws of n indices from
/// Pcg64Mcg seeded with the row's key hash; percentile where BCa is
/// undefined. Returns (low, high, method).
fn bca(d: &[f64], seed: u64) -> (f64, f64, &'static str) {
    use rand::{RngExt, SeedableRng};
    use statrs::distribution::Normal;
    let n = d.len();
    let mut rng = rand_pcg::Pcg64Mcg::seed_from_u64(seed);
    let mut means: Vec<f64> = (0..shequ::study::compare::BOOT_RESAMPLES)
        .map(|_| (0..n).map(|_| d[rng.random_range(0..n)]).sum::<f64>() / n as f64)
        .collect();
    means.sort_by(f64::total_cmp);
    let theta = d.iter().sum::<f64>() / n as f64;
    let b = means.len() as f64;
    let below = means.iter().filter(|t| **t < theta).count() as f64;
    let at = means.iter().filter(|t| **t <= theta).count() as f64;
    let p0 = (below + at) / (2.0 * b);
    let norm = Normal::standard();
    let percentile = (q7(&means, 0.025), q7(&means, 0.975), "percentile");
    if p0 <= 0.0 || p0 >= 1.0 {
        return percentile;
    }
    let z0 = norm.inverse_cdf(p0);
    let s2: f64 = d.iter().map(|x| (x - theta).powi(2)).sum();
    let s3: f64 = d.iter().map(|x| (x - theta).powi(3)).sum();
    if s2 <= 0.0 {
        return percentile;
    }
    let a = s3 / (6.0 * s2.powf(1.5));
    let z = norm.inverse_cdf(0.025);
    let adj = |z: f64| {
        let den = 1.0 - a * (z0 + z);
        (den > 0.0).then(|| norm.cdf(z0 + (z0 + z) / den))
    };
    match (adj(z), adj(-z)) {
        (Some(a1), Some(a2)) => (q7(&means, a1), q7(&means, a2), "bca"),
        _ => percentile,
    }
}

/// Every column of compare.csv, recomputed here from runs.csv by the
/// definitions in docs/outputs.md (study::compare's module docs), for a
/// study whose `--baseline` is its second scenario: the rows compare the
/// first and third with the second, and nothing in them comes from the
/// first scenario's numbers.
#[test]
fn every_compare_column_recomputes_from_runs_with_a_later_baseline() {
    use shequ::model::metrics::{Direction, METRICS};
    let dir = tempfile::tempdir().unwrap();
    let files = three(dir.path());
    let out = dir.path().join("out");
    let (first, base, third) = (&files[2], &files[0], &files[1]);
    let (code, err) = shequ(&[
        "run",
        first.to_str().unwrap(),
        base.to_str().unwrap(),
        third.to_str().unwrap(),
        "--baseline",
        "small",
        "--reps",
        "6",
        "--seed",
        "21",
        "--threads",
        "2",
        "--quiet",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(code, Some(0), "{err}");
    let runs = read_csv(&out.join("runs.csv"));
    let rows = read_csv(&out.join("compare.csv"));
    assert_eq!(rows.len(), 2 * METRICS.len());
    let scenarios: Vec<&str> = rows.iter().map(|r| r["scenario"].as_str()).collect();
    assert_eq!(scenarios[0], "small_office", "the scenarios keep their order");
    assert_eq!(*scenarios.last().unwrap(), "small_stipends");
    assert!(rows
        .iter()
        .all(|r| r["baseline"] == "small" && r["scenario"] != "small"));
    // Per replication, in replication order.
    let value = |s: &str, metric: &str| -> Vec<f64> {
        let mut v: Vec<(u32, f64)> = runs
            .iter()
            .filter(|r| r["scenario"] == s)
            .map(|r| (r["replication"].parse().unwrap(), f(r, metric)))
            .collect();
        v.sort_by_key(|x| x.0);
        assert_eq!(v.iter().map(|x| x.0).collect::<Vec<_>>(), (0..6).collect::<Vec<_>>());
        v.into_iter().map(|x| x.1).collect()
    };
    let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
    let sd = |v: &[f64]| {
        let m = mean(v);
        (v.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (v.len() as f64 - 1.0)).sqrt()
    };
    let t975 = StudentsT::new(0.0, 1.0, 5.0).unwrap().inverse_cdf(0.975);
    let same = |a: f64, b: f64, scale: f64| (a - b).abs() <= 1e-9 * scale.max(a.abs()).max(b.abs()).max(1e-12);
    let cell = |r: &Row, k: &str| -> Option<f64> {
        (!r[k].is_empty()).then(|| r[k].parse().unwrap_or_else(|_| panic!("{k} = {}", r[k])))
    };
    let p_all: Vec<f64> = rows.iter().filter_map(|r| cell(r, "p_value")).collect();
    let (holm, bh) = holm_bh(&p_all);
    let mut family = 0;
    let (mut with_yuan, mut bca_rows) = (0, 0);
    for r in &rows {
        let (s, metric) = (r["scenario"].as_str(), r["metric"].as_str());
        let def = METRICS.iter().find(|m| m.name == metric).unwrap();
        let what = format!("{s} {metric}");
        let (b, x) = (value("small", metric), value(s, metric));
        let d: Vec<f64> = b.iter().zip(&x).map(|(b, x)| x - b).collect();
        let scale = b.iter().chain(&x).fold(0.0f64, |m, v| m.max(v.abs()));
        assert_eq!(r["n"], "6", "{what}");
        assert_eq!(r["direction"], def.direction.as_str(), "{what}");
        assert!(same(f(r, "baseline_mean"), mean(&b), scale), "{what}: baseline_mean");
        assert!(same(f(r, "scenario_mean"), mean(&x), scale), "{what}: scenario_mean");
        let dm = mean(&d);
        assert!(same(f(r, "diff_mean"), dm, scale), "{what}: diff_mean");
        let dsd = sd(&d);
        assert!(same(f(r, "diff_sd"), dsd, scale), "{what}: diff_sd");
        assert!(same(f(r, "diff_se"), dsd / 6f64.sqrt(), scale), "{what}: diff_se");
        let clamp = |v: f64| if def.is_share() { v.clamp(-1.0, 1.0) } else { v };
        let tied = d.iter().all(|v| *v == d[0]);
        let (lo, hi) = if tied {
            (d[0], d[0])
        } else {
            (
                clamp(dm - t975 * dsd / 6f64.sqrt()),
                clamp(dm + t975 * dsd / 6f64.sqrt()),
            )
        };
        assert!(
            same(f(r, "ci95_low"), lo, scale),
            "{what}: ci95_low {} vs {lo}",
            r["ci95_low"]
        );
        assert!(same(f(r, "ci95_high"), hi, scale), "{what}: ci95_high");
        // The bootstrap interval, redone from its documented resampling.
        let (bl, bh_, method) = if tied {
            (d[0], d[0], "bca")
        } else {
            let seed = shequ::study::compare::boot_seed(&[s, "small", "district", "all", metric]);
            bca(&d, seed)
        };
        assert_eq!(r["boot_method"], method, "{what}");
        bca_rows += usize::from(method == "bca" && !tied);
        assert!(
            same(f(r, "boot_low"), clamp(bl), scale * 1e-3),
            "{what}: boot_low {} vs {bl}",
            r["boot_low"]
        );
        assert!(same(f(r, "boot_high"), clamp(bh_), scale * 1e-3), "{what}: boot_high");
        // Tests.
        let p = if tied {
            if d[0] == 0.0 {
                1.0
            } else {
                0.0
            }
        } else {
            2.0 * StudentsT::new(0.0, 1.0, 5.0)
                .unwrap()
                .sf((dm / (dsd / 6f64.sqrt())).abs())
        };
        assert!(
            (f(r, "p_value") - p).abs() <= 1e-9,
            "{what}: p_value {} vs {p}",
            r["p_value"]
        );
        assert!(close(f(r, "p_holm"), holm[family], 1e-12), "{what}: p_holm");
        assert!(close(f(r, "q_bh"), bh[family], 1e-12), "{what}: q_bh");
        family += 1;
        assert!(close(f(r, "p_sign"), sign_p(&d), 1e-12), "{what}: p_sign");
        // Relative change and the shares of replications.
        match cell(r, "rel_change") {
            Some(v) => assert!(same(v, dm / mean(&b), 1.0), "{what}: rel_change"),
            None => assert_eq!(mean(&b), 0.0, "{what}: rel_change empty"),
        }
        let count = |k: fn(f64) -> bool| d.iter().filter(|v| k(**v)).count() as f64 / 6.0;
        let (up, down) = (count(|v| v > 0.0), count(|v| v < 0.0));
        assert_eq!(cell(r, "share_tied"), Some(count(|v| v == 0.0)), "{what}: share_tied");
        let (better, worse) = match def.direction {
            Direction::Higher => (Some(up), Some(down)),
            Direction::Lower => (Some(down), Some(up)),
            Direction::Neutral => (None, None),
        };
        assert_eq!(cell(r, "share_better"), better, "{what}: share_better");
        assert_eq!(cell(r, "share_worse"), worse, "{what}: share_worse");
        // The reform's accounts: net fiscal cost per replication from runs.csv.
        let delta = |m: &str| -> Vec<f64> { value(s, m).iter().zip(value("small", m)).map(|(x, b)| x - b).collect() };
        let (dd, ds, dt, dr) = (
            delta("fiscal_cost_district"),
            delta("fiscal_cost_streets"),
            delta("transfers_district_to_streets"),
            delta("public_revenue"),
        );
        let net: Vec<f64> = (0..6).map(|i| dd[i] + ds[i] - dt[i] - dr[i]).collect();
        let big = net.iter().fold(1.0f64, |m, v| m.max(v.abs()));
        let nm = mean(&net);
        assert!(same(f(r, "fiscal_cost_net_mean"), nm, big), "{what}: net cost");
        let half = t975 * sd(&net) / 6f64.sqrt();
        assert!(
            same(f(r, "fiscal_cost_net_ci95_low"), nm - half, big),
            "{what}: net cost low"
        );
        assert!(
            same(f(r, "fiscal_cost_net_ci95_high"), nm + half, big),
            "{what}: net cost high"
        );
        let gross = mean(&delta("reform_cost_gross"));
        assert!(same(f(r, "reform_cost_gross_mean"), gross, big), "{what}: gross cost");
        let money = [
            "reform_cost_gross",
            "fiscal_cost_district",
            "fiscal_cost_streets",
            "transfers_district_to_streets",
            "public_revenue",
        ];
        match cell(r, "diff_per_million_yuan") {
            Some(v) => {
                assert!(nm > 0.0 && !money.contains(&metric), "{what}: diff_per_million_yuan");
                assert!(same(v, dm / (nm / 1e6), 1e-12), "{what}: diff_per_million_yuan {v}");
                with_yuan += 1;
            }
            None => assert!(nm <= 0.0 || money.contains(&metric), "{what}: no diff_per_million_yuan"),
        }
        let note = if tied {
            if d[0] == 0.0 {
                "all tied"
            } else {
                "constant"
            }
        } else {
            ""
        };
        if r["note"] != "censored at bound" {
            assert_eq!(r["note"], note, "{what}: note");
        }
    }
    assert_eq!(family, p_all.len(), "every row has a p-value");
    assert!(
        with_yuan > 50 && bca_rows > 50,
        "{with_yuan} rows per yuan, {bca_rows} BCa rows"
    );
}
