//! Shared vocabulary and numerical helpers.
//!
//! Conventions used by every module:
//! - **Missing values.** Non-finite inputs (NaN, ±∞) are treated as missing
//!   and dropped before anything is computed; every result reports the `n`
//!   it actually used. For paired data a replication is dropped when any of
//!   the values it pairs is missing (complete cases), as R's `t.test(paired =
//!   TRUE)` does.
//! - **Undefined results** are `None` (written as empty cells), never NaN.
//! - **Quantiles** are R type 7 (linear interpolation between order
//!   statistics; the default of R `quantile`, numpy/pandas `quantile`).
//! - **Randomness** (bootstrap) comes from `rand_pcg::Pcg64Mcg` seeded with
//!   `SeedableRng::seed_from_u64(seed)`, so a result is a pure function of its
//!   inputs and the seed.
//! - **No panics**: every input, including empty slices, NaN and ragged
//!   matrices, has a defined result; shape errors are reported as
//!   [`DecisionError`].

use serde::{Deserialize, Serialize};
use statrs::distribution::{ContinuousCDF, Normal, StudentsT};
use std::cmp::Ordering;
use std::fmt;

/// Which way a metric is good: the metric table's own direction
/// (`model::metrics::Direction`).
///
/// - `Higher`: larger values are better (a paired difference d > 0 is better).
/// - `Lower`: smaller values are better (d < 0 is better).
/// - `Neutral`: no preferred direction; "better", "worse", "best" and ranks
///   are undefined (`None`).
pub use crate::model::metrics::Direction;

/// Closed range `[lo, hi]` that a metric (and therefore its mean and interval)
/// can never leave, e.g. `[0, 1]` for a share and `[−1, 1]` for the paired
/// difference of two shares. Either end may be infinite (one-sided bound).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Bounds {
    pub lo: f64,
    pub hi: f64,
}

impl Bounds {
    /// Bounds of a share or probability: `[0, 1]`.
    pub const UNIT: Bounds = Bounds { lo: 0.0, hi: 1.0 };
    /// Bounds of a paired difference of two shares: `[−1, 1]`.
    pub const UNIT_DIFFERENCE: Bounds = Bounds { lo: -1.0, hi: 1.0 };
    /// Non-negative metrics (counts, costs): `[0, ∞)`.
    pub const NON_NEGATIVE: Bounds = Bounds {
        lo: 0.0,
        hi: f64::INFINITY,
    };

    /// `Some` when `lo ≤ hi` and neither is NaN.
    pub fn new(lo: f64, hi: f64) -> Option<Bounds> {
        if lo.is_nan() || hi.is_nan() || lo > hi {
            None
        } else {
            Some(Bounds { lo, hi })
        }
    }

    /// `x` clamped into `[lo, hi]` (NaN bounds are never constructed by
    /// [`Bounds::new`]; a hand-built invalid `Bounds` leaves `x` unchanged).
    pub fn clamp(&self, x: f64) -> f64 {
        if self.lo.is_nan() || self.hi.is_nan() || self.lo > self.hi {
            return x;
        }
        x.max(self.lo).min(self.hi)
    }

    /// Whether `x` equals `lo` or `hi` exactly.
    pub fn at_bound(&self, x: f64) -> bool {
        x == self.lo || x == self.hi
    }

    pub(crate) fn is_valid(&self) -> bool {
        !(self.lo.is_nan() || self.hi.is_nan() || self.lo > self.hi)
    }
}

/// Shape or parameter errors of matrix-valued inputs.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum DecisionError {
    /// Row `row` of a `[scenario][replication]` matrix has `found` entries
    /// where row 0 has `expected`.
    Ragged { row: usize, expected: usize, found: usize },
    /// Two inputs that must describe the same strategies/draws differ in shape.
    ShapeMismatch { what: &'static str },
    /// A parameter that must be finite (e.g. a willingness to pay) is not.
    NonFiniteParameter { name: &'static str },
}

impl fmt::Display for DecisionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DecisionError::Ragged { row, expected, found } => {
                write!(f, "row {row} has {found} replications, expected {expected}")
            }
            DecisionError::ShapeMismatch { what } => write!(f, "shape mismatch: {what}"),
            DecisionError::NonFiniteParameter { name } => write!(f, "parameter {name} must be finite"),
        }
    }
}

impl std::error::Error for DecisionError {}

