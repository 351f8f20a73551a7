//! Tests of paired differences d_r = scenario_r − baseline_r (r = 1..n),
//! where replication r of both runs used the same seed (common random
//! numbers) and, in probabilistic runs, the same parameter draw.
//!
//! Non-finite d_r are dropped first (a missing value in either run of a pair
//! drops the pair); `n` is the number of finite d_r used.

use super::common::{all_equal, finite, mean, sd, t_two_sided_p};
use serde::Serialize;

/// Two-sided one-sample t test of H₀: `E[d] = 0` on the paired differences
/// (identical to the paired t test; R `t.test(x, y, paired = TRUE)`, scipy
/// `ttest_rel`).
///
/// Definition, on the n finite d_r:
/// - mean d̄ = Σ d_r / n; sd s = √(Σ (d_r − d̄)² / (n − 1)); se = s / √n;
/// - t = d̄ / se with df = n − 1; p = 2·P(T_df ≥ |t|).
///
/// Degenerate cases (all fields `None` unless stated):
/// - n = 0: everything `None`;
/// - n = 1: `mean` only (sd, se, t, p undefined);
/// - all d_r equal to 0 ("all tied"): sd = se = 0, t undefined, **p = 1**
///   (no replication shows any difference);
/// - all d_r equal to the same non-zero c ("constant"): sd = se = 0,
///   t = ±∞ (sign of c), **p = 0**: every replication shows the same
///   difference, so the difference is systematic, not noise. This is the limit
///   of the t test as sd → 0; R refuses ("data are essentially constant").
///   Report such rows with their note so readers see why p = 0.
///
/// "All equal" is tested exactly on the values, not via a rounded sd.
/// Inputs so large that the sum overflows f64 give `None` statistics.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PairedT {
    pub n: usize,
    pub mean: Option<f64>,
    pub sd: Option<f64>,
    pub se: Option<f64>,
    pub t: Option<f64>,
    pub df: Option<f64>,
    pub p_value: Option<f64>,
}

/// See [`PairedT`] for the definition.
pub fn paired_t_test(d: &[f64]) -> PairedT {
    let x = finite(d);
    let n = x.len();
    let mut out = PairedT {
        n,
        mean: mean(&x),
        sd: None,
        se: None,
        t: None,
        df: None,
        p_value: None,
    };
    if n < 2 {
        return out;
    }
    let df = (n - 1) as f64;
    out.df = Some(df);
    if all_equal(&x) {
        let c = x[0];
        out.mean = Some(c);
        out.sd = Some(0.0);
        out.se = Some(0.0);
        if c == 0.0 {
            out.p_value = Some(1.0);
        } else {
            out.t = Some(if c > 0.0 { f64::INFINITY } else { f64::NEG_INFINITY });
            out.p_value = Some(0.0);
        }
        return out;
    }
    let (Some(m), Some(s)) = (out.mean, sd(&x)) else {
        return out; // overflow: undefined
    };
    let se = s / (n as f64).sqrt();
    out.sd = Some(s);
    out.se = Some(se);
    if se > 0.0 {
        let t = m / se;
        out.t = Some(t);
        out.p_value = t_two_sided_p(t, df);
    } else {
        // not all equal but sd underflowed to 0 (values differing by
        // sub-normal amounts): treat as constant
        out.p_value = Some(if m == 0.0 { 1.0 } else { 0.0 });
    }
    out
}

/// Two-sided paired t-test p-value; `None` when undefined (n < 2 finite
/// differences). See [`PairedT`] for the definition and degenerate cases.
pub fn paired_t_p(d: &[f64]) -> Option<f64> {
    paired_t_test(d).p_value
}

