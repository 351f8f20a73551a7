//! Weighted summaries of a particle population.
//!
//! All functions take raw non-negative weights (they need not sum to 1) and
//! return `None` for unusable input: empty or mismatched slices, a negative
//! or non-finite weight, a zero total weight, or a non-finite value.

/// The weights normalised to sum 1, or `None` if they are unusable.
fn normalised(w: &[f64], n: usize) -> Option<Vec<f64>> {
    if n == 0 || w.len() != n || w.iter().any(|&v| !(v.is_finite() && v >= 0.0)) {
        return None;
    }
    let total: f64 = w.iter().sum();
    (total > 0.0 && total.is_finite()).then(|| w.iter().map(|&v| v / total).collect())
}

/// `Σ w̃_i x_i` with `w̃ = w / Σ w`.
pub fn weighted_mean(x: &[f64], w: &[f64]) -> Option<f64> {
    let wn = normalised(w, x.len())?;
    if x.iter().any(|v| !v.is_finite()) {
        return None;
    }
    Some(x.iter().zip(&wn).map(|(x, w)| x * w).sum())
}

/// The plug-in weighted variance `Σ w̃_i (x_i − x̄)²` (no small-sample
/// correction: it is the variance of the weighted empirical distribution).
pub fn weighted_variance(x: &[f64], w: &[f64]) -> Option<f64> {
    let m = weighted_mean(x, w)?;
    let wn = normalised(w, x.len())?;
    Some(x.iter().zip(&wn).map(|(x, w)| w * (x - m) * (x - m)).sum())
}

/// The plug-in weighted covariance matrix `Σ w̃_i (θ_i − θ̄)(θ_i − θ̄)ᵀ` of
/// points of equal dimension `d ≥ 1`, as `d` rows of `d`.
pub fn weighted_covariance<T: AsRef<[f64]>>(points: &[T], w: &[f64]) -> Option<Vec<Vec<f64>>> {
    let wn = normalised(w, points.len())?;
    let d = points.first()?.as_ref().len();
    if d == 0
        || points
            .iter()
            .any(|p| p.as_ref().len() != d || p.as_ref().iter().any(|v| !v.is_finite()))
    {
        return None;
    }
    let mut mean = vec![0.0; d];
    for (p, &wi) in points.iter().zip(&wn) {
        for (m, &x) in mean.iter_mut().zip(p.as_ref()) {
            *m += wi * x;
        }
    }
    // Lower triangle, row-major, then mirrored.
    let mut lower = vec![0.0; d * d];
    let mut centred = vec![0.0; d];
    for (p, &wi) in points.iter().zip(&wn) {
        for ((c, &x), &m) in centred.iter_mut().zip(p.as_ref()).zip(&mean) {
            *c = x - m;
        }
        for (a, &ca) in centred.iter().enumerate() {
            for (cell, &cb) in lower[a * d..=a * d + a].iter_mut().zip(&centred) {
                *cell += wi * ca * cb;
            }
        }
    }
    let entry = |a: usize, b: usize| if b <= a { lower[a * d + b] } else { lower[b * d + a] };
    Some((0..d).map(|a| (0..d).map(|b| entry(a, b)).collect()).collect())
}

/// The weighted `p`-quantile, `p ∈ [0, 1]`: the inverse of the weighted
/// empirical CDF, i.e. the smallest `x_(k)` (values sorted ascending, ties in
/// input order, zero-weight points skipped) whose cumulative normalised
/// weight reaches `p`. With equal weights this is the "type 1" sample
/// quantile (the lower median for even n at p = ½). A relative slack of
/// 1e-12 on the comparison keeps rounding in the running sum from skipping a
/// point whose cumulative weight is exactly `p`.
pub fn weighted_quantile(x: &[f64], w: &[f64], p: f64) -> Option<f64> {
    let wn = normalised(w, x.len())?;
    if !(0.0..=1.0).contains(&p) || x.iter().any(|v| !v.is_finite()) {
        return None;
    }
    let mut order: Vec<usize> = (0..x.len()).collect();
    order.sort_by(|&a, &b| x[a].total_cmp(&x[b]));
    let threshold = p - 1e-12;
    let mut cumulative = 0.0;
    let mut last = None;
    for &i in &order {
        if wn[i] == 0.0 {
            continue;
        }
        cumulative += wn[i];
        last = Some(x[i]);
        if cumulative >= threshold {
            return last;
        }
    }
    last
}

