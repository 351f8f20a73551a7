//! Warnings attached to variance-based sensitivity indices (first-order S and
//! total ST, e.g. Sobol/Saltelli–Jansen estimates) of one input on one output.

use serde::Serialize;

/// Default threshold of [`sensitivity_notes`]: an output whose relative
/// standard deviation sd/|mean| is below 1e−6 is "near-constant".
///
/// Rationale: at that level the output's variation is of the order of
/// accumulated floating-point rounding in a simulation (or the output is
/// constant by construction), so V(Y) in the denominator of S = V(E[Y|X])/V(Y)
/// is noise and the indices are meaningless; they should be left empty. Use
/// [`sensitivity_notes_with`] with e.g. 1e−4 to also blank outputs that vary
/// but negligibly for policy purposes.
pub const NEAR_CONSTANT_REL_SD: f64 = 1e-6;

/// A sensitivity-index estimate with its confidence interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct IndexEstimate {
    pub estimate: f64,
    pub low: f64,
    pub high: f64,
}

/// Warning about one input's indices.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum SensitivityNote {
    /// Output variance is zero/undefined or its relative sd is below the
    /// threshold: leave S and ST empty.
    #[serde(rename = "near-constant output")]
    NearConstantOutput,
    /// S exceeds ST beyond their intervals (S.low > ST.high): impossible in
    /// theory (S ≤ ST), so the estimates are unreliable — more samples needed,
    /// or strong estimator bias.
    #[serde(rename = "S > ST")]
    SExceedsSt,
    /// S < 0 with its whole interval below 0 (S.high < 0): impossible in
    /// theory (S ≥ 0); estimator noise or too few samples.
    #[serde(rename = "negative S")]
    NegativeS,
}

impl SensitivityNote {
    /// Output label: `"near-constant output"`, `"S > ST"`, `"negative S"`.
    pub fn as_str(&self) -> &'static str {
        match self {
            SensitivityNote::NearConstantOutput => "near-constant output",
            SensitivityNote::SExceedsSt => "S > ST",
            SensitivityNote::NegativeS => "negative S",
        }
    }
}

/// Whether an output with this mean and variance is near-constant at
/// relative-sd threshold `rel_sd_min`: the variance is not finite or ≤ 0, or
/// the mean is finite and non-zero and √variance / |mean| < `rel_sd_min`.
/// (With mean 0 the relative sd is undefined and only zero variance counts.)
pub fn is_near_constant(output_mean: f64, output_variance: f64, rel_sd_min: f64) -> bool {
    if !output_variance.is_finite() || output_variance <= 0.0 {
        return true;
    }
    output_mean.is_finite() && output_mean != 0.0 && output_variance.sqrt() / output_mean.abs() < rel_sd_min
}

/// Notes for one input's S (first order) and ST (total) on one output, with
/// the default threshold [`NEAR_CONSTANT_REL_SD`].
///
/// Definition (checks in this order):
/// 1. `"near-constant output"` if [`is_near_constant`]`(mean, variance,
///    1e−6)`; then this is the only note and S and ST should be left empty;
/// 2. `"S > ST"` if both are given and S.low > ST.high (S's interval lies
///    wholly above ST's);
/// 3. `"negative S"` if S is given and S.high < 0 (its interval excludes 0
///    from below).
///
/// A check whose interval ends are not finite is skipped. Empty result: no
/// warning.
pub fn sensitivity_notes(
    output_mean: f64,
    output_variance: f64,
    s: Option<IndexEstimate>,
    st: Option<IndexEstimate>,
) -> Vec<SensitivityNote> {
    sensitivity_notes_with(output_mean, output_variance, s, st, NEAR_CONSTANT_REL_SD)
}