/// Checks that every row has the length of row 0; returns that length
/// (0 for an empty matrix).
pub(crate) fn check_rect(values: &[Vec<f64>]) -> Result<usize, DecisionError> {
    let expected = values.first().map_or(0, Vec::len);
    for (row, v) in values.iter().enumerate() {
        if v.len() != expected {
            return Err(DecisionError::Ragged {
                row,
                expected,
                found: v.len(),
            });
        }
    }
    Ok(expected)
}

/// Replication indices at which every row is finite.
pub(crate) fn complete_columns(values: &[Vec<f64>], len: usize) -> Vec<usize> {
    (0..len)
        .filter(|&r| values.iter().all(|row| row[r].is_finite()))
        .collect()
}

/// The finite entries of `x`, in order.
pub(crate) fn finite(x: &[f64]) -> Vec<f64> {
    x.iter().copied().filter(|v| v.is_finite()).collect()
}

/// Arithmetic mean; `None` for an empty slice or when the sum overflows
/// (|values| near f64::MAX): an overflowing statistic is undefined.
pub(crate) fn mean(x: &[f64]) -> Option<f64> {
    if x.is_empty() {
        return None;
    }
    let m = x.iter().sum::<f64>() / x.len() as f64;
    m.is_finite().then_some(m)
}

/// Sample standard deviation (n − 1 denominator, two-pass); `None` for
/// n < 2 or on overflow.
pub(crate) fn sd(x: &[f64]) -> Option<f64> {
    if x.len() < 2 {
        return None;
    }
    let m = mean(x)?;
    let ss: f64 = x.iter().map(|v| (v - m) * (v - m)).sum();
    let s = (ss / (x.len() - 1) as f64).sqrt();
    s.is_finite().then_some(s)
}

/// Whether every entry equals the first one exactly (true for n ≤ 1).
pub(crate) fn all_equal(x: &[f64]) -> bool {
    x.windows(2).all(|w| w[0] == w[1])
}

/// Sorts ascending (total order; inputs are finite here).
pub(crate) fn sort_f64(x: &mut [f64]) {
    x.sort_by(f64::total_cmp);
}

/// Quantile `q ∈ [0, 1]` of an ascending-sorted sample, R type 7;
/// `None` when empty or `q` is outside `[0, 1]`/NaN.
pub(crate) fn quantile_sorted(sorted: &[f64], q: f64) -> Option<f64> {
    if sorted.is_empty() || !(0.0..=1.0).contains(&q) {
        return None;
    }
    let n = sorted.len();
    if n == 1 {
        return Some(sorted[0]);
    }
    let h = (n - 1) as f64 * q;
    let lo = (h.floor() as usize).min(n - 1);
    let hi = (lo + 1).min(n - 1);
    Some(sorted[lo] + (h - lo as f64) * (sorted[hi] - sorted[lo]))
}

/// Whether `level` is a usable confidence level, `0 < level < 1`.
pub(crate) fn valid_level(level: f64) -> bool {
    level > 0.0 && level < 1.0
}

/// Standard normal quantile Φ⁻¹(p); `None` unless `0 < p < 1`.
pub(crate) fn norm_ppf(p: f64) -> Option<f64> {
    if p > 0.0 && p < 1.0 {
        Some(Normal::standard().inverse_cdf(p))
    } else {
        None
    }
}

/// Standard normal distribution function Φ(x) (NaN stays NaN).
pub(crate) fn norm_cdf(x: f64) -> f64 {
    Normal::standard().cdf(x)
}

/// Quantile of Student's t with `df` degrees of freedom; `None` unless
/// `0 < p < 1` and `df > 0`.
pub(crate) fn t_ppf(p: f64, df: f64) -> Option<f64> {
    if !(p > 0.0 && p < 1.0 && df > 0.0) {
        return None;
    }
    StudentsT::new(0.0, 1.0, df).ok().map(|t| t.inverse_cdf(p))
}

/// Two-sided p-value 2·P(T ≥ |t|) for Student's t with `df` degrees of
/// freedom, clamped to `[0, 1]`; `None` for NaN `t` or `df ≤ 0`.
pub(crate) fn t_two_sided_p(t: f64, df: f64) -> Option<f64> {
    if t.is_nan() || df.is_nan() || df <= 0.0 {
        return None;
    }
    if t.is_infinite() {
        return Some(0.0);
    }
    let dist = StudentsT::new(0.0, 1.0, df).ok()?;
    Some((2.0 * dist.sf(t.abs())).clamp(0.0, 1.0))
}

