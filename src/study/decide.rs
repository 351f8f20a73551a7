//! The decision tables of a study with several scenarios: rankings
//! (`ranking.csv`), every pair of scenarios (`pairwise.csv`) and the
//! cost-effectiveness analysis (`frontier.csv`, `ceac.csv`, `evpi.csv`),
//! computed from the replications with the functions of `study::decision`.
//!
//! Every table is over the replications: replication r of every scenario
//! shares its seed and, in a probabilistic run, its parameter draw, so the
//! values of one replication form a column of a `[scenario][replication]`
//! matrix. A replication that failed in some scenario is missing there
//! (NaN); each function says whether it then drops the whole replication
//! (complete cases) or only the pairs it is part of.

use crate::model::metrics::{Direction, METRICS};
use crate::model::scenario::Scenario;
use crate::study::compare::{self, boot_seed};
use crate::study::decision::cea::{self, IcerRow};
use crate::study::decision::{pairwise, ranking, DecisionError};
use crate::study::runner::RepResult;
use crate::study::stats;

/// Bootstrap resamples of the joint ranking bootstrap.
pub const RANK_RESAMPLES: usize = 2000;

/// How ranks were summarised.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RankMethod {
    /// Joint bootstrap over replications (a plain run: the uncertainty of
    /// the means).
    Bootstrap,
    /// Rank within each replication (a probabilistic run: each replication
    /// is a parameter draw, so the ranks spread over the parameters'
    /// uncertainty as well as the model's noise).
    ByReplication,
}

impl RankMethod {
    pub fn as_str(self) -> &'static str {
        match self {
            RankMethod::Bootstrap => "bootstrap",
            RankMethod::ByReplication => "by_replication",
        }
    }
}

/// What the decision tables of a study are computed with.
#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    pub rank_method: RankMethod,
    /// Index in `METRICS` of the cost-effectiveness analysis's effect metric.
    pub ce_metric: usize,
    /// Willingness-to-pay values (yuan per unit of effect); `None`: the
    /// default grid (`default_wtp`).
    pub wtp: Option<Vec<f64>>,
}

/// The default effect metric of the cost-effectiveness analysis.
pub const DEFAULT_CE_METRIC: &str = "satisfaction_mean";

/// `[scenario][replication]` matrix of metric `k` over replications
/// 0 … R − 1 (R = one past the highest replication any scenario finished);
/// NaN where a scenario's replication is missing.
pub fn matrix(results: &[Vec<RepResult>], k: usize) -> Vec<Vec<f64>> {
    let reps = replications(results);
    results
        .iter()
        .map(|rs| {
            let mut row = vec![f64::NAN; reps];
            for r in rs {
                row[r.replication as usize] = r.values[k];
            }
            row
        })
        .collect()
}

fn replications(results: &[Vec<RepResult>]) -> usize {
    results
        .iter()
        .flatten()
        .map(|r| r.replication as usize + 1)
        .max()
        .unwrap_or(0)
}

/// One row of `ranking.csv`: a scenario's ranks on one metric.
#[derive(Debug, Clone)]
pub struct RankRow {
    pub metric: &'static str,
    pub direction: Direction,
    pub method: RankMethod,
    pub scenario: String,
    /// Complete replications used (every scenario finished them).
    pub n: usize,
    /// Rankings summarised: bootstrap resamples or replications.
    pub draws: usize,
    pub ranks: ranking::ScenarioRank,
}

/// Rankings of the scenarios on every metric with a direction:
/// `ranking::rank_bootstrap` (`RANK_RESAMPLES` resamples, seed
/// `boot_seed(["ranking", metric])`) or `ranking::rank_by_replication`,
/// both at level 0.95 over the complete replications.
pub fn rankings(scenarios: &[Scenario], results: &[Vec<RepResult>], method: RankMethod) -> Vec<RankRow> {
    let mut out = Vec::new();
    for (k, m) in METRICS.iter().enumerate() {
        if m.direction == Direction::Neutral {
            continue;
        }
        let v = matrix(results, k);
        let r = match method {
            RankMethod::Bootstrap => {
                ranking::rank_bootstrap(&v, m.direction, RANK_RESAMPLES, 0.95, boot_seed(&["ranking", m.name]))
            }
            RankMethod::ByReplication => ranking::rank_by_replication(&v, m.direction, 0.95),
        };
        // The matrix is rectangular by construction.
        let Ok(r) = r else { continue };
        out.extend(r.rows.into_iter().map(|ranks| RankRow {
            metric: m.name,
            direction: m.direction,
            method,
            scenario: scenarios[ranks.scenario].name.clone(),
            n: r.n,
            draws: r.draws,
            ranks,
        }));
    }
    out
}

