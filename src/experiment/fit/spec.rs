//! A fit as plain data (`shequ fit`): the scenario, the priors on parameter
//! paths, the targets on metrics and their statistics, and the algorithm's
//! settings. Reading fit files is `files/fit_file.rs`; simulating a
//! candidate is [`super::simulator`].
//!
//! # θ and parameter values
//!
//! The engine works on θ, one coordinate per prior. For a continuous prior
//! (range, normal, log-normal, triangular, gamma) θ is the parameter's value.
//! For a list prior (`values = [..]`, equally likely) θ is a latent
//! coordinate u ~ U(0, 1) and the value is `values[⌊u·n⌋]`, as an experiment
//! file's list factor maps its unit coordinate; the kernel perturbs u, so a
//! list is best kept short. `Fit::values` maps θ to values; posterior.csv
//! holds values.
//!
//! # Statistics
//!
//! A target compares one number per simulation with a fact:
//! * `window_mean` over horizon months a..b: the metric computed from the
//!   raw sums of those months, exactly as the outcome window defines it
//!   (ratios of sums, stocks at month b), so with the default window (the
//!   outcome window) it is the runs.csv value;
//! * `value_at` month m: the metric of month m alone (timeseries.csv's value);
//! * `trend_per_year` over months a..b (default: the whole horizon): the
//!   ordinary least-squares slope of the monthly values against the month,
//!   times 12.
//!
//! With `replications` R > 1 per candidate the statistic is the mean over
//! the R replications.

use super::prior::{Marginal, Param, Prior};
use super::smc::SmcConfig;
use super::target::{Criterion, Target, Targets};
use crate::experiment::spec::set_param;
use crate::model::metrics::{self, Totals, METRICS};
use crate::model::params::Params;
use crate::model::scenario::Scenario;
use crate::study::shard::SourceHash;
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// What a target measures in one simulation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "statistic", rename_all = "snake_case")]
pub enum Statistic {
    /// The metric over horizon months `from..=to` (1-based) as the outcome
    /// window defines it.
    WindowMean { from: u32, to: u32 },
    /// The metric of month `month` (1-based).
    ValueAt { month: u32 },
    /// OLS slope of the monthly values over `from..=to`, per year (× 12).
    TrendPerYear { from: u32, to: u32 },
}

impl Statistic {
    pub fn name(&self) -> &'static str {
        match self {
            Statistic::WindowMean { .. } => "window_mean",
            Statistic::ValueAt { .. } => "value_at",
            Statistic::TrendPerYear { .. } => "trend_per_year",
        }
    }

    /// The months it reads, as text for tables: `49-60` or `12`.
    pub fn months(&self) -> String {
        match *self {
            Statistic::WindowMean { from, to } | Statistic::TrendPerYear { from, to } => format!("{from}-{to}"),
            Statistic::ValueAt { month } => month.to_string(),
        }
    }

    /// The statistic of metric `m` from a replication's monthly totals
    /// (index 0 = horizon month 1). The months were checked when the fit
    /// was loaded; out-of-range months give NaN (a failed simulation).
    pub fn of(&self, m: usize, monthly: &[Totals]) -> f64 {
        let span = |from: u32, to: u32| {
            let (a, b) = (from as usize, to as usize);
            (a >= 1 && a <= b && b <= monthly.len()).then(|| &monthly[a - 1..b])
        };
        match *self {
            Statistic::WindowMean { from, to } => span(from, to).map_or(f64::NAN, |months| {
                let mut w = Totals::default();
                for t in months {
                    w.add(t);
                }
                metrics::values(&w)[m]
            }),
            Statistic::ValueAt { month } => span(month, month).map_or(f64::NAN, |t| metrics::values(&t[0])[m]),
            Statistic::TrendPerYear { from, to } => span(from, to).map_or(f64::NAN, |months| {
                let y: Vec<f64> = months.iter().map(|t| metrics::values(t)[m]).collect();
                12.0 * ols_slope(&y)
            }),
        }
    }
}

/// Least-squares slope of `y` against 0, 1, 2, … (NaN for fewer than 2 points).
pub fn ols_slope(y: &[f64]) -> f64 {
    let n = y.len() as f64;
    if y.len() < 2 {
        return f64::NAN;
    }
    let xbar = (n - 1.0) / 2.0;
    let ybar = y.iter().sum::<f64>() / n;
    let (mut sxy, mut sxx) = (0.0, 0.0);
    for (i, &v) in y.iter().enumerate() {
        let dx = i as f64 - xbar;
        sxy += dx * (v - ybar);
        sxx += dx * dx;
    }
    sxy / sxx
}