/// Exact two-sided sign test of H₀: P(d > 0) = P(d < 0).
///
/// Definition, on the finite d_r:
/// - ties d_r = 0 are dropped (the classical convention; R `binom.test` on
///   the non-zero signs, as in `BSDA::SIGN.test`); m = number of non-zero
///   d_r, k⁺ = number > 0, k⁻ = m − k⁺;
/// - p = min(1, 2·P(X ≤ min(k⁺, k⁻))) with X ~ Binomial(m, ½). For the
///   symmetric binomial this equals R `binom.test(k⁺, m)$p.value` and scipy
///   `binomtest(k⁺, m).pvalue`.
///
/// Degenerate cases:
/// - n = 0 (no finite d_r): p `None`;
/// - m = 0 (every d_r tied at 0, n ≥ 1): **p = 1** (no evidence of any
///   difference);
/// - m = 1: p = 1 (a single sign can never be significant).
///
/// The binomial tail is summed from its largest term downwards in floating
/// point from `ln Γ`; relative accuracy ≈ 1e−12 for m up to 10⁴ and ≈ 1e−9
/// for m around 10⁶.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SignTest {
    pub n: usize,
    pub n_nonzero: usize,
    pub n_positive: usize,
    pub n_negative: usize,
    pub p_value: Option<f64>,
}

/// See [`SignTest`] for the definition.
pub fn sign_test(d: &[f64]) -> SignTest {
    let x = finite(d);
    let n_positive = x.iter().filter(|&&v| v > 0.0).count();
    let n_negative = x.iter().filter(|&&v| v < 0.0).count();
    let m = n_positive + n_negative;
    let p_value = if x.is_empty() {
        None
    } else if m == 0 {
        Some(1.0)
    } else {
        Some((2.0 * binom_half_cdf(n_positive.min(n_negative), m)).min(1.0))
    };
    SignTest {
        n: x.len(),
        n_nonzero: m,
        n_positive,
        n_negative,
        p_value,
    }
}

/// Exact two-sided sign-test p-value; `None` when there is no finite
/// difference. See [`SignTest`] for the definition.
pub fn sign_test_p(d: &[f64]) -> Option<f64> {
    sign_test(d).p_value
}

