//! The decision files of a study with several scenarios (see
//! docs/outputs.md): `ranking.csv`, `pairwise.csv`, `frontier.csv`,
//! `ceac.csv` and `evpi.csv`, from the tables of `study::decide`.

use crate::files::atomic::{num, write_atomic};
use crate::files::study_files::{csv_writer, note, opt, to_io};
use crate::model::metrics::METRICS;
use crate::model::scenario::Scenario;
use crate::study::decide::{self, CostEffect, Settings};
use crate::study::runner::RepResult;
use std::io;
use std::path::{Path, PathBuf};

/// Writes every decision file; the cost-effectiveness files only when the
/// effect metric has a direction (checked when the options are read).
pub fn write_all(
    dir: &Path,
    scenarios: &[Scenario],
    results: &[Vec<RepResult>],
    baseline: usize,
    settings: &Settings,
) -> io::Result<Vec<PathBuf>> {
    let mut files = vec![
        write_ranking(dir, &decide::rankings(scenarios, results, settings.rank_method))?,
        write_pairwise(dir, &decide::pairs(scenarios, results))?,
    ];
    if let Some(inputs) = decide::ce_inputs(results, baseline, settings.ce_metric) {
        let ce = decide::cost_effect(scenarios.len(), &inputs, settings.wtp.as_deref()).map_err(io::Error::other)?;
        let metric = METRICS[settings.ce_metric].name;
        files.push(write_frontier(dir, scenarios, &ce, metric, inputs.sign)?);
        files.push(write_ceac(dir, scenarios, &ce)?);
        files.push(write_evpi(dir, scenarios, &ce)?);
    }
    Ok(files)
}

/// `ranking.csv`: one row per metric with a direction × scenario.
pub fn write_ranking(dir: &Path, rows: &[decide::RankRow]) -> io::Result<PathBuf> {
    write_atomic(dir, "ranking.csv", |w| {
        let mut c = csv_writer(w);
        c.write_record([
            "metric",
            "direction",
            "method",
            "scenario",
            "n",
            "draws",
            "rank",
            "mean_rank",
            "rank_low",
            "rank_high",
            "p_best",
        ])
        .map_err(to_io)?;
        for r in rows {
            c.write_record([
                r.metric.to_string(),
                r.direction.as_str().to_string(),
                r.method.as_str().to_string(),
                r.scenario.clone(),
                r.n.to_string(),
                r.draws.to_string(),
                opt(r.ranks.rank),
                opt(r.ranks.mean_rank),
                opt(r.ranks.rank_low),
                opt(r.ranks.rank_high),
                opt(r.ranks.p_best),
            ])
            .map_err(to_io)?;
        }
        c.flush()
    })
}

/// `pairwise.csv`: one row per metric × pair of scenarios.
pub fn write_pairwise(dir: &Path, rows: &[decide::PairRow]) -> io::Result<PathBuf> {
    write_atomic(dir, "pairwise.csv", |w| {
        let mut c = csv_writer(w);
        c.write_record([
            "metric",
            "unit",
            "direction",
            "scenario_a",
            "scenario_b",
            "n",
            "diff_mean",
            "diff_sd",
            "diff_se",
            "ci95_low",
            "ci95_high",
            "p_value",
            "p_holm",
            "note",
        ])
        .map_err(to_io)?;
        for r in rows {
            let p = &r.pair;
            c.write_record([
                r.metric.to_string(),
                r.unit.to_string(),
                r.direction.as_str().to_string(),
                r.scenario_a.clone(),
                r.scenario_b.clone(),
                p.n.to_string(),
                opt(p.mean),
                opt(p.sd),
                opt(p.se),
                opt(p.ci_low),
                opt(p.ci_high),
                opt(p.p_value),
                opt(p.p_holm),
                note(p.note),
            ])
            .map_err(to_io)?;
        }
        c.flush()
    })
}

/// `frontier.csv`: one row per scenario, in the frontier's order.
pub fn write_frontier(
    dir: &Path,
    scenarios: &[Scenario],
    ce: &CostEffect,
    metric: &str,
    sign: f64,
) -> io::Result<PathBuf> {
    write_atomic(dir, "frontier.csv", |w| {
        let mut c = csv_writer(w);
        c.write_record([
            "scenario",
            "effect_metric",
            "effect_sign",
            "n",
            "cost_mean",
            "effect_mean",
            "inc_cost",
            "inc_effect",
            "icer",
            "status",
        ])
        .map_err(to_io)?;
        for r in &ce.frontier {
            c.write_record([
                name(scenarios, Some(r.strategy)),
                metric.to_string(),
                num(sign),
                ce.n.to_string(),
                opt(r.cost),
                opt(r.effect),
                opt(r.inc_cost),
                opt(r.inc_effect),
                opt(r.icer),
                r.status.as_str().to_string(),
            ])
            .map_err(to_io)?;
        }
        c.flush()
    })
}

fn name(scenarios: &[Scenario], s: Option<usize>) -> String {
    s.and_then(|i| scenarios.get(i))
        .map(|x| x.name.clone())
        .unwrap_or_default()
}

/// `ceac.csv`: one row per λ × scenario.
pub fn write_ceac(dir: &Path, scenarios: &[Scenario], ce: &CostEffect) -> io::Result<PathBuf> {
    write_atomic(dir, "ceac.csv", |w| {
        let mut c = csv_writer(w);
        c.write_record(["wtp", "scenario", "n", "p_highest_nmb", "mean_nmb", "optimal"])
            .map_err(to_io)?;
        for r in &ce.wtp {
            for (s, sc) in scenarios.iter().enumerate() {
                c.write_record([
                    num(r.wtp),
                    sc.name.clone(),
                    r.n_draws.to_string(),
                    opt(r.p_best.get(s).copied()),
                    opt(r.mean_nmb.get(s).copied()),
                    name(scenarios, r.best_expected),
                ])
                .map_err(to_io)?;
            }
        }
        c.flush()
    })
}

/// `evpi.csv`: one row per λ.
pub fn write_evpi(dir: &Path, scenarios: &[Scenario], ce: &CostEffect) -> io::Result<PathBuf> {
    write_atomic(dir, "evpi.csv", |w| {
        let mut c = csv_writer(w);
        c.write_record(["wtp", "n", "evpi", "optimal"]).map_err(to_io)?;
        for r in &ce.wtp {
            c.write_record([
                num(r.wtp),
                r.n_draws.to_string(),
                opt(r.evpi),
                name(scenarios, r.best_expected),
            ])
            .map_err(to_io)?;
        }
        c.flush()
    })
}