/// One row of `pairwise.csv`: scenario b − scenario a on one metric.
#[derive(Debug, Clone)]
pub struct PairRow {
    pub metric: &'static str,
    pub unit: &'static str,
    pub direction: Direction,
    pub scenario_a: String,
    pub scenario_b: String,
    /// The paired difference, its interval, p and Holm-adjusted p over the
    /// pairs of this metric.
    pub pair: pairwise::PairRow,
}

/// Every pair a < b of scenarios (command-line order) on every metric:
/// `pairwise::pairwise` at level 0.95, the interval clamped to [−1, 1] for
/// shares, over the replications both scenarios finished.
pub fn pairs(scenarios: &[Scenario], results: &[Vec<RepResult>]) -> Vec<PairRow> {
    let mut out = Vec::new();
    for (k, m) in METRICS.iter().enumerate() {
        let v = matrix(results, k);
        let Ok(rows) = pairwise::pairwise(&v, 0.95, stats::difference_bounds(m)) else {
            continue;
        };
        out.extend(rows.into_iter().map(|pair| PairRow {
            metric: m.name,
            unit: m.unit,
            direction: m.direction,
            scenario_a: scenarios[pair.i].name.clone(),
            scenario_b: scenarios[pair.j].name.clone(),
            pair,
        }));
    }
    out
}

/// Cost and effect per scenario and replication, for the cost-effectiveness
/// tables.
#[derive(Debug, Clone)]
pub struct CeInputs {
    /// Index of the effect metric in `METRICS`.
    pub metric: usize,
    /// +1 when more of the metric is better, −1 when less is (the effect is
    /// then minus the metric).
    pub sign: f64,
    /// `cost[s][r]`: net fiscal cost of scenario s against the baseline in
    /// replication r (`compare::net_costs`); 0 for the baseline.
    pub cost: Vec<Vec<f64>>,
    /// `effect[s][r]`: sign × the metric in replication r.
    pub effect: Vec<Vec<f64>>,
}

/// The cost and effect matrices: NaN where a scenario's replication (or,
/// for a cost, the baseline's) is missing. `None` for a metric without a
/// direction.
pub fn ce_inputs(results: &[Vec<RepResult>], baseline: usize, metric: usize) -> Option<CeInputs> {
    let sign = match METRICS[metric].direction {
        Direction::Higher => 1.0,
        Direction::Lower => -1.0,
        Direction::Neutral => return None,
    };
    let reps = replications(results);
    let mut cost = vec![vec![f64::NAN; reps]; results.len()];
    for r in &results[baseline] {
        cost[baseline][r.replication as usize] = 0.0;
    }
    for (s, rs) in results.iter().enumerate() {
        if s == baseline {
            continue;
        }
        let (b, x): (Vec<&RepResult>, Vec<&RepResult>) = results[baseline]
            .iter()
            .filter_map(|b| rs.iter().find(|x| x.replication == b.replication).map(|x| (b, x)))
            .unzip();
        for c in compare::net_costs(&b, &x) {
            cost[s][c.replication as usize] = c.net;
        }
    }
    let effect = matrix(results, metric)
        .into_iter()
        .map(|row| row.into_iter().map(|v| sign * v).collect())
        .collect();
    Some(CeInputs {
        metric,
        sign,
        cost,
        effect,
    })
}

/// The cost-effectiveness tables of a study: the ICER table (rows in
/// `cea::calculate_icers`'s order; `strategy` indexes the scenarios) over
/// `n` complete replications, and one `cea::WtpRow` per λ.
#[derive(Debug, Clone)]
pub struct CostEffect {
    pub n: usize,
    pub frontier: Vec<IcerRow>,
    pub wtp: Vec<cea::WtpRow>,
    /// Whether the λ grid is the default one (`default_wtp`).
    pub default_grid: bool,
}

/// The frontier from mean cost and effect over the complete replications
/// (`cea::psa_means`, `cea::calculate_icers`), and the CEAC, expected NMB,
/// optimal strategy and EVPI at each λ of `wtp` (`cea::ceac`; the default
/// grid of `default_wtp` when `None`). Errors: a λ that is not finite.
pub fn cost_effect(scenarios: usize, inputs: &CeInputs, wtp: Option<&[f64]>) -> Result<CostEffect, DecisionError> {
    let means = cea::psa_means(&inputs.cost, &inputs.effect)?;
    let (n, mc, me) = match means {
        Some(m) => (m.n_draws, m.cost, m.effect),
        None => (0, vec![f64::NAN; scenarios], vec![f64::NAN; scenarios]),
    };
    let frontier = cea::calculate_icers(&mc, &me)?;
    let grid = match wtp {
        Some(w) => w.to_vec(),
        None => default_wtp(&frontier, &mc, &me),
    };
    Ok(CostEffect {
        n,
        wtp: cea::ceac(&inputs.cost, &inputs.effect, &grid)?,
        frontier,
        default_grid: wtp.is_none(),
    })
}