/// [`sensitivity_notes`] with an explicit relative-sd threshold.
pub fn sensitivity_notes_with(
    output_mean: f64,
    output_variance: f64,
    s: Option<IndexEstimate>,
    st: Option<IndexEstimate>,
    rel_sd_min: f64,
) -> Vec<SensitivityNote> {
    if is_near_constant(output_mean, output_variance, rel_sd_min) {
        return vec![SensitivityNote::NearConstantOutput];
    }
    let mut notes = Vec::new();
    if let (Some(s), Some(st)) = (s, st) {
        if s.low.is_finite() && st.high.is_finite() && s.low > st.high {
            notes.push(SensitivityNote::SExceedsSt);
        }
    }
    if let Some(s) = s {
        if s.high.is_finite() && s.high < 0.0 {
            notes.push(SensitivityNote::NegativeS);
        }
    }
    notes
}

/// Notes joined with `"; "` for one output cell (empty string: no note).
pub fn join_notes(notes: &[SensitivityNote]) -> String {
    notes.iter().map(SensitivityNote::as_str).collect::<Vec<_>>().join("; ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use SensitivityNote::*;

    fn est(estimate: f64, low: f64, high: f64) -> Option<IndexEstimate> {
        Some(IndexEstimate { estimate, low, high })
    }

    #[test]
    fn near_constant() {
        // sd/|mean| = 1e-7/1 < 1e-6
        assert_eq!(
            sensitivity_notes(1.0, 1e-14, est(0.5, 0.4, 0.6), est(0.6, 0.5, 0.7)),
            vec![NearConstantOutput]
        );
        // sd/|mean| = 1e-5 ≥ 1e-6: fine
        assert!(sensitivity_notes(1.0, 1e-10, est(0.5, 0.4, 0.6), est(0.6, 0.5, 0.7)).is_empty());
        // ... but near-constant at a 1e-4 threshold
        assert_eq!(
            sensitivity_notes_with(1.0, 1e-10, None, None, 1e-4),
            vec![NearConstantOutput]
        );
        // zero / NaN / negative variance
        for v in [0.0, f64::NAN, -1.0, f64::INFINITY] {
            assert_eq!(sensitivity_notes(3.0, v, None, None), vec![NearConstantOutput]);
        }
        // mean 0: relative sd undefined, positive variance is not flagged
        assert!(!is_near_constant(0.0, 1e-20, NEAR_CONSTANT_REL_SD));
        assert!(!is_near_constant(f64::NAN, 1.0, NEAR_CONSTANT_REL_SD));
        // negative mean uses |mean|
        assert!(is_near_constant(-1e6, 1e-2, NEAR_CONSTANT_REL_SD)); // sd 0.1 / 1e6 = 1e-7
    }

    #[test]
    fn s_exceeds_st_and_negative_s() {
        // S interval [0.50, 0.60] wholly above ST interval [0.30, 0.45]
        assert_eq!(
            sensitivity_notes(10.0, 4.0, est(0.55, 0.50, 0.60), est(0.4, 0.30, 0.45)),
            vec![SExceedsSt]
        );
        // overlapping intervals: S point above ST but not beyond the intervals
        assert!(sensitivity_notes(10.0, 4.0, est(0.5, 0.40, 0.60), est(0.45, 0.35, 0.55)).is_empty());
        // negative S with interval excluding 0
        assert_eq!(
            sensitivity_notes(10.0, 4.0, est(-0.08, -0.12, -0.03), est(0.1, 0.05, 0.15)),
            vec![NegativeS]
        );
        // negative S whose interval covers 0: no note
        assert!(sensitivity_notes(10.0, 4.0, est(-0.02, -0.06, 0.02), None).is_empty());
        // both at once (ST negative too, below S)
        let n = sensitivity_notes(10.0, 4.0, est(-0.05, -0.07, -0.03), est(-0.2, -0.3, -0.1));
        assert_eq!(n, vec![SExceedsSt, NegativeS]);
        assert_eq!(join_notes(&n), "S > ST; negative S");
        assert_eq!(join_notes(&[]), "");
        // non-finite interval ends skip the check
        assert!(sensitivity_notes(10.0, 4.0, est(-0.1, f64::NAN, f64::NAN), est(0.1, 0.0, f64::NAN)).is_empty());
        assert_eq!(NearConstantOutput.as_str(), "near-constant output");
    }
}
