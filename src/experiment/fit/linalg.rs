//! The little dense linear algebra ABC-SMC needs: Cholesky factors and the
//! multivariate normal kernel. Matrices are row-major `n × n` slices; `n` is
//! the number of parameters (≲ 20), so plain loops are fast enough.

use rand::Rng;
use rand_distr::{Distribution as _, StandardNormal};
use std::f64::consts::PI;

/// The lower-triangular `L` with `A = L Lᵀ` for a symmetric positive-definite `A`.
#[derive(Clone, Debug, PartialEq)]
pub struct Cholesky {
    n: usize,
    /// Row-major `n × n`; the strict upper triangle is zero.
    l: Vec<f64>,
}

impl Cholesky {
    /// Factors `a` (row-major, only its lower triangle is read). `None` when
    /// the size is wrong or `a` is not numerically positive definite.
    pub fn new(a: &[f64], n: usize) -> Option<Self> {
        if n == 0 || a.len() != n * n {
            return None;
        }
        let mut l = vec![0.0; n * n];
        for i in 0..n {
            for j in 0..=i {
                let mut s = a[i * n + j];
                for k in 0..j {
                    s -= l[i * n + k] * l[j * n + k];
                }
                if i == j {
                    // A non-positive (or NaN) pivot: not positive definite.
                    if s.is_nan() || s <= 0.0 {
                        return None;
                    }
                    l[i * n + i] = s.sqrt();
                } else {
                    l[i * n + j] = s / l[j * n + j];
                }
            }
        }
        Some(Cholesky { n, l })
    }

    /// Factors `a + λI` with the smallest λ in `0, s·1e-12, s·1e-11, …, s`
    /// that works, where `s` is the largest diagonal entry (or 1 if that is
    /// not positive). Returns the factor and the ridge λ used. This rescues a
    /// population covariance that is singular (identical particles, or a
    /// parameter the data pin down exactly) at the price of a tiny extra jitter.
    pub fn with_ridge(a: &[f64], n: usize) -> Option<(Self, f64)> {
        if let Some(c) = Cholesky::new(a, n) {
            return Some((c, 0.0));
        }
        if n == 0 || a.len() != n * n {
            return None;
        }
        let max_diag = (0..n).map(|i| a[i * n + i]).fold(0.0, f64::max);
        let scale = if max_diag > 0.0 && max_diag.is_finite() {
            max_diag
        } else {
            1.0
        };
        let mut lambda = scale * 1e-12;
        while lambda <= scale * 1.000_001 {
            let mut b = a.to_vec();
            for i in 0..n {
                b[i * n + i] += lambda;
            }
            if let Some(c) = Cholesky::new(&b, n) {
                return Some((c, lambda));
            }
            lambda *= 10.0;
        }
        None
    }

    pub fn dim(&self) -> usize {
        self.n
    }

    /// The factor `L`, row-major.
    pub fn factor(&self) -> &[f64] {
        &self.l
    }

    /// `L z`. Panics if `z` is shorter than n (as do the other methods
    /// taking vectors: they are meant for the engine's own, sized, data).
    pub fn mul(&self, z: &[f64]) -> Vec<f64> {
        let n = self.n;
        (0..n)
            .map(|i| (0..=i).map(|k| self.l[i * n + k] * z[k]).sum())
            .collect()
    }

    /// Solves `L y = b` by forward substitution into `y`.
    pub fn solve_lower_into(&self, b: &[f64], y: &mut [f64]) {
        let n = self.n;
        for i in 0..n {
            let row = &self.l[i * n..i * n + i];
            let dot: f64 = row.iter().zip(&y[..i]).map(|(l, y)| l * y).sum();
            y[i] = (b[i] - dot) / self.l[i * n + i];
        }
    }

    /// `ln det A = 2 Σ ln L_ii`.
    pub fn ln_det(&self) -> f64 {
        2.0 * (0..self.n).map(|i| self.l[i * self.n + i].ln()).sum::<f64>()
    }
}

/// A multivariate normal `N(mean, Σ)` with a fixed covariance and a mean
/// supplied per call — the perturbation kernel `K_Σ(· | θ_j)` of ABC-SMC.
#[derive(Clone, Debug, PartialEq)]
pub struct Mvn {
    chol: Cholesky,
    /// `−½ (n ln 2π + ln det Σ)`.
    ln_norm: f64,
}

impl Mvn {
    pub fn new(chol: Cholesky) -> Self {
        let ln_norm = -0.5 * (chol.dim() as f64 * (2.0 * PI).ln() + chol.ln_det());
        Mvn { chol, ln_norm }
    }

    pub fn chol(&self) -> &Cholesky {
        &self.chol
    }

    /// The normalising constant `−½ (n ln 2π + ln det Σ)`.
    pub fn ln_norm(&self) -> f64 {
        self.ln_norm
    }

    /// `L⁻¹ x`: coordinates in which the kernel is standard normal, so that
    /// `ln N(x; m, Σ) = ln_norm − ½ |L⁻¹x − L⁻¹m|²`.
    pub fn whiten(&self, x: &[f64]) -> Vec<f64> {
        let mut y = vec![0.0; self.chol.dim()];
        self.chol.solve_lower_into(x, &mut y);
        y
    }