/// P(X ≤ j) for X ~ Binomial(m, ½), j ≤ m/2 (so terms decrease from i = j
/// downwards). Sums t_i = C(m, i)/2^m with t_{i−1} = t_i · i / (m − i + 1).
/// For m ≤ 1000 the sum runs upwards from t_0 = 2^−m (a normal f64), so
/// small cases are exact (m = 4, no negative sign: p = 2 · 2^−4 = 0.125).
fn binom_half_cdf(j: usize, m: usize) -> f64 {
    use statrs::function::gamma::ln_gamma;
    if j >= m {
        return 1.0;
    }
    if m <= 1000 {
        let mut t = 0.5_f64.powi(m as i32);
        let mut sum = t;
        for i in 1..=j {
            t = t * (m - i + 1) as f64 / i as f64;
            sum += t;
        }
        return sum.min(1.0);
    }
    let (jf, mf) = (j as f64, m as f64);
    let ln_top = ln_gamma(mf + 1.0) - ln_gamma(jf + 1.0) - ln_gamma(mf - jf + 1.0) - mf * std::f64::consts::LN_2;
    // relative sum S = Σ_{i ≤ j} t_i / t_j
    let mut term = 1.0_f64;
    let mut sum = 1.0_f64;
    let mut i = j;
    while i > 0 {
        term *= i as f64 / (mf - i as f64 + 1.0);
        sum += term;
        if term < sum * 1e-17 {
            break;
        }
        i -= 1;
    }
    (ln_top.exp() * sum).min(1.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64, rel: f64) -> bool {
        (a - b).abs() <= rel * b.abs().max(1e-300)
    }

    #[test]
    fn paired_t_matches_scipy() {
        // scipy.stats.ttest_1samp(d, 0) (scipy 1.17.1), see scripts/decision_ref/refs.py:
        // d1 → t = 2.642243835654248, p = 0.03331474210117348
        let d1 = [0.12, -0.05, 0.33, 0.08, 0.21, -0.02, 0.15, 0.09];
        let r = paired_t_test(&d1);
        assert_eq!(r.n, 8);
        assert!(close(r.t.unwrap(), 2.642243835654248, 1e-12));
        assert!(close(r.p_value.unwrap(), 0.03331474210117348, 1e-9));
        assert_eq!(r.df, Some(7.0));
        // d2 (n = 3) → t = 1.522049035521874, p = 0.26741829689942803
        let d2 = [1.5, -0.3, 2.2];
        assert!(close(paired_t_p(&d2).unwrap(), 0.26741829689942803, 1e-9));
        // d3 → t = -18.494801764487566, p = 1.8083121176043975e-08 (small tail)
        let d3 = [-3.1, -2.9, -3.4, -2.2, -4.0, -3.3, -2.8, -3.0, -3.6, -2.5];
        let r = paired_t_test(&d3);
        assert!(close(r.t.unwrap(), -18.494801764487566, 1e-12));
        assert!(close(r.p_value.unwrap(), 1.8083121176043975e-08, 1e-6));
    }

    #[test]
    fn paired_t_degenerate() {
        let empty = paired_t_test(&[]);
        assert_eq!((empty.n, empty.mean, empty.p_value), (0, None, None));
        let one = paired_t_test(&[2.5]);
        assert_eq!((one.n, one.mean, one.sd, one.p_value), (1, Some(2.5), None, None));
        // all tied at 0 → p = 1
        let tied = paired_t_test(&[0.0, 0.0, -0.0, 0.0]);
        assert_eq!((tied.sd, tied.t, tied.p_value), (Some(0.0), None, Some(1.0)));
        // all equal and non-zero → p = 0, t = +∞ (mean is the exact value)
        let c = paired_t_test(&[0.1, 0.1, 0.1]);
        assert_eq!(
            (c.mean, c.sd, c.t, c.p_value),
            (Some(0.1), Some(0.0), Some(f64::INFINITY), Some(0.0))
        );
        let c = paired_t_test(&[-2.0, -2.0]);
        assert_eq!((c.t, c.p_value), (Some(f64::NEG_INFINITY), Some(0.0)));
        // NaN / inf entries are dropped: same as d2
        let with_nan = [1.5, f64::NAN, -0.3, f64::INFINITY, 2.2];
        let r = paired_t_test(&with_nan);
        assert_eq!(r.n, 3);
        assert!(close(r.p_value.unwrap(), 0.26741829689942803, 1e-9));
        assert_eq!(paired_t_p(&[f64::NAN, f64::NAN]), None);
    }

    #[test]
    fn sign_test_matches_scipy_binomtest() {
        // scipy.stats.binomtest(k, m, 0.5).pvalue (scipy 1.17.1), see scripts/decision_ref/refs.py
        // 12 values, two ties dropped → m = 10, k⁺ = 8: p = 0.109375
        let d = [1.0, 2.0, -1.0, 0.0, 3.0, 4.0, 5.0, -2.0, 0.0, 6.0, 7.0, 8.0];
        let r = sign_test(&d);
        assert_eq!((r.n, r.n_nonzero, r.n_positive, r.n_negative), (12, 10, 8, 2));
        assert!(close(r.p_value.unwrap(), 0.109375, 1e-12));
        let cases: [(usize, usize, f64); 6] = [
            (0, 5, 0.0625),
            (1, 1, 1.0),
            (3, 6, 1.0),
            (12, 20, 0.5034446716308594),
            (400, 1000, 2.728464156065947e-10),
            (900, 2000, 8.45708953550381e-06),
        ];
        for (k, m, want) in cases {
            let mut d = vec![1.0; k];
            d.extend(std::iter::repeat_n(-1.0, m - k));
            let p = sign_test_p(&d).unwrap();
            assert!(close(p, want, 1e-9), "k={k} m={m}: {p} vs {want}");
        }
    }

    #[test]
    fn sign_test_degenerate() {
        assert_eq!(sign_test_p(&[]), None);
        assert_eq!(sign_test_p(&[f64::NAN]), None);
        assert_eq!(sign_test_p(&[0.0, 0.0, 0.0]), Some(1.0));
        assert_eq!(sign_test_p(&[3.0]), Some(1.0));
        // constant non-zero: an ordinary sign test, p = 2·0.5^5
        assert!(close(sign_test_p(&[0.2; 5]).unwrap(), 0.0625, 1e-12));
        // small samples are exact: 4 positive of 4 → 2 · 2⁻⁴
        assert_eq!(sign_test_p(&[0.1, 0.2, 0.3, 0.4]), Some(0.125));
        // very large m does not underflow to NaN
        let mut d = vec![1.0; 600_000];
        d.extend(vec![-1.0; 400_000]);
        let p = sign_test_p(&d).unwrap();
        assert!(p.is_finite() && (0.0..1e-300).contains(&p));
    }
}
