//! Global sensitivity estimators over a design's model outputs.
//!
//! Sobol indices (Saltelli design, n base rows, k factors; f_A, f_B and
//! f_AB^(i) the outputs at the rows of `design::saltelli`):
//! - V = sample variance (denominator 2n − 1) of the 2n values f_A and f_B;
//! - first order S_i = mean_j[(f_B,j − f̄) (f_AB^(i),j − f_A,j)] / V
//!   (Saltelli et al. 2010, table 2 (b)), with f̄ the mean of those 2n
//!   values: centring keeps the estimator unbiased and stops a large output
//!   mean from inflating its variance (SALib centres too);
//! - total ST_i = mean_j[(f_A,j − f_AB^(i),j)²] / (2V) (Jansen 1999).
//!
//! 95% intervals are percentile bootstrap intervals: the n rows are
//! resampled with replacement B times, the indices recomputed on each
//! resample, and the 2.5% and 97.5% quantiles (R type 7) taken.
//!
//! Morris (r trajectories): the elementary effect of factor i on trajectory t
//! is EE = (f(x') − f(x)) / (x'_i − x_i), with x → x' the step that moved i,
//! in output units per unit of the factor's unit-cube coordinate (that is,
//! per whole range of the factor). μ = mean EE, μ* = mean |EE|, σ = sample
//! standard deviation of EE (n − 1); μ*'s interval is a bootstrap over
//! trajectories, as above.

use crate::experiment::design::{Design, Label};
use crate::model::rng::Rng;
use crate::study::stats::{self, quantile_sorted};
use rand::RngExt as _;

/// A point estimate and its 95% bootstrap interval.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Estimate {
    pub value: f64,
    pub low: f64,
    pub high: f64,
}

/// First-order and total Sobol indices of one factor.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SobolIndex {
    pub first: Estimate,
    pub total: Estimate,
}

/// Morris statistics of one factor.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MorrisIndex {
    pub mu: f64,
    pub mu_star: Estimate,
    pub sigma: f64,
    pub trajectories: usize,
}

/// Outputs of a Saltelli design arranged by role: `a[j]`, `b[j]`, `ab[i][j]`.
#[derive(Debug, Clone)]
pub struct SaltelliOutputs {
    pub a: Vec<f64>,
    pub b: Vec<f64>,
    pub ab: Vec<Vec<f64>>,
}

impl SaltelliOutputs {
    /// Arranges per-point outputs `y` of a Saltelli design with `k` factors.
    pub fn from_design(d: &Design, k: usize, y: &[f64]) -> SaltelliOutputs {
        let n = d.labels.iter().filter(|l| matches!(l, Label::SobolA { .. })).count();
        let mut out = SaltelliOutputs {
            a: vec![f64::NAN; n],
            b: vec![f64::NAN; n],
            ab: vec![vec![f64::NAN; n]; k],
        };
        for (l, &v) in d.labels.iter().zip(y) {
            match *l {
                Label::SobolA { row } => out.a[row] = v,
                Label::SobolB { row } => out.b[row] = v,
                Label::SobolAB { row, factor } => out.ab[factor][row] = v,
                _ => {}
            }
        }
        out
    }

    /// Indices from the rows `rows` (a resample, or 0..n).
    fn indices(&self, rows: &[usize]) -> Vec<(f64, f64)> {
        let n = rows.len() as f64;
        let all: Vec<f64> = rows.iter().flat_map(|&j| [self.a[j], self.b[j]]).collect();
        let m = stats::mean(&all);
        let var = all.iter().map(|v| (v - m) * (v - m)).sum::<f64>() / (all.len() as f64 - 1.0);
        self.ab
            .iter()
            .map(|abi| {
                let mut first = 0.0;
                let mut total = 0.0;
                for &j in rows {
                    // Centring f_B leaves the estimator unbiased (f_AB and
                    // f_A have equal means) and removes the variance a large
                    // mean would add: satisfaction ≈ 0.5 varies by ~0.01.
                    first += (self.b[j] - m) * (abi[j] - self.a[j]);
                    total += (self.a[j] - abi[j]) * (self.a[j] - abi[j]);
                }
                if var > 0.0 {
                    (first / n / var, total / (2.0 * n) / var)
                } else {
                    (0.0, 0.0)
                }
            })
            .collect()
    }
}

fn interval(mut samples: Vec<f64>, value: f64) -> Estimate {
    samples.retain(|x| x.is_finite());
    samples.sort_by(f64::total_cmp);
    if samples.is_empty() {
        return Estimate {
            value,
            low: f64::NAN,
            high: f64::NAN,
        };
    }
    Estimate {
        value,
        low: quantile_sorted(&samples, 0.025),
        high: quantile_sorted(&samples, 0.975),
    }
}

fn resample(n: usize, rng: &mut Rng) -> Vec<usize> {
    (0..n).map(|_| rng.random_range(0..n)).collect()
}

/// Sobol indices of every factor, with `resamples` bootstrap resamples.
pub fn sobol(y: &SaltelliOutputs, resamples: usize, rng: &mut Rng) -> Vec<SobolIndex> {
    let n = y.a.len();
    let k = y.ab.len();
    let all: Vec<usize> = (0..n).collect();
    let point = y.indices(&all);
    let mut boot: Vec<(Vec<f64>, Vec<f64>)> = vec![(Vec::with_capacity(resamples), Vec::with_capacity(resamples)); k];
    for _ in 0..resamples {
        let rows = resample(n, rng);
        for (i, (f, t)) in y.indices(&rows).into_iter().enumerate() {
            boot[i].0.push(f);
            boot[i].1.push(t);
        }
    }
    point
        .into_iter()
        .zip(boot)
        .map(|((f, t), (bf, bt))| SobolIndex {
            first: interval(bf, f),
            total: interval(bt, t),
        })
        .collect()
}

/// Elementary effects per factor (`effects[i]` has one per trajectory)
/// from the outputs `y` of a Morris design.
pub fn elementary_effects(d: &Design, k: usize, y: &[f64]) -> Vec<Vec<f64>> {
    let mut effects = vec![Vec::new(); k];
    for s in 1..d.points.len() {
        if let Label::Morris { moved: Some(i), .. } = d.labels[s] {
            let dx = d.points[s][i] - d.points[s - 1][i];
            effects[i].push((y[s] - y[s - 1]) / dx);
        }
    }
    effects
}

/// Morris μ, μ* (with bootstrap interval) and σ per factor.
pub fn morris(effects: &[Vec<f64>], resamples: usize, rng: &mut Rng) -> Vec<MorrisIndex> {
    effects
        .iter()
        .map(|ee| {
            let r = ee.len();
            let mean_abs =
                |idx: &mut dyn Iterator<Item = usize>| stats::mean(&idx.map(|j| ee[j].abs()).collect::<Vec<_>>());
            let summary = stats::summarise(ee);
            let (mu, sigma) = (summary.mean, summary.sd.unwrap_or(f64::NAN));
            let mu_star = mean_abs(&mut (0..r));
            let boot: Vec<f64> = (0..if r > 0 { resamples } else { 0 })
                .map(|_| mean_abs(&mut resample(r, rng).into_iter()))
                .collect();
            MorrisIndex {
                mu,
                mu_star: interval(boot, mu_star),
                sigma,
                trajectories: r,
            }
        })
        .collect()
}
