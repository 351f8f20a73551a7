//! What a finished fit reports: each parameter's posterior against its
//! prior, and the posterior predictive check of each target.

use super::population::Population;
use super::simulator::PredictiveDraw;
use super::spec::{consistent, Fit};
use super::stats;
use crate::study::stats::{quantile_sorted, sorted};
use serde::Serialize;

/// One fitted parameter's posterior (weighted, on the parameter's values)
/// and its prior's 5% and 95% quantiles.
#[derive(Debug, Clone, Serialize)]
pub struct ParamSummary {
    pub path: String,
    pub prior: String,
    pub prior_q05: f64,
    pub prior_q95: f64,
    pub mean: f64,
    pub sd: f64,
    pub q05: f64,
    pub median: f64,
    pub q95: f64,
}

/// Posterior summaries of every parameter. Quantiles are weighted
/// inverse-CDF quantiles (`stats::weighted_quantile`) of the values.
pub fn posterior_summaries(fit: &Fit, population: &Population) -> Vec<ParamSummary> {
    let w = population.weights();
    fit.params
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let x: Vec<f64> = population.particles.iter().map(|q| p.value(q.theta[i])).collect();
            let q = |u: f64| stats::weighted_quantile(&x, &w, u).unwrap_or(f64::NAN);
            ParamSummary {
                path: p.path.clone(),
                prior: p.description.clone(),
                prior_q05: p.value(p.marginal.quantile(0.05)),
                prior_q95: p.value(p.marginal.quantile(0.95)),
                mean: stats::weighted_mean(&x, &w).unwrap_or(f64::NAN),
                sd: stats::weighted_variance(&x, &w).map_or(f64::NAN, f64::sqrt),
                q05: q(0.05),
                median: q(0.5),
                q95: q(0.95),
            }
        })
        .collect()
}

/// The posterior predictive check of one target: the predictive draws'
/// median and 90% interval (type-7 quantiles, `study::stats`) against the
/// fact.
#[derive(Debug, Clone, Serialize)]
pub struct PredictiveRow {
    pub target: String,
    /// Draws that gave a value, and draws that failed.
    pub draws: usize,
    pub failed: usize,
    pub median: f64,
    pub q05: f64,
    pub q95: f64,
    /// Share of the draws consistent with the fact: within one tolerance of
    /// a point, inside an interval.
    pub share_consistent: f64,
    /// Whether the 90% predictive interval covers the observed value (point)
    /// or overlaps the interval.
    pub covered: bool,
}

/// One row per target from the predictive draws.
pub fn predictive_rows(fit: &Fit, draws: &[PredictiveDraw]) -> Vec<PredictiveRow> {
    fit.targets
        .iter()
        .enumerate()
        .map(|(i, t)| {
            let values: Vec<f64> = draws
                .iter()
                .filter_map(|d| d.outcome.as_ref().ok().map(|s| s[i]))
                .collect();
            let s = sorted(&values);
            let (median, q05, q95) = if s.is_empty() {
                (f64::NAN, f64::NAN, f64::NAN)
            } else {
                (
                    quantile_sorted(&s, 0.5),
                    quantile_sorted(&s, 0.05),
                    quantile_sorted(&s, 0.95),
                )
            };
            let n_ok = values.iter().filter(|&&v| consistent(&t.target, v)).count();
            let covered = match t.target.criterion {
                super::target::Criterion::Point { .. } => q05 <= t.target.observed && t.target.observed <= q95,
                super::target::Criterion::Interval { lo, hi, .. } => q05 <= hi && lo <= q95,
            };
            PredictiveRow {
                target: t.target.name.clone(),
                draws: values.len(),
                failed: draws.len() - values.len(),
                median,
                q05,
                q95,
                share_consistent: if values.is_empty() {
                    f64::NAN
                } else {
                    n_ok as f64 / values.len() as f64
                },
                covered,
            }
        })
        .collect()
}
