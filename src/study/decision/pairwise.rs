//! All pairwise comparisons of scenarios on one metric, from paired
//! replications `values[scenario][replication]`.

use super::common::{check_rect, Bounds, DecisionError};
use super::intervals::{t_interval, RowNote};
use super::multiplicity::holm;
use super::paired::paired_t_test;
use serde::Serialize;

/// One pair (i, j), i < j.
///
/// Definition: `d_r = values[j][r] − values[i][r]` over the replications where
/// both are finite (pairwise complete cases; `n` counts them). Then
/// - `mean`, `sd` (n − 1 denominator), `se` = sd/√n, `p_value`: the paired
///   t test of [`paired_t_test`] (same
///   degenerate rules: all tied → p = 1; constant non-zero → p = 0);
/// - `ci_low`/`ci_high`: the t interval mean ± t(1 − α/2, n − 1)·se of
///   [`t_interval`], clamped to `bounds` when
///   given (e.g. `[−1, 1]` for shares), with its `note`;
/// - `p_holm`: Holm-adjusted p over the family of all pairs with a defined
///   p-value (see [`holm`]).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PairRow {
    pub i: usize,
    pub j: usize,
    pub n: usize,
    pub mean: Option<f64>,
    pub sd: Option<f64>,
    pub se: Option<f64>,
    pub ci_low: Option<f64>,
    pub ci_high: Option<f64>,
    pub p_value: Option<f64>,
    pub p_holm: Option<f64>,
    pub note: Option<RowNote>,
}