/// The equal-tailed weighted credible interval of mass `level ∈ (0, 1)`:
/// `[q((1 − level)/2), q((1 + level)/2)]` with [`weighted_quantile`].
pub fn credible_interval(x: &[f64], w: &[f64], level: f64) -> Option<(f64, f64)> {
    if !(level > 0.0 && level < 1.0) {
        return None;
    }
    Some((
        weighted_quantile(x, w, 0.5 * (1.0 - level))?,
        weighted_quantile(x, w, 0.5 * (1.0 + level))?,
    ))
}

/// Kish's effective sample size `(Σ w)² / Σ w²` (= `1 / Σ w̃²` for
/// normalised weights): N for equal weights, 1 when one particle has all the
/// weight. 0 for unusable weights.
pub fn effective_sample_size(w: &[f64]) -> f64 {
    match normalised(w, w.len()) {
        Some(wn) => 1.0 / wn.iter().map(|v| v * v).sum::<f64>(),
        None => 0.0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantile_follows_the_inverse_weighted_cdf() {
        let x = [3.0, 1.0, 4.0, 2.0];
        let eq = [1.0; 4];
        // Sorted 1, 2, 3, 4 with cumulative ¼, ½, ¾, 1.
        assert_eq!(weighted_quantile(&x, &eq, 0.5), Some(2.0));
        assert_eq!(weighted_quantile(&x, &eq, 0.51), Some(3.0));
        assert_eq!(weighted_quantile(&x, &eq, 0.0), Some(1.0));
        assert_eq!(weighted_quantile(&x, &eq, 1.0), Some(4.0));
        // Weight 0.7 on the value 4: every p above 0.3 lands on it.
        let w = [0.1, 0.1, 0.7, 0.1];
        assert_eq!(weighted_quantile(&x, &w, 0.3), Some(3.0));
        assert_eq!(weighted_quantile(&x, &w, 0.31), Some(4.0));
        assert_eq!(weighted_quantile(&x, &w, 0.99), Some(4.0));
        // Ten equal weights of 0.1 sum with rounding; p = 0.3 must still give the 3rd value.
        let xs: Vec<f64> = (1..=10).map(f64::from).collect();
        assert_eq!(weighted_quantile(&xs, &[0.1; 10], 0.3), Some(3.0));
        assert_eq!(credible_interval(&xs, &[1.0; 10], 0.8), Some((1.0, 9.0)));
        assert_eq!(weighted_quantile(&x, &[0.0; 4], 0.5), None);
        assert_eq!(weighted_quantile(&x, &eq, 1.5), None);
        assert_eq!(weighted_quantile(&x, &eq[..3], 0.5), None);
    }

    /// Points (0,0) w=1, (2,0) w=1, (0,2) w=2 → w̃ = ¼, ¼, ½, mean (½, 1).
    /// var₁ = ¼·¼ + ¼·(9/4) + ½·¼ = 3/4, var₂ = ¼·1 + ¼·1 + ½·1 = 1,
    /// cov = ¼·(−½)(−1) + ¼·(3/2)(−1) + ½·(−½)(1) = −1/2.
    #[test]
    fn covariance_hand_case() {
        let pts = [vec![0.0, 0.0], vec![2.0, 0.0], vec![0.0, 2.0]];
        let c = weighted_covariance(&pts, &[1.0, 1.0, 2.0]).expect("valid");
        assert!((c[0][0] - 0.75).abs() < 1e-15);
        assert!((c[1][1] - 1.0).abs() < 1e-15);
        assert!((c[0][1] + 0.5).abs() < 1e-15);
        assert_eq!(c[0][1], c[1][0]);
        let xs = [0.0, 2.0, 0.0];
        assert_eq!(weighted_variance(&xs, &[1.0, 1.0, 2.0]), Some(c[0][0]));
        assert_eq!(weighted_mean(&xs, &[1.0, 1.0, 2.0]), Some(0.5));
        assert!(weighted_covariance(&[vec![1.0], vec![1.0, 2.0]], &[1.0, 1.0]).is_none());
    }

    #[test]
    fn ess_bounds() {
        assert!((effective_sample_size(&[2.0; 8]) - 8.0).abs() < 1e-12);
        assert!((effective_sample_size(&[1.0, 0.0, 0.0]) - 1.0).abs() < 1e-12);
        assert_eq!(effective_sample_size(&[]), 0.0);
    }
}
