//! Multiple-comparison adjustment of a family of p-values, in input order.
//!
//! The family is the set of **defined** entries: `Some(p)` with `0 ≤ p ≤ 1`.
//! Undefined entries (`None`, NaN, or a value outside `[0, 1]`) are excluded
//! from the family — they do not count in m — and come back as `None` in
//! their position. Both procedures agree with R `p.adjust` (methods `"holm"`
//! and `"BH"`) and statsmodels `multipletests` (`"holm"`, `"fdr_bh"`) on the
//! defined entries; tied p-values receive equal adjusted values.

/// Positions and values of the defined p-values, sorted ascending by p
/// (stable, so tied p keep input order; the adjusted values of ties are
/// equal anyway).
fn family(p: &[Option<f64>]) -> Vec<(usize, f64)> {
    let mut fam: Vec<(usize, f64)> = p
        .iter()
        .enumerate()
        .filter_map(|(i, v)| match v {
            Some(x) if (0.0..=1.0).contains(x) => Some((i, *x)),
            _ => None,
        })
        .collect();
    fam.sort_by(|a, b| a.1.total_cmp(&b.1));
    fam
}

/// Holm step-down adjusted p-values (controls the family-wise error rate).
///
/// Definition: with the m defined p-values sorted ascending,
/// p₍₁₎ ≤ … ≤ p₍ₘ₎, the adjusted value of p₍ᵢ₎ is
/// `p̃₍ᵢ₎ = max_{j ≤ i} min(1, (m − j + 1) · p₍ⱼ₎)`
/// (cumulative maximum makes it monotone). Returned in input order;
/// undefined entries pass through as `None`. An empty family returns
/// all `None`.
pub fn holm(p: &[Option<f64>]) -> Vec<Option<f64>> {
    let fam = family(p);
    let m = fam.len();
    let mut out = vec![None; p.len()];
    let mut running = 0.0_f64;
    for (j, &(pos, v)) in fam.iter().enumerate() {
        let adj = ((m - j) as f64 * v).min(1.0);
        running = running.max(adj);
        out[pos] = Some(running);
    }
    out
}

/// Benjamini–Hochberg step-up q-values (controls the false discovery rate
/// under independence or positive dependence).
///
/// Definition: with the m defined p-values sorted ascending,
/// `q₍ᵢ₎ = min_{j ≥ i} min(1, m · p₍ⱼ₎ / j)`
/// (cumulative minimum from the largest p down makes it monotone; capped at
/// 1). Returned in input order; undefined entries pass through as `None`.
pub fn benjamini_hochberg(p: &[Option<f64>]) -> Vec<Option<f64>> {
    let fam = family(p);
    let m = fam.len();
    let mut out = vec![None; p.len()];
    let mut running = 1.0_f64;
    for (j, &(pos, v)) in fam.iter().enumerate().rev() {
        let q = (m as f64 * v / (j + 1) as f64).min(1.0);
        running = running.min(q);
        out[pos] = Some(running);
    }
    out
}

/// Convenience for plain `f64` p-values: NaN marks an undefined entry.
pub fn holm_f64(p: &[f64]) -> Vec<Option<f64>> {
    holm(&p.iter().map(|&v| Some(v)).collect::<Vec<_>>())
}

/// Convenience for plain `f64` p-values: NaN marks an undefined entry.
pub fn benjamini_hochberg_f64(p: &[f64]) -> Vec<Option<f64>> {
    benjamini_hochberg(&p.iter().map(|&v| Some(v)).collect::<Vec<_>>())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_close(got: &[Option<f64>], want: &[Option<f64>]) {
        assert_eq!(got.len(), want.len());
        for (g, w) in got.iter().zip(want) {
            match (g, w) {
                (Some(g), Some(w)) => assert!((g - w).abs() < 1e-12, "{got:?} vs {want:?}"),
                (None, None) => {}
                _ => panic!("{got:?} vs {want:?}"),
            }
        }
    }

    // References: statsmodels.stats.multitest.multipletests(p, method='holm' /
    // 'fdr_bh')[1] (statsmodels 0.15.0, identical to R p.adjust "holm"/"BH"),
    // see scripts/decision_ref/refs.py.
    const P1: [f64; 7] = [0.01, 0.04, 0.03, 0.005, 0.04, 0.2, 0.5];
    const P2: [f64; 8] = [0.001, 0.001, 0.02, 0.02, 0.02, 0.9, 1.0, 0.049];

    #[test]
    fn holm_matches_p_adjust() {
        let want1 = [0.06, 0.16, 0.15, 0.035, 0.16, 0.4, 0.5].map(Some);
        assert_close(&holm_f64(&P1), &want1);
        let want2 = [0.008, 0.008, 0.12, 0.12, 0.12, 1.0, 1.0, 0.147].map(Some);
        assert_close(&holm_f64(&P2), &want2);
    }

    #[test]
    fn bh_matches_p_adjust() {
        let want1 = [0.035, 0.056, 0.056, 0.035, 0.056, 0.23333333333333336, 0.5].map(Some);
        assert_close(&benjamini_hochberg_f64(&P1), &want1);
        let want2 = [0.004, 0.004, 0.032, 0.032, 0.032, 1.0, 1.0, 0.06533333333333334].map(Some);
        assert_close(&benjamini_hochberg_f64(&P2), &want2);
    }

    #[test]
    fn undefined_entries_pass_through_and_leave_the_family() {
        // family = [0.02, 0.01, 0.03] (m = 3): holm [0.04, 0.03, 0.04], BH [0.03, 0.03, 0.03]
        let p = [
            Some(0.02),
            None,
            Some(0.01),
            Some(f64::NAN),
            Some(0.03),
            Some(1.5),
            Some(-0.1),
        ];
        assert_close(&holm(&p), &[Some(0.04), None, Some(0.03), None, Some(0.04), None, None]);
        assert_close(
            &benjamini_hochberg(&p),
            &[Some(0.03), None, Some(0.03), None, Some(0.03), None, None],
        );
    }

    #[test]
    fn empty_and_single() {
        assert!(holm(&[]).is_empty());
        assert!(benjamini_hochberg(&[]).is_empty());
        assert_eq!(holm(&[None, None]), vec![None, None]);
        assert_eq!(holm(&[Some(0.3)]), vec![Some(0.3)]);
        assert_eq!(benjamini_hochberg(&[Some(0.3)]), vec![Some(0.3)]);
        assert_eq!(holm(&[Some(0.0), Some(1.0)]), vec![Some(0.0), Some(1.0)]);
    }
}
