//! Statistics over replications. Definitions (a researcher can redo them in
//! pandas or R):
//! - `sd`: sample standard deviation (n − 1 denominator); `se = sd / √n`;
//! - 95% CI: mean ± t(0.975, n − 1) × se (Student t), clamped to the
//!   metric's bounds where it has them (`summarise_within`: [0, 1] for a
//!   share, [−1, 1] for a difference of shares);
//! - quantiles: linear interpolation between order statistics (R type 7,
//!   the default of R's `quantile` and pandas' `quantile`);
//! - paired differences: d_r = scenario_r − baseline_r for replication r
//!   (same seed, common random numbers), summarised like any sample.
//!
//! Undefined values (sd with n < 2) are `None` and written as empty cells.
//! The intervals, quantiles and degenerate-row notes are those of
//! `study::decision` (`intervals::t_interval`, `common::quantile_sorted`),
//! so every file states them the same way.

use crate::model::metrics::MetricDef;
use crate::study::decision::common::{self, Bounds};
use crate::study::decision::intervals::{self, RowNote};
use crate::study::decision::paired;

/// Summary of one sample.
#[derive(Debug, Clone, PartialEq)]
pub struct Summary {
    pub n: usize,
    pub mean: f64,
    pub sd: Option<f64>,
    pub se: Option<f64>,
    pub ci95_low: Option<f64>,
    pub ci95_high: Option<f64>,
    /// `n<2`, `at bound`, `all tied`, `constant` or `censored at bound`
    /// (see `decision::intervals`); `None` for an ordinary sample.
    pub note: Option<RowNote>,
}

pub fn mean(x: &[f64]) -> f64 {
    if x.is_empty() {
        return 0.0;
    }
    x.iter().sum::<f64>() / x.len() as f64
}

/// Two-sided 97.5% quantile of Student's t with `df` degrees of freedom.
pub fn t975(df: usize) -> f64 {
    common::t_ppf(0.975, df as f64).unwrap_or(f64::NAN)
}

/// Mean, sd, se and Student-t 95% interval of `x`.
pub fn summarise(x: &[f64]) -> Summary {
    summarise_within(x, None)
}

/// `summarise` with the interval (and mean) clamped to `bounds`.
///
/// When every value is the same, sd and se are exactly 0, the mean is that
/// value and the interval the point [c, c], with a note saying why.
pub fn summarise_within(x: &[f64], bounds: Option<Bounds>) -> Summary {
    let ci = intervals::t_interval(x, 0.95, bounds);
    let t = paired::paired_t_test(x);
    Summary {
        n: ci.n,
        mean: ci.mean.unwrap_or(0.0),
        sd: t.sd,
        se: t.se,
        ci95_low: ci.low,
        ci95_high: ci.high,
        note: ci.note,
    }
}

/// The range a metric's values cannot leave: [0, 1] for shares, rates and
/// 0..1 indices (`MetricDef::is_share`), none otherwise.
pub fn level_bounds(m: &MetricDef) -> Option<Bounds> {
    m.is_share().then_some(Bounds::UNIT)
}

/// The range a paired difference of a metric cannot leave: [−1, 1] for
/// shares, none otherwise.
pub fn difference_bounds(m: &MetricDef) -> Option<Bounds> {
    m.is_share().then_some(Bounds::UNIT_DIFFERENCE)
}

/// Quantile `q` of a sorted sample (R type 7); 0 for an empty sample.
pub fn quantile_sorted(sorted: &[f64], q: f64) -> f64 {
    common::quantile_sorted(sorted, q).unwrap_or(0.0)
}

/// Sorted copy (total order; the model emits no NaN).
pub fn sorted(x: &[f64]) -> Vec<f64> {
    let mut v = x.to_vec();
    common::sort_f64(&mut v);
    v
}

/// Paired differences `b_r − a_r`.
pub fn paired(a: &[f64], b: &[f64]) -> Vec<f64> {
    a.iter().zip(b).map(|(x, y)| y - x).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn t_quantiles_match_tables() {
        assert!((t975(1) - 12.706).abs() < 1e-3);
        assert!((t975(9) - 2.262).abs() < 1e-3);
        assert!((t975(99) - 1.984).abs() < 1e-3);
    }

    #[test]
    fn summary_matches_hand_computation() {
        let s = summarise(&[1.0, 2.0, 3.0, 4.0]);
        assert_eq!(s.mean, 2.5);
        let sd = (5.0f64 / 3.0).sqrt();
        assert!((s.sd.unwrap() - sd).abs() < 1e-12);
        let half = t975(3) * sd / 2.0;
        assert!((s.ci95_low.unwrap() - (2.5 - half)).abs() < 1e-12);
        assert!(summarise(&[1.0]).sd.is_none());
        assert_eq!(summarise(&[1.0]).note, Some(RowNote::TooFew));
    }

    #[test]
    fn the_interval_is_mean_plus_minus_t_times_se_exactly() {
        // the same operations as before the decision module: se first, then t × se
        let x = [0.31, 0.27, 0.35, 0.29, 0.33, 0.30, 0.28];
        let s = summarise(&x);
        let m = x.iter().sum::<f64>() / 7.0;
        let sd = (x.iter().map(|v| (v - m) * (v - m)).sum::<f64>() / 6.0).sqrt();
        let half = t975(6) * (sd / 7f64.sqrt());
        assert_eq!((s.mean, s.sd), (m, Some(sd)));
        assert_eq!((s.ci95_low, s.ci95_high), (Some(m - half), Some(m + half)));
    }

    #[test]
    fn bounded_intervals_stay_inside() {
        let s = summarise_within(&[0.0, 0.0, 0.0, 0.02, 0.0, 0.01], Some(Bounds::UNIT));
        assert_eq!(s.ci95_low, Some(0.0));
        assert_eq!(s.note, Some(RowNote::CensoredAtBound));
        let c = summarise(&[0.1, 0.1, 0.1]);
        assert_eq!(
            (c.mean, c.sd, c.ci95_low, c.note),
            (0.1, Some(0.0), Some(0.1), Some(RowNote::Constant))
        );
    }

    #[test]
    fn quantiles_are_type_7() {
        let v = sorted(&[4.0, 1.0, 3.0, 2.0]);
        assert_eq!(quantile_sorted(&v, 0.5), 2.5);
        assert_eq!(quantile_sorted(&v, 0.25), 1.75);
        assert_eq!(quantile_sorted(&v, 0.0), 1.0);
        assert_eq!(quantile_sorted(&v, 1.0), 4.0);
        assert_eq!(quantile_sorted(&[], 0.5), 0.0);
    }
}
