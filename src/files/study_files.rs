//! The final files of a study: runs.csv, summary.csv, timeseries.csv,
//! compare.csv, compare_by_group.csv, compare_timeseries.csv and
//! failures.csv (see docs/outputs.md),
//! and the headline table printed after a run. The manifest is in
//! `manifest.rs`; the files a run keeps while it runs are in `journal.rs`.

use crate::experiment::uncertainty::DrawTable;
use crate::files::atomic::{num, seed_cell, write_atomic};
use crate::files::error::{io_err, FileError};
use crate::files::journal;
use crate::model::metrics::METRICS;
use crate::model::rng;
use crate::model::scenario::Scenario;
use crate::study::compare::{self, CompareRow};
use crate::study::decision::intervals::{Interval, IntervalMethod, RowNote};
use crate::study::runner::{self, RepResult};
use crate::study::stats;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

pub(crate) fn opt(v: Option<f64>) -> String {
    v.map(num).unwrap_or_default()
}

/// A row note as written: its label, or an empty cell.
pub fn note(n: Option<RowNote>) -> String {
    n.map(|n| n.as_str().to_string()).unwrap_or_default()
}

/// `bca`, or `percentile` where BCa was undefined; empty without an interval.
fn boot_method(i: &Interval) -> String {
    if i.low.is_none() {
        return String::new();
    }
    match i.method {
        IntervalMethod::Bca => "bca",
        IntervalMethod::Percentile => "percentile",
        IntervalMethod::T => "t",
    }
    .to_string()
}

pub(crate) fn csv_writer(w: &mut dyn Write) -> csv::Writer<&mut dyn Write> {
    csv::WriterBuilder::new()
        .terminator(csv::Terminator::Any(b'\n'))
        .from_writer(w)
}

pub(crate) fn to_io(e: csv::Error) -> io::Error {
    io::Error::other(e)
}

/// The cells every paired comparison file shares, in their column order:
/// `n, baseline_mean, scenario_mean, diff_mean, diff_sd, diff_se, ci95_low,
/// ci95_high`.
fn paired_cells(diff: &stats::Summary, baseline_mean: f64, scenario_mean: f64) -> [String; 8] {
    [
        diff.n.to_string(),
        num(baseline_mean),
        num(scenario_mean),
        num(diff.mean),
        opt(diff.sd),
        opt(diff.se),
        opt(diff.ci95_low),
        opt(diff.ci95_high),
    ]
}

/// `runs.csv`: one row per scenario × replication, with the parameters
/// replication r drew in a probabilistic run (`draws`; none in a plain run).
pub fn write_runs(
    dir: &Path,
    scenarios: &[Scenario],
    results: &[Vec<RepResult>],
    draws: &DrawTable,
) -> io::Result<PathBuf> {
    write_atomic(dir, "runs.csv", |w| {
        let mut c = csv_writer(w);
        c.write_record(journal::runs_header(draws)).map_err(to_io)?;
        for (s, reps) in scenarios.iter().zip(results) {
            for r in reps {
                c.write_record(journal::runs_row(&s.name, r, draws)).map_err(to_io)?;
            }
        }
        c.flush()
    })
}

/// `summary.csv`: one row per scenario × metric.
/// `failed[s]` replications of scenario s failed (see failures.csv).
pub fn write_summary(
    dir: &Path,
    scenarios: &[Scenario],
    results: &[Vec<RepResult>],
    failed: &[usize],
) -> io::Result<PathBuf> {
    write_atomic(dir, "summary.csv", |w| {
        let mut c = csv_writer(w);
        c.write_record([
            "scenario",
            "metric",
            "unit",
            "direction",
            "n",
            "failed",
            "mean",
            "sd",
            "se",
            "ci95_low",
            "ci95_high",
            "p05",
            "p25",
            "p50",
            "p75",
            "p95",
            "note",
        ])
        .map_err(to_io)?;
        for (i, (s, reps)) in scenarios.iter().zip(results).enumerate() {
            for (k, m) in METRICS.iter().enumerate() {
                let x: Vec<f64> = reps.iter().map(|r| r.values[k]).collect();
                let sum = stats::summarise_within(&x, stats::level_bounds(m));
                let sorted = stats::sorted(&x);
                let q = |p| num(stats::quantile_sorted(&sorted, p));
                c.write_record([
                    s.name.clone(),
                    m.name.into(),
                    m.unit.into(),
                    m.direction.as_str().into(),
                    sum.n.to_string(),
                    failed.get(i).copied().unwrap_or(0).to_string(),
                    num(sum.mean),
                    opt(sum.sd),
                    opt(sum.se),
                    opt(sum.ci95_low),
                    opt(sum.ci95_high),
                    q(0.05),
                    q(0.25),
                    q(0.5),
                    q(0.75),
                    q(0.95),
                    note(sum.note),
                ])
                .map_err(to_io)?;
            }
        }
        c.flush()
    })
}

