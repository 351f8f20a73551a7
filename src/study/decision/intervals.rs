//! Confidence intervals for a mean over replications (or for a mean paired
//! difference), with optional clamping to a metric's bounds and a note for
//! degenerate rows.
//!
//! All functions first drop non-finite values; `n` is the number used.
//!
//! **Notes** ([`RowNote`]), assigned in this order of precedence:
//! 1. `"n<2"` — fewer than 2 finite values. n = 0: mean and interval empty;
//!    n = 1: mean only, interval empty.
//! 2. `"at bound"` — bounds were given and every value equals the same bound
//!    (`lo` or `hi`), e.g. a share that is 0 in every replication. The interval
//!    is the point `[b, b]`.
//! 3. `"all tied"` — every value is exactly 0 (for a paired difference: no
//!    replication differs from the baseline). Interval `[0, 0]`.
//! 4. `"constant"` — every value equals the same non-zero c (not a bound).
//!    Interval `[c, c]`.
//! 5. `"censored at bound"` — bounds were given and the mean or an interval
//!    end lies at `lo` or `hi` after clamping: the interval was clipped there
//!    (t), or the bootstrap distribution piles up there. Nominal coverage is
//!    not guaranteed near a bound; report with care.
//!
//! The zero-width intervals of notes 2–4 say that no replication varied — not
//! that the value is known with certainty; the note must travel with the row.
//!
//! **Clamping**: when `bounds` is given, the mean and both ends are clamped
//! into `[lo, hi]`, so a share's mean and interval never leave `[0, 1]` and a
//! difference of shares never leaves `[−1, 1]`. The values themselves are
//! not clipped (a value outside the bounds is a data error upstream).

use super::common::Bounds;
use super::common::{all_equal, finite, mean, norm_cdf, norm_ppf, quantile_sorted, sd, sort_f64, t_ppf, valid_level};
use rand::{RngExt, SeedableRng};
use rand_pcg::Pcg64Mcg;
use serde::Serialize;

/// Note for a degenerate or boundary row; see the module docs for the
/// definitions and precedence.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum RowNote {
    #[serde(rename = "n<2")]
    TooFew,
    #[serde(rename = "at bound")]
    AtBound,
    #[serde(rename = "all tied")]
    AllTied,
    #[serde(rename = "constant")]
    Constant,
    #[serde(rename = "censored at bound")]
    CensoredAtBound,
}

impl RowNote {
    /// The label written to outputs: `"n<2"`, `"at bound"`, `"all tied"`,
    /// `"constant"`, `"censored at bound"`.
    pub fn as_str(&self) -> &'static str {
        match self {
            RowNote::TooFew => "n<2",
            RowNote::AtBound => "at bound",
            RowNote::AllTied => "all tied",
            RowNote::Constant => "constant",
            RowNote::CensoredAtBound => "censored at bound",
        }
    }
}

/// How an interval was computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum IntervalMethod {
    /// Student t: mean ± t(1 − α/2, n − 1) · sd/√n.
    T,
    /// Bootstrap percentile.
    Percentile,
    /// Bootstrap bias-corrected and accelerated.
    Bca,
}

/// A mean with its confidence interval.
///
/// `method` is the method actually used: a BCa request that cannot be
/// computed (see [`bootstrap_bca`]) falls back to the percentile interval and
/// says so here. `low`/`high` are `None` when n < 2, when `level` is not in
/// (0, 1), or when a bootstrap is asked for with 0 resamples.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Interval {
    pub n: usize,
    pub mean: Option<f64>,
    pub low: Option<f64>,
    pub high: Option<f64>,
    pub level: f64,
    pub method: IntervalMethod,
    pub note: Option<RowNote>,
}

/// Pre-computation note for the finite values `x` (precedence 1–4 of the
/// module docs; "censored at bound" depends on the interval and is added by
/// the interval functions).
pub fn classify(x: &[f64], bounds: Option<Bounds>) -> Option<RowNote> {
    let v = finite(x);
    classify_finite(&v, bounds.filter(Bounds::is_valid))
}