/// One fitted parameter.
#[derive(Debug, Clone, PartialEq)]
pub struct FitParam {
    /// Dotted parameter path, e.g. `cadres.pay_elasticity`.
    pub path: String,
    /// The prior of θ (for a list: the latent U(0, 1)).
    pub marginal: Marginal,
    /// A list prior's values; `None` for a continuous prior.
    pub values: Option<Vec<f64>>,
    /// How the prior was written, for the manifest and the report.
    pub description: String,
    /// The parameter's valid range (`shequ params`).
    pub valid: (f64, f64),
}

impl FitParam {
    /// The parameter value at θ-coordinate `x`.
    pub fn value(&self, x: f64) -> f64 {
        match &self.values {
            None => x,
            Some(v) => v[((x * v.len() as f64).max(0.0) as usize).min(v.len() - 1)],
        }
    }
}

/// One target: what is measured, the fact it is compared with, and where
/// the fact comes from.
#[derive(Debug, Clone, PartialEq)]
pub struct FitTarget {
    /// The engine's target (name, observed value, point or interval, weight).
    pub target: Target,
    /// Index into `METRICS`.
    pub metric: usize,
    pub statistic: Statistic,
    /// Where the fact comes from (free text).
    pub source: String,
    /// Its provenance tag (`report`, `secondary`, `estimate`, …).
    pub provenance: String,
}

impl FitTarget {
    pub fn metric_name(&self) -> &'static str {
        METRICS[self.metric].name
    }
}

/// Provenance tags a target may carry: the parameters' tags, plus
/// `interpretation` (a reading of the report's words as a number) and
/// `synthetic` (generated from chosen parameter values, for tests).
pub const TARGET_PROVENANCE: [&str; 7] = [
    "report",
    "firm",
    "secondary",
    "derived",
    "estimate",
    "interpretation",
    "synthetic",
];

/// The algorithm's settings beyond the engine's.
#[derive(Debug, Clone, PartialEq)]
pub struct Algorithm {
    pub smc: SmcConfig,
    /// Replications per candidate (their statistics are averaged).
    pub replications: u32,
    /// Posterior predictive draws K for predictive.csv.
    pub predictive_draws: usize,
    /// `simulation.population_scale` as overridden by the fit (already
    /// applied to the scenario); `None` when the scenario's own is used.
    pub population_scale: Option<f64>,
}

/// A loaded, checked fit.
#[derive(Debug, Clone)]
pub struct Fit {
    pub name: String,
    pub description: String,
    pub path: PathBuf,
    pub sha256: String,
    /// The scenario every candidate runs, with the fit's overrides applied.
    pub scenario: Scenario,
    pub params: Vec<FitParam>,
    pub targets: Vec<FitTarget>,
    pub algorithm: Algorithm,
}

impl Fit {
    /// The engine's prior, in `params` order.
    pub fn prior(&self) -> Result<Prior, String> {
        Prior::new(
            self.params
                .iter()
                .map(|p| Param::new(p.path.clone(), p.marginal.clone()))
                .collect(),
        )
        .map_err(|e| e.to_string())
    }

    /// The engine's targets, in `targets` order.
    pub fn engine_targets(&self) -> Result<Targets, String> {
        Targets::new(self.targets.iter().map(|t| t.target.clone()).collect()).map_err(|e| e.to_string())
    }

    /// Parameter values at θ.
    pub fn values(&self, theta: &[f64]) -> Vec<f64> {
        self.params.iter().zip(theta).map(|(p, &x)| p.value(x)).collect()
    }

    /// The scenario's parameters with θ applied (each value range-checked by `set_param`).
    pub fn params_at(&self, theta: &[f64]) -> Result<Params, String> {
        if theta.len() != self.params.len() {
            return Err(format!(
                "θ has {} coordinates for {} priors",
                theta.len(),
                self.params.len()
            ));
        }
        let mut p = self.scenario.params.clone();
        for (fp, &x) in self.params.iter().zip(theta) {
            p = set_param(&p, &fp.path, fp.value(x))?;
        }
        Ok(p)
    }

    /// Parameter paths, in θ order (posterior.csv's columns).
    pub fn param_paths(&self) -> Vec<String> {
        self.params.iter().map(|p| p.path.clone()).collect()
    }

    /// Target names, in order (posterior.csv's `d_<name>` columns).
    pub fn target_names(&self) -> Vec<String> {
        self.targets.iter().map(|t| t.target.name.clone()).collect()
    }
}

