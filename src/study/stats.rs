//! Statistics over replications. Definitions (a researcher can redo them in
//! pandas or R):
//! - `sd`: sample standard deviation (n − 1 denominator); `se = sd / √n`;
//! - 95% CI: mean ± t(0.975, n − 1) × se (Student t);
//! - quantiles: linear interpolation between order statistics (R type 7,
//!   the default of R's `quantile` and pandas' `quantile`);
//! - paired differences: d_r = scenario_r − baseline_r for replication r
//!   (same seed, common random numbers), summarised like any sample.
//!
//! Undefined values (sd with n < 2) are `None` and written as empty cells.

use statrs::distribution::{ContinuousCDF, StudentsT};

/// Summary of one sample.
#[derive(Debug, Clone, PartialEq)]
pub struct Summary {
    pub n: usize,
    pub mean: f64,
    pub sd: Option<f64>,
    pub se: Option<f64>,
    pub ci95_low: Option<f64>,
    pub ci95_high: Option<f64>,
}

pub fn mean(x: &[f64]) -> f64 {
    if x.is_empty() {
        return 0.0;
    }
    x.iter().sum::<f64>() / x.len() as f64
}

/// Two-sided 97.5% quantile of Student's t with `df` degrees of freedom.
pub fn t975(df: usize) -> f64 {
    match StudentsT::new(0.0, 1.0, df as f64) {
        Ok(t) => t.inverse_cdf(0.975),
        Err(_) => f64::NAN,
    }
}

pub fn summarise(x: &[f64]) -> Summary {
    let n = x.len();
    let m = mean(x);
    if n < 2 {
        return Summary {
            n,
            mean: m,
            sd: None,
            se: None,
            ci95_low: None,
            ci95_high: None,
        };
    }
    let var = x.iter().map(|v| (v - m) * (v - m)).sum::<f64>() / (n - 1) as f64;
    let sd = var.sqrt();
    let se = sd / (n as f64).sqrt();
    let half = t975(n - 1) * se;
    Summary {
        n,
        mean: m,
        sd: Some(sd),
        se: Some(se),
        ci95_low: Some(m - half),
        ci95_high: Some(m + half),
    }
}

/// Quantile `q` of a sorted sample (R type 7).
pub fn quantile_sorted(sorted: &[f64], q: f64) -> f64 {
    match sorted.len() {
        0 => 0.0,
        1 => sorted[0],
        n => {
            let h = (n - 1) as f64 * q;
            let lo = h.floor() as usize;
            let hi = (lo + 1).min(n - 1);
            sorted[lo] + (h - lo as f64) * (sorted[hi] - sorted[lo])
        }
    }
}

/// Sorted copy (total order; the model emits no NaN).
pub fn sorted(x: &[f64]) -> Vec<f64> {
    let mut v = x.to_vec();
    v.sort_by(f64::total_cmp);
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
    }

    #[test]
    fn quantiles_are_type_7() {
        let v = sorted(&[4.0, 1.0, 3.0, 2.0]);
        assert_eq!(quantile_sorted(&v, 0.5), 2.5);
        assert_eq!(quantile_sorted(&v, 0.25), 1.75);
        assert_eq!(quantile_sorted(&v, 0.0), 1.0);
        assert_eq!(quantile_sorted(&v, 1.0), 4.0);
    }
}