/// `timeseries.csv`: one row per scenario × month × metric.
pub fn write_timeseries(dir: &Path, scenarios: &[Scenario], results: &[Vec<RepResult>]) -> io::Result<PathBuf> {
    write_atomic(dir, "timeseries.csv", |w| {
        let mut c = csv_writer(w);
        c.write_record(["scenario", "month", "metric", "mean", "p05", "p50", "p95"])
            .map_err(to_io)?;
        for (s, reps) in scenarios.iter().zip(results) {
            let months = reps.first().map_or(0, |r| r.monthly.len());
            for month in 0..months {
                for (k, m) in METRICS.iter().enumerate() {
                    let x: Vec<f64> = reps.iter().map(|r| r.monthly[month][k]).collect();
                    let sorted = stats::sorted(&x);
                    c.write_record([
                        s.name.clone(),
                        (month + 1).to_string(),
                        m.name.into(),
                        num(stats::mean(&x)),
                        num(stats::quantile_sorted(&sorted, 0.05)),
                        num(stats::quantile_sorted(&sorted, 0.5)),
                        num(stats::quantile_sorted(&sorted, 0.95)),
                    ])
                    .map_err(to_io)?;
                }
            }
        }
        c.flush()
    })
}

fn write_compare_rows(dir: &Path, name: &str, rows: &[CompareRow], with_split: bool) -> io::Result<PathBuf> {
    write_atomic(dir, name, |w| {
        let mut c = csv_writer(w);
        let mut header = vec!["scenario", "baseline"];
        if with_split {
            header.extend(["split", "unit"]);
        }
        header.extend([
            "metric",
            "direction",
            "n",
            "baseline_mean",
            "scenario_mean",
            "diff_mean",
            "diff_sd",
            "diff_se",
            "ci95_low",
            "ci95_high",
            "boot_low",
            "boot_high",
            "boot_method",
            "p_value",
            "p_holm",
            "q_bh",
            "p_sign",
            "rel_change",
            "share_better",
            "share_worse",
            "share_tied",
            "fiscal_cost_net_mean",
            "fiscal_cost_net_ci95_low",
            "fiscal_cost_net_ci95_high",
            "reform_cost_gross_mean",
            "diff_per_million_yuan",
            "note",
        ]);
        c.write_record(&header).map_err(to_io)?;
        for r in rows {
            let mut row = vec![r.scenario.clone(), r.baseline.clone()];
            if with_split {
                row.extend([r.split.to_string(), r.unit.clone()]);
            }
            row.extend([r.metric.to_string(), r.direction.as_str().to_string()]);
            row.extend(paired_cells(&r.diff, r.baseline_mean, r.scenario_mean));
            row.extend([
                opt(r.boot.low),
                opt(r.boot.high),
                boot_method(&r.boot),
                opt(r.p_value),
                opt(r.p_holm),
                opt(r.q_bh),
                opt(r.p_sign),
                opt(r.rel_change),
                opt(r.share_better),
                opt(r.share_worse),
                opt(r.share_tied),
                num(r.fiscal_cost_net.mean),
                opt(r.fiscal_cost_net.ci95_low),
                opt(r.fiscal_cost_net.ci95_high),
                num(r.reform_cost_gross_mean),
                opt(r.diff_per_million_yuan),
                note(r.note()),
            ]);
            c.write_record(&row).map_err(to_io)?;
        }
        c.flush()
    })
}

/// `compare.csv`, `compare_by_group.csv` and `costs.csv`; returns
/// compare.csv's rows.
pub fn write_compare(
    dir: &Path,
    scenarios: &[Scenario],
    results: &[Vec<RepResult>],
    baseline: usize,
) -> io::Result<Vec<CompareRow>> {
    let rows = compare::comparisons(scenarios, results, baseline);
    write_compare_rows(dir, "compare.csv", &rows, false)?;
    let by_group = compare::group_comparisons(scenarios, results, baseline);
    write_compare_rows(dir, "compare_by_group.csv", &by_group, true)?;
    write_costs(dir, scenarios, results, baseline)?;
    Ok(rows)
}

/// `costs.csv`: each reform's accounts against the baseline, per replication.
fn write_costs(dir: &Path, scenarios: &[Scenario], results: &[Vec<RepResult>], baseline: usize) -> io::Result<PathBuf> {
    let rows = compare::cost_rows(scenarios, results, baseline);
    let base = &scenarios[baseline].name;
    write_atomic(dir, "costs.csv", |w| {
        let mut c = csv_writer(w);
        c.write_record([
            "scenario",
            "baseline",
            "replication",
            "fiscal_cost_district",
            "fiscal_cost_streets",
            "transfers_district_to_streets",
            "consolidated_outlays",
            "revenue_induced",
            "fiscal_cost_net",
        ])
        .map_err(to_io)?;
        for (name, k) in &rows {
            c.write_record([
                name.clone(),
                base.clone(),
                k.replication.to_string(),
                num(k.district),
                num(k.streets),
                num(k.transfers),
                num(k.consolidated),
                num(k.revenue_induced),
                num(k.net),
            ])
            .map_err(to_io)?;
        }
        c.flush()
    })
}