/// What makes two fits the same study, so that `--resume`, shards and
/// merges never mix fits: the tool version, the fit file's hash (which
/// covers priors, targets and algorithm, seed included), the scenario's
/// files and their hashes, and the seed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FitIdentity {
    pub tool: String,
    pub version: String,
    /// The fit file (absolute path, for a merge to reload it) and its SHA-256.
    pub fit: SourceHash,
    pub scenario: String,
    /// The scenario's files (itself, what it extends, the data file).
    pub sources: Vec<SourceHash>,
    pub seed: u64,
}

impl Fit {
    /// This fit's identity; `path` is the fit file's absolute path.
    pub fn identity(&self, path: &str) -> FitIdentity {
        FitIdentity {
            tool: "shequ".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            fit: SourceHash {
                path: path.into(),
                sha256: self.sha256.clone(),
            },
            scenario: self.scenario.name.clone(),
            sources: self
                .scenario
                .sources
                .iter()
                .map(|s| SourceHash {
                    path: s.path.display().to_string(),
                    sha256: s.sha256.clone(),
                })
                .collect(),
            seed: self.algorithm.smc.seed,
        }
    }
}

/// Why a stored fit is not this one (`None` when it is). Paths may differ
/// (a moved folder); contents may not.
pub fn identity_mismatch(stored: &FitIdentity, now: &FitIdentity) -> Option<String> {
    if stored.tool != now.tool || stored.version != now.version {
        return Some(format!(
            "it was written by {} {}, this is {} {}",
            stored.tool, stored.version, now.tool, now.version
        ));
    }
    if stored.fit.sha256 != now.fit.sha256 {
        return Some(format!(
            "the fit file changed since ({} was {}, {} is {})",
            stored.fit.path, stored.fit.sha256, now.fit.path, now.fit.sha256
        ));
    }
    if stored.seed != now.seed {
        return Some(format!("the seed was {}, now {}", stored.seed, now.seed));
    }
    if stored.scenario != now.scenario || stored.sources.len() != now.sources.len() {
        return Some(format!(
            "the scenario was `{}` from {} file(s), now `{}` from {}",
            stored.scenario,
            stored.sources.len(),
            now.scenario,
            now.sources.len()
        ));
    }
    stored.sources.iter().zip(&now.sources).find_map(|(a, b)| {
        (a.sha256 != b.sha256).then(|| format!("scenario file {} changed since (now {})", a.path, b.path))
    })
}

/// A target's fact as (kind, observed, lo, hi, tolerance) for tables; NaN
/// where a field does not apply.
pub fn fact(t: &Target) -> (&'static str, f64, f64, f64, f64) {
    match t.criterion {
        Criterion::Point { tolerance } => ("point", t.observed, f64::NAN, f64::NAN, tolerance),
        Criterion::Interval { lo, hi, tolerance } => ("interval", t.observed, lo, hi, tolerance.unwrap_or(f64::NAN)),
    }
}

/// Whether summary `s` is consistent with the target: within one tolerance
/// of a point fact, inside an interval.
pub fn consistent(t: &Target, s: f64) -> bool {
    match t.criterion {
        Criterion::Point { tolerance } => (s - t.observed).abs() <= tolerance,
        Criterion::Interval { lo, hi, .. } => lo <= s && s <= hi,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ols_slope_of_a_line_and_of_noise_free_data() {
        assert!((ols_slope(&[1.0, 3.0, 5.0, 7.0]) - 2.0).abs() < 1e-15);
        assert_eq!(ols_slope(&[4.0, 4.0, 4.0]), 0.0);
        assert!(ols_slope(&[1.0]).is_nan());
        // y = 0.5 + 0.25 t with alternating ±0.1 noise that is orthogonal to t
        // only on average: the slope is close, not exact.
        let y: Vec<f64> = (0..24)
            .map(|t| 0.5 + 0.25 * t as f64 + if t % 2 == 0 { 0.1 } else { -0.1 })
            .collect();
        assert!((ols_slope(&y) - 0.25).abs() < 0.01);
    }

    #[test]
    fn list_values_follow_the_latent_coordinate() {
        let p = FitParam {
            path: "x".into(),
            marginal: Marginal::new(super::super::prior::Dist::Uniform { lo: 0.0, hi: 1.0 }).expect("valid"),
            values: Some(vec![1.0, 2.0, 3.0]),
            description: String::new(),
            valid: (0.0, 10.0),
        };
        assert_eq!(p.value(0.0), 1.0);
        assert_eq!(p.value(0.34), 2.0);
        assert_eq!(p.value(0.99), 3.0);
        assert_eq!(p.value(1.0), 3.0);
    }
}