    /// `ln N(x; mean, Σ) = ln_norm − ½ |L⁻¹(x − mean)|²`; `scratch` holds
    /// two vectors of length n so the hot loop does not allocate.
    pub fn ln_pdf_with(&self, x: &[f64], mean: &[f64], scratch: &mut [f64]) -> f64 {
        let n = self.chol.dim();
        let (diff, y) = scratch.split_at_mut(n);
        for i in 0..n {
            diff[i] = x[i] - mean[i];
        }
        self.chol.solve_lower_into(diff, &mut y[..n]);
        self.ln_norm - 0.5 * y[..n].iter().map(|v| v * v).sum::<f64>()
    }

    /// `ln N(x; mean, Σ)`.
    pub fn ln_pdf(&self, x: &[f64], mean: &[f64]) -> f64 {
        let mut scratch = vec![0.0; 2 * self.chol.dim()];
        self.ln_pdf_with(x, mean, &mut scratch)
    }

    /// `mean + L z` with `z ~ N(0, I)` drawn coordinate by coordinate.
    pub fn sample<R: Rng + ?Sized>(&self, mean: &[f64], rng: &mut R) -> Vec<f64> {
        let z: Vec<f64> = (0..self.chol.dim()).map(|_| StandardNormal.sample(rng)).collect();
        self.chol.mul(&z).iter().zip(mean).map(|(d, m)| m + d).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng as _;

    /// A = [[4, 2], [2, 3]] has L = [[2, 0], [1, √2]] (4 = 2², 2 = 2·1,
    /// 3 = 1² + √2²) and det A = 8.
    #[test]
    fn cholesky_hand_case() {
        let c = Cholesky::new(&[4.0, 2.0, 2.0, 3.0], 2).expect("positive definite");
        let l = c.factor();
        assert_eq!(l[0], 2.0);
        assert_eq!(l[1], 0.0);
        assert_eq!(l[2], 1.0);
        assert!((l[3] - 2f64.sqrt()).abs() < 1e-15);
        assert!((c.ln_det() - 8f64.ln()).abs() < 1e-14);
        assert!(Cholesky::new(&[1.0, 2.0, 2.0, 1.0], 2).is_none(), "indefinite");
        assert!(Cholesky::new(&[1.0], 2).is_none(), "wrong size");
    }

    /// At x − μ = (1, 1): A⁻¹ = [[3, −2], [−2, 4]] / 8, so the quadratic form
    /// is (3 − 4 + 4) / 8 = 3/8 and ln N = −ln 2π − ½ ln 8 − 3/16.
    #[test]
    fn mvn_density_hand_case() {
        let k = Mvn::new(Cholesky::new(&[4.0, 2.0, 2.0, 3.0], 2).expect("positive definite"));
        let expected = -(2.0 * PI).ln() - 0.5 * 8f64.ln() - 3.0 / 16.0;
        assert!((k.ln_pdf(&[1.5, 0.0], &[0.5, -1.0]) - expected).abs() < 1e-14);
        // The whitened form used by the SMC weights gives the same value.
        let (zx, zm) = (k.whiten(&[1.5, 0.0]), k.whiten(&[0.5, -1.0]));
        let q: f64 = zx.iter().zip(&zm).map(|(a, b)| (a - b) * (a - b)).sum();
        assert!((k.ln_norm() - 0.5 * q - expected).abs() < 1e-14);
    }

    #[test]
    fn ridge_rescues_a_singular_covariance() {
        let (c, lambda) = Cholesky::with_ridge(&[1.0, 1.0, 1.0, 1.0], 2).expect("ridged");
        assert!(lambda > 0.0 && lambda < 1e-6);
        assert_eq!(c.dim(), 2);
        let (_, zero) = Cholesky::with_ridge(&[0.0; 4], 2).expect("ridged");
        assert!(zero > 0.0);
    }

    /// Sample covariance of 100 000 draws matches Σ to a few standard errors
    /// (SE of a covariance entry ≈ sqrt((Σ_ii Σ_jj + Σ_ij²)/n) ≲ 0.02).
    #[test]
    fn mvn_samples_have_the_covariance() {
        let k = Mvn::new(Cholesky::new(&[4.0, 2.0, 2.0, 3.0], 2).expect("positive definite"));
        let mut rng = rand_pcg::Pcg64Mcg::seed_from_u64(7);
        let n = 100_000;
        let (mut s00, mut s01, mut s11) = (0.0, 0.0, 0.0);
        for _ in 0..n {
            let x = k.sample(&[0.0, 0.0], &mut rng);
            s00 += x[0] * x[0];
            s01 += x[0] * x[1];
            s11 += x[1] * x[1];
        }
        let n = n as f64;
        assert!((s00 / n - 4.0).abs() < 0.08);
        assert!((s01 / n - 2.0).abs() < 0.06);
        assert!((s11 / n - 3.0).abs() < 0.06);
    }
}