fn classify_finite(v: &[f64], bounds: Option<Bounds>) -> Option<RowNote> {
    if v.len() < 2 {
        return Some(RowNote::TooFew);
    }
    if !all_equal(v) {
        return None;
    }
    if bounds.is_some_and(|b| b.at_bound(v[0])) {
        Some(RowNote::AtBound)
    } else if v[0] == 0.0 {
        Some(RowNote::AllTied)
    } else {
        Some(RowNote::Constant)
    }
}

/// Assembles the result: clamps, and adds "censored at bound".
fn finish(
    n: usize,
    mean: Option<f64>,
    ci: Option<(f64, f64)>,
    level: f64,
    method: IntervalMethod,
    note: Option<RowNote>,
    bounds: Option<Bounds>,
) -> Interval {
    let clamp = |x: f64| bounds.map_or(x, |b| b.clamp(x));
    let mean = mean.map(clamp);
    let ci = ci.map(|(l, h)| (clamp(l), clamp(h)));
    let mut note = note;
    if note.is_none() {
        if let Some(b) = bounds {
            let touches =
                mean.is_some_and(|m| b.at_bound(m)) || ci.is_some_and(|(l, h)| b.at_bound(l) || b.at_bound(h));
            if touches {
                note = Some(RowNote::CensoredAtBound);
            }
        }
    }
    Interval {
        n,
        mean,
        low: ci.map(|c| c.0),
        high: ci.map(|c| c.1),
        level,
        method,
        note,
    }
}

/// Degenerate rows (notes 1–4): the mean (exact value when all are equal)
/// and the point interval `[c, c]` (none when n < 2).
fn degenerate(v: &[f64], note: RowNote, level: f64, method: IntervalMethod, bounds: Option<Bounds>) -> Interval {
    let n = v.len();
    if note == RowNote::TooFew {
        return finish(n, mean(v), None, level, method, Some(note), bounds);
    }
    let c = v[0];
    let ci = valid_level(level).then_some((c, c));
    finish(n, Some(c), ci, level, method, Some(note), bounds)
}

/// Student-t confidence interval for the mean.
///
/// Definition, on the n finite values: x̄ ± t(1 − α/2, n − 1) · s/√n with
/// α = 1 − `level`, s the sample sd (n − 1 denominator). Then clamped to
/// `bounds` if given, and noted as in the module docs. n < 2 or an invalid
/// `level` (not strictly between 0 and 1) gives no interval.
pub fn t_interval(x: &[f64], level: f64, bounds: Option<Bounds>) -> Interval {
    let bounds = bounds.filter(Bounds::is_valid);
    let v = finite(x);
    if let Some(note) = classify_finite(&v, bounds) {
        return degenerate(&v, note, level, IntervalMethod::T, bounds);
    }
    let n = v.len();
    let m = mean(&v);
    let ci = match (m, sd(&v), t_ppf(1.0 - (1.0 - level) / 2.0, (n - 1) as f64)) {
        (Some(m), Some(s), Some(t)) if valid_level(level) => {
            // t × se, as scipy `t.interval(loc=mean, scale=sem)` computes it
            let half = t * (s / (n as f64).sqrt());
            Some((m - half, m + half))
        }
        _ => None,
    };
    finish(n, m, ci, level, IntervalMethod::T, None, bounds)
}

/// The `resamples` bootstrap means of `v` (n ≥ 1): each resample draws n
/// indices uniformly with replacement via `Pcg64Mcg::seed_from_u64(seed)`
/// and `random_range(0..n)`, in order, resample by resample.
pub fn bootstrap_means(x: &[f64], resamples: usize, seed: u64) -> Vec<f64> {
    let v = finite(x);
    let n = v.len();
    if n == 0 {
        return Vec::new();
    }
    let mut rng = Pcg64Mcg::seed_from_u64(seed);
    (0..resamples)
        .map(|_| {
            let s: f64 = (0..n).map(|_| v[rng.random_range(0..n)]).sum();
            s / n as f64
        })
        .collect()
}