/// `compare_timeseries.csv`: the effect over time, one row per (scenario ≠
/// baseline) × horizon month × metric.
pub fn write_compare_timeseries(
    dir: &Path,
    scenarios: &[Scenario],
    results: &[Vec<RepResult>],
    baseline: usize,
) -> io::Result<PathBuf> {
    write_atomic(dir, "compare_timeseries.csv", |w| {
        let mut c = csv_writer(w);
        c.write_record([
            "scenario",
            "baseline",
            "month",
            "metric",
            "unit",
            "direction",
            "n",
            "baseline_mean",
            "scenario_mean",
            "diff_mean",
            "diff_sd",
            "diff_se",
            "ci95_low",
            "ci95_high",
            "p_value",
            "note",
        ])
        .map_err(to_io)?;
        let base = &scenarios[baseline];
        for (i, s) in scenarios.iter().enumerate() {
            if i == baseline {
                continue;
            }
            for r in compare::compare_timeseries(&base.name, &results[baseline], &s.name, &results[i]) {
                let mut row = vec![
                    r.scenario,
                    r.baseline,
                    r.month.to_string(),
                    r.metric.to_string(),
                    r.unit.to_string(),
                    r.direction.as_str().to_string(),
                ];
                row.extend(paired_cells(&r.diff, r.baseline_mean, r.scenario_mean));
                row.extend([opt(r.p_value), note(r.diff.note)]);
                c.write_record(&row).map_err(to_io)?;
            }
        }
        c.flush()
    })
}

/// Headline metrics shown on the terminal after a run.
pub const HEADLINE: [&str; 8] = [
    "satisfaction_mean",
    "needs_met_share",
    "committee_admin_share",
    "cadre_turnover_rate",
    "informal_intensity",
    "enforcement_resolution_rate",
    "street_cash_balance",
    "fiscal_cost_district",
];

/// A markdown table of each scenario's headline differences from the
/// baseline: mean [95% CI].
pub fn headline_table(rows: &[CompareRow]) -> String {
    let mut scenarios: Vec<&str> = Vec::new();
    for r in rows {
        if !scenarios.contains(&r.scenario.as_str()) {
            scenarios.push(&r.scenario);
        }
    }
    let mut out = String::from("| scenario |");
    for h in HEADLINE {
        out.push_str(&format!(" Δ {h} |"));
    }
    out.push_str("\n|---|");
    out.push_str(&"---|".repeat(HEADLINE.len()));
    out.push('\n');
    for s in scenarios {
        out.push_str(&format!("| {s} |"));
        for h in HEADLINE {
            let cell = rows
                .iter()
                .find(|r| r.scenario == s && r.metric == h)
                .map(|r| match (r.diff.ci95_low, r.diff.ci95_high) {
                    (Some(lo), Some(hi)) => format!("{} [{}, {}]", sig(r.diff.mean), sig(lo), sig(hi)),
                    _ => sig(r.diff.mean),
                })
                .unwrap_or_default();
            out.push_str(&format!(" {cell} |"));
        }
        out.push('\n');
    }
    out
}

/// Four significant digits for tables meant for eyes.
pub fn sig(v: f64) -> String {
    if v == 0.0 || !v.is_finite() {
        return format!("{v}");
    }
    let digits = (3 - v.abs().log10().floor() as i32).max(0) as usize;
    format!("{v:.digits$}")
}

/// `failures.csv`: each failed replication and why (removed when none failed).
pub fn write_failures(
    dir: &Path,
    scenarios: &[Scenario],
    seed: u64,
    failures: &[(runner::Item, String)],
) -> Result<(), FileError> {
    let path = dir.join("failures.csv");
    if failures.is_empty() {
        if path.exists() {
            std::fs::remove_file(&path).map_err(io_err(&path))?;
        }
        return Ok(());
    }
    write_atomic(dir, "failures.csv", |w| {
        let mut c = csv::WriterBuilder::new()
            .terminator(csv::Terminator::Any(b'\n'))
            .from_writer(w);
        c.write_record(["scenario", "replication", "seed", "error"])
            .map_err(std::io::Error::other)?;
        for ((s, r), e) in failures {
            let seed = rng::replication_seed(seed, u64::from(*r));
            c.write_record([scenarios[*s].name.clone(), r.to_string(), seed_cell(seed), e.clone()])
                .map_err(std::io::Error::other)?;
        }
        c.flush()
    })
    .map(|_| ())
    .map_err(io_err(dir))
}