/// Points of the default λ grid besides the frontier's ICERs.
pub const DEFAULT_WTP_STEPS: usize = 50;

/// The default willingness-to-pay grid: 0 … λ_max in `DEFAULT_WTP_STEPS`
/// equal steps, plus every ICER of the frontier (where the optimal strategy
/// changes), sorted. λ_max is twice the largest frontier ICER, rounded up to
/// 1, 2 or 5 × 10^k; without a positive ICER on the frontier (one strategy
/// dominates), twice the largest |mean Δcost / mean Δeffect| of a scenario
/// against the least costly one; without that either, 1.
pub fn default_wtp(frontier: &[IcerRow], cost: &[f64], effect: &[f64]) -> Vec<f64> {
    let icers: Vec<f64> = frontier
        .iter()
        .filter_map(|r| r.icer)
        .filter(|v| v.is_finite() && *v > 0.0)
        .collect();
    let mut top = icers.iter().copied().fold(0.0, f64::max);
    if top <= 0.0 {
        let cheapest = (0..cost.len())
            .filter(|&s| cost[s].is_finite() && effect[s].is_finite())
            .min_by(|&a, &b| cost[a].total_cmp(&cost[b]));
        if let Some(c) = cheapest {
            for s in 0..cost.len() {
                let ratio = ((cost[s] - cost[c]) / (effect[s] - effect[c])).abs();
                if ratio.is_finite() {
                    top = top.max(ratio);
                }
            }
        }
    }
    let top = if top > 0.0 { nice_ceiling(2.0 * top) } else { 1.0 };
    let mut grid: Vec<f64> = (0..=DEFAULT_WTP_STEPS)
        .map(|i| top * i as f64 / DEFAULT_WTP_STEPS as f64)
        .chain(icers)
        .collect();
    grid.sort_by(f64::total_cmp);
    grid.dedup();
    grid
}

/// The smallest 1, 2 or 5 × 10^k that is ≥ x (x > 0 and finite).
fn nice_ceiling(x: f64) -> f64 {
    let p = 10f64.powf(x.log10().floor());
    [1.0, 2.0, 5.0, 10.0]
        .iter()
        .map(|m| m * p)
        .find(|v| *v >= x)
        .unwrap_or(10.0 * p)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::study::decision::cea::CeStatus;

    #[test]
    fn nice_ceilings() {
        assert_eq!(nice_ceiling(0.7), 1.0);
        assert_eq!(nice_ceiling(1.0), 1.0);
        assert_eq!(nice_ceiling(1.2), 2.0);
        assert_eq!(nice_ceiling(3.0), 5.0);
        assert_eq!(nice_ceiling(7.0e8), 1.0e9);
    }

    #[test]
    fn the_default_grid_spans_the_frontier() {
        let row = |icer: Option<f64>, status| IcerRow {
            strategy: 0,
            cost: Some(0.0),
            effect: Some(0.0),
            inc_cost: None,
            inc_effect: None,
            icer,
            status,
        };
        let f = [
            row(None, CeStatus::Reference),
            row(Some(300.0), CeStatus::NonDominated),
            row(Some(1234.0), CeStatus::NonDominated),
        ];
        let g = default_wtp(&f, &[0.0, 1.0, 2.0], &[0.0, 1.0, 2.0]);
        assert_eq!(g.first(), Some(&0.0));
        assert_eq!(g.last(), Some(&5000.0)); // 2 × 1234 → 5000
        assert!(g.contains(&300.0) && g.contains(&1234.0) && g.contains(&100.0));
        // 51 steps of 100 (300 is one of them) and 1234
        assert_eq!(g.len(), DEFAULT_WTP_STEPS + 2);
        // a dominant strategy: the ratio against the cheapest sets the scale
        let g = default_wtp(&f[..1], &[10.0, 0.0], &[2.0, 1.0]);
        assert_eq!(g.last(), Some(&20.0));
        assert_eq!(default_wtp(&[], &[], &[]).last(), Some(&1.0));
    }
}