/// Bootstrap percentile interval for the mean.
///
/// Definition: draw `resamples` (B) bootstrap samples of the n finite values
/// (see [`bootstrap_means`]; deterministic given `seed`), compute each mean
/// θ*_b, and report the type-7 quantiles of {θ*_b} at α/2 and 1 − α/2
/// (α = 1 − `level`), as scipy `bootstrap(method='percentile')` does. The
/// point estimate is the sample mean. Clamped and noted as in the module
/// docs; B = 0, n < 2 or an invalid level gives no interval.
pub fn bootstrap_percentile(x: &[f64], level: f64, resamples: usize, seed: u64, bounds: Option<Bounds>) -> Interval {
    bootstrap(x, level, resamples, seed, bounds, IntervalMethod::Percentile)
}

/// Bootstrap BCa (bias-corrected and accelerated) interval for the mean
/// (Efron & Tibshirani 1993, §14.3; the algorithm of scipy
/// `bootstrap(method='BCa')`).
///
/// Definition, with θ̂ the sample mean, θ*_b (b = 1..B) the bootstrap means
/// (see [`bootstrap_means`]; deterministic given `seed`), α = 1 − `level`:
/// - bias correction z₀ = Φ⁻¹(p₀), p₀ = (#{θ*_b < θ̂} + #{θ*_b ≤ θ̂}) / (2B)
///   (ties count one half);
/// - acceleration from the jackknife means θ₍ᵢ₎ (leave one value out),
///   θ₍·₎ their mean: a = Σ(θ₍·₎ − θ₍ᵢ₎)³ / (6 [Σ(θ₍·₎ − θ₍ᵢ₎)²]^{3/2}); for
///   the mean this equals Σ(xᵢ − x̄)³ / (6 [Σ(xᵢ − x̄)²]^{3/2});
/// - α₁ = Φ(z₀ + (z₀ + z_{α/2}) / (1 − a(z₀ + z_{α/2}))),
///   α₂ = Φ(z₀ + (z₀ + z_{1−α/2}) / (1 − a(z₀ + z_{1−α/2})));
/// - interval = type-7 quantiles of {θ*_b} at α₁ and α₂.
///
/// **Fallback**: if p₀ is 0 or 1 (z₀ infinite), or a denominator
/// 1 − a(z₀ + z) is ≤ 0, BCa is undefined (scipy returns NaN); the
/// percentile interval of the same resamples is returned with
/// `method = Percentile`. Clamped and noted as in the module docs.
pub fn bootstrap_bca(x: &[f64], level: f64, resamples: usize, seed: u64, bounds: Option<Bounds>) -> Interval {
    bootstrap(x, level, resamples, seed, bounds, IntervalMethod::Bca)
}

fn bootstrap(
    x: &[f64],
    level: f64,
    resamples: usize,
    seed: u64,
    bounds: Option<Bounds>,
    method: IntervalMethod,
) -> Interval {
    let bounds = bounds.filter(Bounds::is_valid);
    let v = finite(x);
    if let Some(note) = classify_finite(&v, bounds) {
        return degenerate(&v, note, level, method, bounds);
    }
    let n = v.len();
    let m = mean(&v);
    if resamples == 0 || !valid_level(level) || m.is_none() {
        return finish(n, m, None, level, method, None, bounds);
    }
    let mut reps = bootstrap_means(&v, resamples, seed);
    if reps.iter().any(|r| !r.is_finite()) {
        // a resample sum overflowed f64: no interval
        return finish(n, m, None, level, method, None, bounds);
    }
    sort_f64(&mut reps);
    let alpha = (1.0 - level) / 2.0;
    let percentile = || Some((quantile_sorted(&reps, alpha)?, quantile_sorted(&reps, 1.0 - alpha)?));
    let (ci, used) = match method {
        IntervalMethod::Bca => match bca_from_sorted(&v, &reps, level) {
            Some(ci) => (Some(ci), IntervalMethod::Bca),
            None => (percentile(), IntervalMethod::Percentile),
        },
        _ => (percentile(), IntervalMethod::Percentile),
    };
    finish(n, m, ci, level, used, None, bounds)
}