/// Ranks with rank 1 = best under `dir` (`Higher`: largest value first;
/// `Lower`: smallest first). Exactly equal values share the average of the
/// positions they occupy ("average" ties, like R `rank(ties.method =
/// "average")`). `Neutral` returns `None`. Inputs must be finite.
pub(crate) fn average_ranks(values: &[f64], dir: Direction) -> Option<Vec<f64>> {
    let cmp: fn(&f64, &f64) -> Ordering = match dir {
        Direction::Higher => |a, b| b.total_cmp(a),
        Direction::Lower => |a, b| a.total_cmp(b),
        Direction::Neutral => return None,
    };
    let mut idx: Vec<usize> = (0..values.len()).collect();
    idx.sort_by(|&a, &b| cmp(&values[a], &values[b]));
    let mut ranks = vec![0.0; values.len()];
    let mut start = 0;
    while start < idx.len() {
        let mut end = start + 1;
        while end < idx.len() && values[idx[end]] == values[idx[start]] {
            end += 1;
        }
        // positions start+1 ..= end (1-based) share their average
        let avg = (start + 1 + end) as f64 / 2.0;
        for &i in &idx[start..end] {
            ranks[i] = avg;
        }
        start = end;
    }
    Some(ranks)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantile_type7_matches_numpy() {
        // numpy.quantile([1, 2, 3, 4], [0, 0.25, 0.5, 0.9, 1]) = [1, 1.75, 2.5, 3.7, 4]
        let s = [1.0, 2.0, 3.0, 4.0];
        let want = [(0.0, 1.0), (0.25, 1.75), (0.5, 2.5), (0.9, 3.7), (1.0, 4.0)];
        for (q, w) in want {
            assert!((quantile_sorted(&s, q).unwrap() - w).abs() < 1e-12);
        }
        assert_eq!(quantile_sorted(&[], 0.5), None);
        assert_eq!(quantile_sorted(&s, f64::NAN), None);
        assert_eq!(quantile_sorted(&[7.0], 0.3), Some(7.0));
    }

    #[test]
    fn average_ranks_split_ties() {
        // R: rank(-c(3, 5, 5, 1)) = 3.0 1.5 1.5 4.0
        let r = average_ranks(&[3.0, 5.0, 5.0, 1.0], Direction::Higher).unwrap();
        assert_eq!(r, vec![3.0, 1.5, 1.5, 4.0]);
        let r = average_ranks(&[3.0, 5.0, 5.0, 1.0], Direction::Lower).unwrap();
        assert_eq!(r, vec![2.0, 3.5, 3.5, 1.0]);
        assert_eq!(average_ranks(&[1.0], Direction::Neutral), None);
        assert_eq!(average_ranks(&[], Direction::Higher), Some(vec![]));
    }

    #[test]
    fn distribution_helpers() {
        // scipy.stats.norm.ppf(0.975) = 1.959963984540054; t.ppf(0.975, 7) = 2.364624251592784
        assert!((norm_ppf(0.975).unwrap() - 1.959963984540054).abs() < 1e-12);
        assert!((t_ppf(0.975, 7.0).unwrap() - 2.364624251592784).abs() < 1e-9);
        assert_eq!(norm_ppf(0.0), None);
        assert_eq!(norm_ppf(f64::NAN), None);
        assert_eq!(t_ppf(0.5, 0.0), None);
        assert_eq!(t_two_sided_p(f64::INFINITY, 3.0), Some(0.0));
        assert_eq!(t_two_sided_p(f64::NAN, 3.0), None);
        assert!((t_two_sided_p(0.0, 3.0).unwrap() - 1.0).abs() < 1e-15);
    }

    #[test]
    fn bounds_and_shapes() {
        assert_eq!(Bounds::new(1.0, 0.0), None);
        assert_eq!(Bounds::new(f64::NAN, 0.0), None);
        assert_eq!(Bounds::UNIT.clamp(1.2), 1.0);
        assert_eq!(Bounds::UNIT.clamp(-0.1), 0.0);
        let bad = Bounds { lo: 1.0, hi: 0.0 };
        assert_eq!(bad.clamp(5.0), 5.0);
        assert_eq!(check_rect(&[]), Ok(0));
        assert_eq!(
            check_rect(&[vec![1.0, 2.0], vec![1.0]]),
            Err(DecisionError::Ragged {
                row: 1,
                expected: 2,
                found: 1
            })
        );
        let v = vec![vec![1.0, f64::NAN, 3.0], vec![1.0, 2.0, f64::INFINITY]];
        assert_eq!(complete_columns(&v, 3), vec![0]);
        assert!(!DecisionError::ShapeMismatch { what: "x" }.to_string().is_empty());
    }
}