/// Every pair i < j of the S scenarios, in the order (0,1), (0,2), …,
/// (0,S−1), (1,2), …; S(S − 1)/2 rows. See [`PairRow`] for the definitions.
/// Errors: a ragged matrix. Fewer than two scenarios: no rows.
pub fn pairwise(values: &[Vec<f64>], level: f64, bounds: Option<Bounds>) -> Result<Vec<PairRow>, DecisionError> {
    let len = check_rect(values)?;
    let s = values.len();
    let mut rows = Vec::with_capacity(s * s.saturating_sub(1) / 2);
    for i in 0..s {
        for j in (i + 1)..s {
            let d: Vec<f64> = (0..len)
                .filter(|&r| values[i][r].is_finite() && values[j][r].is_finite())
                .map(|r| values[j][r] - values[i][r])
                .collect();
            let t = paired_t_test(&d);
            let ci = t_interval(&d, level, bounds);
            rows.push(PairRow {
                i,
                j,
                n: t.n,
                mean: ci.mean,
                sd: t.sd,
                se: t.se,
                ci_low: ci.low,
                ci_high: ci.high,
                p_value: t.p_value,
                p_holm: None,
                note: ci.note,
            });
        }
    }
    let adjusted = holm(&rows.iter().map(|r| r.p_value).collect::<Vec<_>>());
    for (row, p) in rows.iter_mut().zip(adjusted) {
        row.p_holm = p;
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: Option<f64>, b: f64, rel: f64) -> bool {
        a.is_some_and(|a| (a - b).abs() <= rel * b.abs().max(1e-12))
    }

    #[test]
    fn matches_scipy_and_statsmodels() {
        // scripts/decision_ref/pairwise.py: scipy.stats.ttest_rel(values[j], values[i]), scipy t.interval,
        // statsmodels multipletests(method='holm') over the three p-values.
        let v = vec![
            vec![10.2, 11.1, 9.8, 10.5, 10.9, 10.0],
            vec![10.9, 11.6, 10.1, 11.4, 11.2, 10.8],
            vec![10.1, 11.5, 9.2, 10.4, 11.6, 10.3],
        ];
        let rows = pairwise(&v, 0.95, None).unwrap();
        assert_eq!(
            rows.iter().map(|r| (r.i, r.j)).collect::<Vec<_>>(),
            vec![(0, 1), (0, 2), (1, 2)]
        );
        let want = [
            // (mean, sd, p, ci_low, ci_high, p_holm)
            (PW[0], PW[1], PW[2], PW[3], PW[4], PW[5]),
            (PW[6], PW[7], PW[8], PW[9], PW[10], PW[11]),
            (PW[12], PW[13], PW[14], PW[15], PW[16], PW[17]),
        ];
        for (r, w) in rows.iter().zip(want) {
            assert_eq!(r.n, 6);
            assert!(close(r.mean, w.0, 1e-10), "{r:?}");
            assert!(close(r.sd, w.1, 1e-10), "{r:?}");
            assert!(close(r.se, w.1 / 6f64.sqrt(), 1e-10), "{r:?}");
            assert!(close(r.p_value, w.2, 1e-8), "{r:?}");
            assert!(close(r.ci_low, w.3, 1e-9), "{r:?}");
            assert!(close(r.ci_high, w.4, 1e-9), "{r:?}");
            assert!(close(r.p_holm, w.5, 1e-8), "{r:?}");
        }
    }

    // (mean, sd, p, ci_low, ci_high, p_holm) per pair, printed by scripts/decision_ref/pairwise.py
    // (numpy 2.4.6, scipy 1.17.1, statsmodels 0.15.0)
    const PW: [f64; 18] = [
        0.5833333333333334,
        0.25625508125043506,
        0.002556193177209604,
        0.31441011816468556,
        0.8522565485019812,
        0.007668579531628812,
        0.09999999999999994,
        0.4604345773288538,
        0.6175095401766972,
        -0.3831964552893429,
        0.5831964552893427,
        0.6175095401766972,
        -0.4833333333333334,
        0.5419102016632156,
        0.080631971102124,
        -1.0520332125819318,
        0.08536654591526516,
        0.161263942204248,
    ];

    #[test]
    fn degenerate_pairs() {
        // scenario 1 is a copy of 0 (all tied), 2 = 0 + 0.5 exactly in every replication
        let v = vec![vec![1.0, 2.0, 3.0], vec![1.0, 2.0, 3.0], vec![1.5, 2.5, 3.5]];
        let rows = pairwise(&v, 0.95, None).unwrap();
        assert_eq!((rows[0].p_value, rows[0].note), (Some(1.0), Some(RowNote::AllTied)));
        assert_eq!((rows[1].p_value, rows[1].note), (Some(0.0), Some(RowNote::Constant)));
        assert_eq!((rows[1].ci_low, rows[1].ci_high), (Some(0.5), Some(0.5)));
        // family of 3 defined p-values: [1, 0, 0] → holm [1, 0, 0]
        assert_eq!(
            rows.iter().map(|r| r.p_holm).collect::<Vec<_>>(),
            vec![Some(1.0), Some(0.0), Some(0.0)]
        );
        // pairwise complete cases: a NaN removes the replication from its pairs only
        let v = vec![
            vec![0.2, 0.4, f64::NAN, 0.3],
            vec![0.3, 0.5, 0.1, 0.2],
            vec![0.2, 0.6, 0.3, 0.2],
        ];
        let rows = pairwise(&v, 0.95, Some(Bounds::UNIT_DIFFERENCE)).unwrap();
        assert_eq!(rows.iter().map(|r| r.n).collect::<Vec<_>>(), vec![3, 3, 4]);
        // one replication → undefined p, excluded from the Holm family
        let rows = pairwise(&[vec![1.0], vec![2.0], vec![4.0]], 0.95, None).unwrap();
        assert!(rows
            .iter()
            .all(|r| r.p_value.is_none() && r.p_holm.is_none() && r.mean.is_some()));
        assert_eq!(rows[0].note, Some(RowNote::TooFew));
        // fewer than two scenarios, ragged
        assert!(pairwise(&[vec![1.0, 2.0]], 0.95, None).unwrap().is_empty());
        assert!(pairwise(&[], 0.95, None).unwrap().is_empty());
        assert!(pairwise(&[vec![1.0, 2.0], vec![1.0]], 0.95, None).is_err());
    }
}