/// BCa interval of the mean of `x` from given bootstrap replicates
/// `replicates` (any order): the formula of [`bootstrap_bca`] without the
/// resampling, so it can be checked against scipy with
/// `bootstrap_result=...`. Non-finite values and replicates are dropped.
/// `None` when n < 2, no replicates, invalid level, or BCa is undefined
/// (see the fallback rule of [`bootstrap_bca`]).
pub fn bca_from_replicates(x: &[f64], replicates: &[f64], level: f64) -> Option<(f64, f64)> {
    let v = finite(x);
    let mut reps = finite(replicates);
    sort_f64(&mut reps);
    bca_from_sorted(&v, &reps, level)
}

fn bca_from_sorted(v: &[f64], sorted_reps: &[f64], level: f64) -> Option<(f64, f64)> {
    let n = v.len();
    let b = sorted_reps.len();
    if n < 2 || b == 0 || !valid_level(level) {
        return None;
    }
    let theta = mean(v)?;
    let below = sorted_reps.partition_point(|&t| t < theta);
    let at_or_below = sorted_reps.partition_point(|&t| t <= theta);
    let p0 = (below + at_or_below) as f64 / (2 * b) as f64;
    let z0 = norm_ppf(p0)?;
    let (mut s2, mut s3) = (0.0_f64, 0.0_f64);
    for &xi in v {
        let d = xi - theta;
        s2 += d * d;
        s3 += d * d * d;
    }
    if s2.is_nan() || s2 <= 0.0 {
        return None;
    }
    let a = s3 / (6.0 * s2.powf(1.5));
    let alpha = (1.0 - level) / 2.0;
    let z_lo = norm_ppf(alpha)?;
    let adjust = |z: f64| -> Option<f64> {
        let num = z0 + z;
        let den = 1.0 - a * num;
        if den.is_nan() || den <= 0.0 {
            return None;
        }
        let q = norm_cdf(z0 + num / den);
        q.is_finite().then_some(q)
    };
    let a1 = adjust(z_lo)?;
    let a2 = adjust(-z_lo)?;
    Some((quantile_sorted(sorted_reps, a1)?, quantile_sorted(sorted_reps, a2)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    const D1: [f64; 8] = [0.12, -0.05, 0.33, 0.08, 0.21, -0.02, 0.15, 0.09];

    fn close(a: f64, b: f64, tol: f64) -> bool {
        (a - b).abs() <= tol
    }

    #[test]
    fn t_interval_matches_scipy() {
        // scipy.stats.t.interval(level, 7, loc=mean, scale=sem) on D1 (scripts/decision_ref/refs.py)
        let r = t_interval(&D1, 0.95, None);
        assert_eq!((r.n, r.method, r.note), (8, IntervalMethod::T, None));
        assert!(close(r.low.unwrap(), 0.011951670493413113, 1e-12));
        assert!(close(r.high.unwrap(), 0.2155483295065869, 1e-12));
        let r = t_interval(&D1, 0.90, None);
        assert!(close(r.low.unwrap(), 0.03218738514177437, 1e-12));
        assert!(close(r.high.unwrap(), 0.1953126148582256, 1e-12));
    }

    #[test]
    fn t_interval_clamped_for_shares() {
        // unclamped: scipy t.interval → (-0.0037802085032117893, 0.01378020850321179)
        let s = [0.0, 0.0, 0.0, 0.02, 0.0, 0.01];
        let r = t_interval(&s, 0.95, Some(Bounds::UNIT));
        assert_eq!(r.low, Some(0.0));
        assert!(close(r.high.unwrap(), 0.01378020850321179, 1e-12));
        assert_eq!(r.note, Some(RowNote::CensoredAtBound));
        // shares near 1: interval never exceeds 1
        let s = [1.0, 1.0, 0.97, 1.0];
        let r = t_interval(&s, 0.95, Some(Bounds::UNIT));
        assert_eq!(r.high, Some(1.0));
        assert!(r.low.unwrap() >= 0.0 && r.mean.unwrap() <= 1.0);
        // paired differences of shares stay in [-1, 1]
        let d = [-1.0, -0.2, -1.0, 0.5];
        let r = t_interval(&d, 0.95, Some(Bounds::UNIT_DIFFERENCE));
        assert_eq!(r.low, Some(-1.0));
        assert!(r.high.unwrap() <= 1.0);
        assert_eq!(r.note, Some(RowNote::CensoredAtBound));
        // a slightly out-of-range mean is clamped too
        let r = t_interval(&[1.0 + 1e-12, 1.0 + 2e-12], 0.95, Some(Bounds::UNIT));
        assert_eq!((r.mean, r.high), (Some(1.0), Some(1.0)));
        assert!(r.low.unwrap() < 1.0); // 1 + 1.5e-12 − 12.7·5e-13
        assert_eq!(r.note, Some(RowNote::CensoredAtBound));
    }

    #[test]
    fn notes_for_degenerate_rows() {
        let e = t_interval(&[], 0.95, None);
        assert_eq!((e.n, e.mean, e.low, e.note), (0, None, None, Some(RowNote::TooFew)));
        let one = t_interval(&[0.4], 0.95, Some(Bounds::UNIT));
        assert_eq!((one.mean, one.low, one.note), (Some(0.4), None, Some(RowNote::TooFew)));
        let tied = t_interval(&[0.0, 0.0, 0.0], 0.95, Some(Bounds::UNIT_DIFFERENCE));
        assert_eq!((tied.mean, tied.low, tied.high), (Some(0.0), Some(0.0), Some(0.0)));
        assert_eq!(tied.note, Some(RowNote::AllTied));
        let c = t_interval(&[0.3, 0.3, 0.3], 0.95, Some(Bounds::UNIT));
        assert_eq!(
            (c.mean, c.low, c.high, c.note),
            (Some(0.3), Some(0.3), Some(0.3), Some(RowNote::Constant))
        );
        let at = t_interval(&[0.0, 0.0, 0.0, 0.0], 0.95, Some(Bounds::UNIT));
        assert_eq!(
            (at.mean, at.low, at.high, at.note),
            (Some(0.0), Some(0.0), Some(0.0), Some(RowNote::AtBound))
        );
        let at1 = bootstrap_bca(&[1.0; 5], 0.95, 100, 1, Some(Bounds::UNIT));
        assert_eq!(
            (at1.low, at1.high, at1.note),
            (Some(1.0), Some(1.0), Some(RowNote::AtBound))
        );
        // without bounds, all-zero is "all tied"
        assert_eq!(classify(&[0.0, 0.0], None), Some(RowNote::AllTied));
        assert_eq!(classify(&[0.0, 0.0], Some(Bounds::UNIT)), Some(RowNote::AtBound));
        assert_eq!(classify(&[0.0, 1.0], Some(Bounds::UNIT)), None);
        // NaNs are dropped before classification
        assert_eq!(
            classify(&[f64::NAN, 2.0, 2.0, f64::INFINITY], None),
            Some(RowNote::Constant)
        );
        assert_eq!(classify(&[f64::NAN, 2.0], None), Some(RowNote::TooFew));
        // invalid level: mean but no interval, no panic
        for lvl in [0.0, 1.0, f64::NAN, -3.0] {
            let r = t_interval(&D1, lvl, None);
            assert!(r.mean.is_some() && r.low.is_none() && r.high.is_none());
            let r = bootstrap_bca(&D1, lvl, 50, 1, None);
            assert!(r.mean.is_some() && r.low.is_none());
            assert_eq!(bca_from_replicates(&D1, &D1, lvl), None);
        }
        // zero resamples
        let r = bootstrap_percentile(&D1, 0.95, 0, 1, None);
        assert!(r.mean.is_some() && r.low.is_none());
        assert!(bootstrap_means(&[], 10, 1).is_empty());
        // degenerate bootstrap rows carry the same notes
        let r = bootstrap_bca(&[0.0, 0.0, 0.0], 0.95, 100, 3, None);
        assert_eq!((r.low, r.high, r.note), (Some(0.0), Some(0.0), Some(RowNote::AllTied)));
        let r = bootstrap_percentile(&[5.0], 0.95, 100, 3, None);
        assert_eq!((r.mean, r.low, r.note), (Some(5.0), None, Some(RowNote::TooFew)));
    }

    // scripts/decision_ref/boot.py: scipy.stats.bootstrap((xs,), np.mean, n_resamples=0, method=...,
    // bootstrap_result=SimpleNamespace(bootstrap_distribution=THETA)) — i.e. scipy's
    // BCa/percentile formulas applied to exactly these replicates (scipy 1.17.1).
    const XS: [f64; 12] = [0.8, 1.1, 0.3, 2.9, 0.5, 1.7, 0.9, 4.2, 0.6, 1.3, 0.2, 0.7];
    const THETA: [f64; 20] = [
        1.05, 1.21, 0.98, 1.44, 1.12, 1.31, 1.27, 0.91, 1.66, 1.18, 1.02, 1.39, 1.25, 1.08, 1.51, 1.15, 0.95, 1.35,
        1.22, 1.29,
    ];

    #[test]
    fn bca_formula_matches_scipy_on_given_replicates() {
        // tolerance 1e-10: statrs' Φ and Φ⁻¹ differ from scipy's ndtr/ndtri in the
        // last few ulps, which the quantile interpolation scales by ≈ 20 × 0.07.
        let (l, h) = bca_from_replicates(&XS, &THETA, 0.95).unwrap();
        assert!(close(l, 0.9789846082352421, 1e-10), "{l}");
        assert!(close(h, 1.6546826723288588, 1e-10), "{h}");
        let (l, h) = bca_from_replicates(&XS, &THETA, 0.80).unwrap();
        assert!(close(l, 1.0675323000068926, 1e-10), "{l}");
        assert!(close(h, 1.5927964034257065, 1e-10), "{h}");
        // BCa undefined when every replicate lies above the estimate (p0 = 0)
        assert_eq!(bca_from_replicates(&XS, &[2.0, 3.0], 0.95), None);
        assert_eq!(bca_from_replicates(&XS, &[], 0.95), None);
        assert_eq!(bca_from_replicates(&[1.0], &THETA, 0.95), None);
    }

    // Skewed sample: np.round(default_rng(20240611).lognormal(0, 1.3, 20), 4) (scripts/decision_ref/boot.py).
    const SKEW: [f64; 20] = [
        0.7599, 0.5101, 1.2147, 0.0976, 1.4474, 0.6582, 0.3891, 1.1367, 0.0791, 0.8139, 0.3865, 1.7034, 1.7774, 0.2993,
        0.2973, 0.1479, 0.3592, 1.5147, 3.0479, 1.3464,
    ];

    #[test]
    fn bca_matches_scipy_in_distribution_on_skewed_sample() {
        // Reference: scipy.stats.bootstrap(method='BCa'/'percentile', n_resamples=4e6):
        //   BCa (0.63204, 1.2940631660484754), percentile (0.600185, 1.24041).
        // Monte Carlo sd of scipy's endpoints at B = 20 000 over 200 seeds:
        //   BCa low 0.00280, high 0.00572; percentile low 0.00234, high 0.00360.
        // Here B = 50 000, so sd ≈ those × √(20000/50000) = ×0.632; tolerance = 4 sd
        // (reference error at 4e6 is < 0.1 sd). BCa and percentile differ by ≈ 11
        // and ≈ 15 such sds, so the test tells BCa from percentile.
        let b = 50_000;
        let scale = (20_000.0_f64 / b as f64).sqrt();
        let r = bootstrap_bca(&SKEW, 0.95, b, 7, None);
        assert_eq!(r.method, IntervalMethod::Bca);
        assert!(close(r.low.unwrap(), 0.63204, 4.0 * 0.00280 * scale), "{r:?}");
        assert!(
            close(r.high.unwrap(), 1.2940631660484754, 4.0 * 0.00572 * scale),
            "{r:?}"
        );
        let p = bootstrap_percentile(&SKEW, 0.95, b, 7, None);
        assert_eq!(p.method, IntervalMethod::Percentile);
        assert!(close(p.low.unwrap(), 0.600185, 4.0 * 0.00234 * scale), "{p:?}");
        assert!(close(p.high.unwrap(), 1.24041, 4.0 * 0.00360 * scale), "{p:?}");
        // right skew: BCa shifts both ends up relative to percentile
        assert!(r.low.unwrap() > p.low.unwrap() && r.high.unwrap() > p.high.unwrap());
        // mean = 0.899335 (numpy)
        assert!(close(r.mean.unwrap(), 0.899335, 1e-12));
    }

    #[test]
    fn bca_close_to_percentile_for_symmetric_data() {
        // 1..=21 is exactly symmetric: a = 0 and z0 ≈ 0, so BCa ≈ percentile on the
        // same resamples (same seed). The two differ only through the Monte Carlo
        // z0 (|z0| ≲ 2/√B); allow 3% of the interval width.
        let x: Vec<f64> = (1..=21).map(f64::from).collect();
        let r = bootstrap_bca(&x, 0.95, 20_000, 11, None);
        let p = bootstrap_percentile(&x, 0.95, 20_000, 11, None);
        let width = p.high.unwrap() - p.low.unwrap();
        assert!((r.low.unwrap() - p.low.unwrap()).abs() < 0.03 * width);
        assert!((r.high.unwrap() - p.high.unwrap()).abs() < 0.03 * width);
        // and both are close to the normal-theory interval mean ± 1.96·sd/√n
        // (sd/√n = √(38.5)/√21 = 1.3540064; the bootstrap uses the n-denominator sd, ×√(20/21))
        let half = 1.959963984540054 * (38.5_f64 / 21.0).sqrt() * (20.0_f64 / 21.0).sqrt();
        assert!(close(p.low.unwrap(), 11.0 - half, 0.1));
        assert!(close(p.high.unwrap(), 11.0 + half, 0.1));
    }

    #[test]
    fn bootstrap_is_deterministic_and_bounded() {
        let a = bootstrap_bca(&D1, 0.95, 2_000, 42, None);
        let b = bootstrap_bca(&D1, 0.95, 2_000, 42, None);
        assert_eq!(a, b);
        let c = bootstrap_bca(&D1, 0.95, 2_000, 43, None);
        assert_ne!(a.low, c.low);
        // NaNs dropped: identical to the clean sample
        let mut with_nan = D1.to_vec();
        with_nan.push(f64::NAN);
        assert_eq!(bootstrap_bca(&with_nan, 0.95, 2_000, 42, None), a);
        // shares: bootstrap of values in [0, 1] never leaves [0, 1]; mass at 0
        let s = [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.01, 0.0, 0.0, 0.0];
        for r in [
            bootstrap_bca(&s, 0.95, 2_000, 5, Some(Bounds::UNIT)),
            bootstrap_percentile(&s, 0.95, 2_000, 5, Some(Bounds::UNIT)),
        ] {
            let (l, h) = (r.low.unwrap(), r.high.unwrap());
            assert!((0.0..=1.0).contains(&l) && (0.0..=1.0).contains(&h) && l <= h);
            assert_eq!(l, 0.0);
            assert_eq!(r.note, Some(RowNote::CensoredAtBound));
        }
    }

    #[test]
    fn labels() {
        let all = [
            RowNote::TooFew,
            RowNote::AtBound,
            RowNote::AllTied,
            RowNote::Constant,
            RowNote::CensoredAtBound,
        ];
        let labels: Vec<&str> = all.iter().map(RowNote::as_str).collect();
        assert_eq!(labels, ["n<2", "at bound", "all tied", "constant", "censored at bound"]);
    }
}
