//! Priors: an independent product of one-dimensional marginals, each optionally
//! truncated to a parameter's valid range.

use rand::Rng;
use serde::{Deserialize, Serialize};
use statrs::distribution::ContinuousCDF as _;
use statrs::function::erf::{erfc, erfc_inv};
use statrs::function::gamma::{gamma_lr, gamma_ur, ln_gamma};
use std::f64::consts::{PI, SQRT_2};

use super::error::FitError;

/// An untruncated one-dimensional distribution family.
///
/// Serialised with a `family` tag, e.g. `{"family":"normal","mean":0.0,"sd":1.0}`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "family", rename_all = "snake_case")]
pub enum Dist {
    /// Flat on `[lo, hi]`, `lo < hi`.
    Uniform { lo: f64, hi: f64 },
    /// Gaussian with mean `mean` and standard deviation `sd > 0`.
    Normal { mean: f64, sd: f64 },
    /// `ln x ~ Normal(mu, sigma)`, `sigma > 0`; support `(0, ∞)`.
    LogNormal { mu: f64, sigma: f64 },
    /// Triangular on `[lo, hi]` peaking at `mode`, `lo ≤ mode ≤ hi`, `lo < hi`.
    Triangular { lo: f64, mode: f64, hi: f64 },
    /// Gamma with shape `k > 0` and rate `β > 0` (mean `k/β`); support `(0, ∞)`.
    /// The natural prior for rates, and the conjugate prior of a Poisson rate.
    Gamma { shape: f64, rate: f64 },
}

fn finite(name: &str, x: f64) -> Result<(), String> {
    if x.is_finite() {
        Ok(())
    } else {
        Err(format!("{name} must be finite, got {x}"))
    }
}

/// Standard normal CDF, accurate in both tails.
fn phi(z: f64) -> f64 {
    0.5 * erfc(-z / SQRT_2)
}

/// Standard normal survival function `1 − Φ(z)`, accurate in the upper tail.
fn phi_sf(z: f64) -> f64 {
    0.5 * erfc(z / SQRT_2)
}

/// `Φ⁻¹(p)`.
fn phi_inv(p: f64) -> f64 {
    -SQRT_2 * erfc_inv(2.0 * p)
}

/// `z` such that `1 − Φ(z) = q`.
fn phi_sf_inv(q: f64) -> f64 {
    SQRT_2 * erfc_inv(2.0 * q)
}

impl Dist {
    /// Checks the parameters; the message names the offending one.
    pub fn validate(&self) -> Result<(), String> {
        match *self {
            Dist::Uniform { lo, hi } => {
                finite("uniform lo", lo)?;
                finite("uniform hi", hi)?;
                if lo >= hi {
                    return Err(format!("uniform needs lo < hi, got [{lo}, {hi}]"));
                }
            }
            Dist::Normal { mean, sd } => {
                finite("normal mean", mean)?;
                finite("normal sd", sd)?;
                if sd <= 0.0 {
                    return Err(format!("normal sd must be > 0, got {sd}"));
                }
            }
            Dist::LogNormal { mu, sigma } => {
                finite("lognormal mu", mu)?;
                finite("lognormal sigma", sigma)?;
                if sigma <= 0.0 {
                    return Err(format!("lognormal sigma must be > 0, got {sigma}"));
                }
            }
            Dist::Triangular { lo, mode, hi } => {
                finite("triangular lo", lo)?;
                finite("triangular mode", mode)?;
                finite("triangular hi", hi)?;
                if !(lo < hi && lo <= mode && mode <= hi) {
                    return Err(format!(
                        "triangular needs lo ≤ mode ≤ hi and lo < hi, got ({lo}, {mode}, {hi})"
                    ));
                }
            }
            Dist::Gamma { shape, rate } => {
                finite("gamma shape", shape)?;
                finite("gamma rate", rate)?;
                if shape <= 0.0 || rate <= 0.0 {
                    return Err(format!("gamma needs shape > 0 and rate > 0, got ({shape}, {rate})"));
                }
            }
        }
        Ok(())
    }

    /// The closed support `[lo, hi]` (infinite ends for unbounded families).
    pub fn support(&self) -> (f64, f64) {
        match *self {
            Dist::Uniform { lo, hi } | Dist::Triangular { lo, hi, .. } => (lo, hi),
            Dist::Normal { .. } => (f64::NEG_INFINITY, f64::INFINITY),
            Dist::LogNormal { .. } | Dist::Gamma { .. } => (0.0, f64::INFINITY),
        }
    }

    /// Log density; `-∞` outside the support.
    pub fn ln_pdf(&self, x: f64) -> f64 {
        if x.is_nan() {
            return f64::NAN;
        }
        let (lo, hi) = self.support();
        if x < lo || x > hi {
            return f64::NEG_INFINITY;
        }
        match *self {
            Dist::Uniform { lo, hi } => -(hi - lo).ln(),
            Dist::Normal { mean, sd } => {
                let z = (x - mean) / sd;
                -0.5 * z * z - sd.ln() - 0.5 * (2.0 * PI).ln()
            }
            Dist::LogNormal { mu, sigma } => {
                if x <= 0.0 {
                    return f64::NEG_INFINITY;
                }
                let z = (x.ln() - mu) / sigma;
                -0.5 * z * z - x.ln() - sigma.ln() - 0.5 * (2.0 * PI).ln()
            }
            Dist::Triangular { lo, mode, hi } => {
                let p = if x < mode {
                    2.0 * (x - lo) / ((hi - lo) * (mode - lo))
                } else if x > mode {
                    2.0 * (hi - x) / ((hi - lo) * (hi - mode))
                } else {
                    2.0 / (hi - lo)
                };
                p.ln()
            }
            Dist::Gamma { shape, rate } => {
                if x == 0.0 {
                    // The density at 0 is ∞, β or 0 for shape <, =, > 1.
                    return if shape < 1.0 {
                        f64::INFINITY
                    } else if shape == 1.0 {
                        rate.ln()
                    } else {
                        f64::NEG_INFINITY
                    };
                }
                (shape - 1.0) * x.ln() - rate * x + shape * rate.ln() - ln_gamma(shape)
            }
        }
    }

    /// Density; 0 outside the support.
    pub fn pdf(&self, x: f64) -> f64 {
        self.ln_pdf(x).exp()
    }

    /// `P(X ≤ x)`.
    pub fn cdf(&self, x: f64) -> f64 {
        if x.is_nan() {
            return f64::NAN;
        }
        let (lo, hi) = self.support();
        if x <= lo {
            return 0.0;
        }
        if x >= hi {
            return 1.0;
        }
        match *self {
            Dist::Uniform { lo, hi } => (x - lo) / (hi - lo),
            Dist::Normal { mean, sd } => phi((x - mean) / sd),
            Dist::LogNormal { mu, sigma } => phi((x.ln() - mu) / sigma),
            Dist::Triangular { lo, mode, hi } => {
                if x <= mode {
                    (x - lo) * (x - lo) / ((hi - lo) * (mode - lo))
                } else {
                    1.0 - (hi - x) * (hi - x) / ((hi - lo) * (hi - mode))
                }
            }
            Dist::Gamma { shape, rate } => gamma_lr(shape, rate * x),
        }
    }

    /// `P(X > x)`, computed directly so the upper tail keeps its precision.
    pub fn sf(&self, x: f64) -> f64 {
        if x.is_nan() {
            return f64::NAN;
        }
        let (lo, hi) = self.support();
        if x <= lo {
            return 1.0;
        }
        if x >= hi {
            return 0.0;
        }
        match *self {
            Dist::Normal { mean, sd } => phi_sf((x - mean) / sd),
            Dist::LogNormal { mu, sigma } => phi_sf((x.ln() - mu) / sigma),
            Dist::Gamma { shape, rate } => gamma_ur(shape, rate * x),
            Dist::Uniform { lo, hi } => (hi - x) / (hi - lo),
            Dist::Triangular { lo, mode, hi } => {
                if x >= mode {
                    (hi - x) * (hi - x) / ((hi - lo) * (hi - mode))
                } else {
                    1.0 - (x - lo) * (x - lo) / ((hi - lo) * (mode - lo))
                }
            }
        }
    }

    /// The lower quantile: `x` with `cdf(x) = p`, for `p ∈ [0, 1]`.
    pub fn quantile(&self, p: f64) -> f64 {
        if p.is_nan() {
            return f64::NAN;
        }
        let (lo, hi) = self.support();
        if p <= 0.0 {
            return lo;
        }
        if p >= 1.0 {
            return hi;
        }
        match *self {
            Dist::Uniform { lo, hi } => lo + p * (hi - lo),
            Dist::Normal { mean, sd } => mean + sd * phi_inv(p),
            Dist::LogNormal { mu, sigma } => (mu + sigma * phi_inv(p)).exp(),
            Dist::Triangular { lo, mode, hi } => {
                if p <= (mode - lo) / (hi - lo) {
                    lo + (p * (hi - lo) * (mode - lo)).sqrt()
                } else {
                    hi - ((1.0 - p) * (hi - lo) * (hi - mode)).sqrt()
                }
            }
            Dist::Gamma { shape, rate } => match statrs::distribution::Gamma::new(shape, rate) {
                Ok(g) => g.inverse_cdf(p),
                Err(_) => f64::NAN,
            },
        }
    }

    /// The upper quantile: `x` with `sf(x) = q`, for `q ∈ [0, 1]`.
    pub fn quantile_upper(&self, q: f64) -> f64 {
        if q.is_nan() {
            return f64::NAN;
        }
        let (lo, hi) = self.support();
        if q <= 0.0 {
            return hi;
        }
        if q >= 1.0 {
            return lo;
        }
        match *self {
            Dist::Normal { mean, sd } => mean + sd * phi_sf_inv(q),
            Dist::LogNormal { mu, sigma } => (mu + sigma * phi_sf_inv(q)).exp(),
            Dist::Uniform { lo, hi } => hi - q * (hi - lo),
            Dist::Triangular { lo, mode, hi } => {
                if q <= (hi - mode) / (hi - lo) {
                    hi - (q * (hi - lo) * (hi - mode)).sqrt()
                } else {
                    lo + ((1.0 - q) * (hi - lo) * (mode - lo)).sqrt()
                }
            }
            Dist::Gamma { .. } => self.quantile(1.0 - q),
        }
    }
}

/// One parameter's prior: a family, optionally truncated to `[min, max]`.
///
/// Truncation renormalises: the density inside `[min, max]` is the family's
/// density divided by the family's mass in `[min, max]`, and 0 outside.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Marginal {
    pub dist: Dist,
    /// The parameter's valid range `[min, max]` (either end may be infinite).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bounds: Option<[f64; 2]>,
}

/// How the truncated mass is measured: from below (`cdf`) or, when the range
/// sits in the upper tail, from above (`sf`) so that precision is kept.
#[derive(Clone, Copy)]
enum Tail {
    Lower { f_min: f64 },
    Upper { s_min: f64 },
}

impl Marginal {
    /// An untruncated marginal.
    pub fn new(dist: Dist) -> Result<Self, FitError> {
        let m = Marginal { dist, bounds: None };
        m.validate()?;
        Ok(m)
    }

    /// The same family restricted to `[min, max]` and renormalised.
    pub fn truncated(self, min: f64, max: f64) -> Result<Self, FitError> {
        let m = Marginal {
            dist: self.dist,
            bounds: Some([min, max]),
        };
        m.validate()?;
        Ok(m)
    }

    /// Checks the family and the truncation (which must keep positive mass).
    pub fn validate(&self) -> Result<(), FitError> {
        self.dist.validate().map_err(FitError::Prior)?;
        if let Some([min, max]) = self.bounds {
            if min.is_nan() || max.is_nan() || min >= max {
                return Err(FitError::Prior(format!(
                    "truncation needs min < max, got [{min}, {max}]"
                )));
            }
            let mass = self.tail().1;
            if mass.is_nan() || mass <= 0.0 {
                return Err(FitError::Prior(format!(
                    "truncation [{min}, {max}] leaves no prior mass"
                )));
            }
        }
        Ok(())
    }

    /// The closed support after truncation.
    pub fn support(&self) -> (f64, f64) {
        let (lo, hi) = self.dist.support();
        match self.bounds {
            Some([min, max]) => (lo.max(min), hi.min(max)),
            None => (lo, hi),
        }
    }

    /// The family's mass in the truncation range, with the tail it is measured from.
    fn tail(&self) -> (Tail, f64) {
        let Some([min, max]) = self.bounds else {
            return (Tail::Lower { f_min: 0.0 }, 1.0);
        };
        let f_min = self.dist.cdf(min);
        if f_min > 0.5 {
            let s_min = self.dist.sf(min);
            (Tail::Upper { s_min }, s_min - self.dist.sf(max))
        } else {
            (Tail::Lower { f_min }, self.dist.cdf(max) - f_min)
        }
    }

    /// Log density (renormalised when truncated); `-∞` outside the support.
    pub fn ln_pdf(&self, x: f64) -> f64 {
        if x.is_nan() {
            return f64::NAN;
        }
        let (lo, hi) = self.support();
        if x < lo || x > hi {
            return f64::NEG_INFINITY;
        }
        let base = self.dist.ln_pdf(x);
        match self.bounds {
            Some(_) => base - self.tail().1.ln(),
            None => base,
        }
    }

    /// Density (renormalised when truncated); 0 outside the support.
    pub fn pdf(&self, x: f64) -> f64 {
        self.ln_pdf(x).exp()
    }

    /// Cumulative distribution function of the (truncated) marginal.
    pub fn cdf(&self, x: f64) -> f64 {
        if self.bounds.is_none() {
            return self.dist.cdf(x);
        }
        let (lo, hi) = self.support();
        if x.is_nan() {
            return f64::NAN;
        }
        if x <= lo {
            return 0.0;
        }
        if x >= hi {
            return 1.0;
        }
        let (tail, mass) = self.tail();
        let c = match tail {
            Tail::Lower { f_min } => (self.dist.cdf(x) - f_min) / mass,
            Tail::Upper { s_min } => (s_min - self.dist.sf(x)) / mass,
        };
        c.clamp(0.0, 1.0)
    }

    /// Quantile function of the (truncated) marginal, `u ∈ [0, 1]`; the
    /// result is clamped into the support to absorb rounding.
    pub fn quantile(&self, u: f64) -> f64 {
        if u.is_nan() {
            return f64::NAN;
        }
        let u = u.clamp(0.0, 1.0);
        let x = match self.tail() {
            (Tail::Lower { f_min }, mass) => self.dist.quantile(f_min + u * mass),
            (Tail::Upper { s_min }, mass) => self.dist.quantile_upper(s_min - u * mass),
        };
        let (lo, hi) = self.support();
        x.clamp(lo, hi)
    }

    /// A draw by inversion, `quantile(u)` with `u` uniform on the open unit
    /// interval (so unbounded families never return ±∞).
    pub fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        self.quantile(open_unit(rng))
    }
}

/// Uniform on `(0, 1)`: the 53-bit grid shifted by half a step.
pub(crate) fn open_unit<R: Rng + ?Sized>(rng: &mut R) -> f64 {
    ((rng.next_u64() >> 11) as f64 + 0.5) * (1.0 / (1u64 << 53) as f64)
}

/// A named parameter and its prior marginal.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Param {
    pub name: String,
    pub marginal: Marginal,
}

impl Param {
    pub fn new(name: impl Into<String>, marginal: Marginal) -> Self {
        Param {
            name: name.into(),
            marginal,
        }
    }
}

/// The joint prior: independent marginals, one per parameter, in θ order.
///
/// `π(θ) = Π_i π_i(θ_i)`, which is 0 as soon as one coordinate is outside
/// its marginal's support. Serialised as the list of parameters; reading one
/// back validates it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "Vec<Param>", into = "Vec<Param>")]
pub struct Prior {
    params: Vec<Param>,
}

impl TryFrom<Vec<Param>> for Prior {
    type Error = FitError;
    fn try_from(params: Vec<Param>) -> Result<Self, FitError> {
        Prior::new(params)
    }
}

impl From<Prior> for Vec<Param> {
    fn from(p: Prior) -> Self {
        p.params
    }
}

impl Prior {
    /// Validates every marginal; names must be unique and there must be at
    /// least one parameter.
    pub fn new(params: Vec<Param>) -> Result<Self, FitError> {
        if params.is_empty() {
            return Err(FitError::Prior("no parameters".into()));
        }
        for (i, p) in params.iter().enumerate() {
            p.marginal
                .validate()
                .map_err(|e| FitError::Prior(format!("parameter `{}`: {e}", p.name)))?;
            if params[..i].iter().any(|q| q.name == p.name) {
                return Err(FitError::Prior(format!("duplicate parameter name `{}`", p.name)));
            }
        }
        Ok(Prior { params })
    }

    /// Number of parameters (the dimension of θ).
    pub fn dim(&self) -> usize {
        self.params.len()
    }

    pub fn params(&self) -> &[Param] {
        &self.params
    }

    pub fn names(&self) -> Vec<String> {
        self.params.iter().map(|p| p.name.clone()).collect()
    }

    /// A joint draw, coordinate by coordinate from one stream.
    pub fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> Vec<f64> {
        self.params.iter().map(|p| p.marginal.sample(rng)).collect()
    }

    /// Maps a point of the unit cube to θ by the marginal quantiles (for
    /// designs such as Sobol or Latin hypercube); `None` on a length mismatch.
    pub fn quantile(&self, u: &[f64]) -> Option<Vec<f64>> {
        (u.len() == self.dim()).then(|| {
            self.params
                .iter()
                .zip(u)
                .map(|(p, &u)| p.marginal.quantile(u))
                .collect()
        })
    }

    /// `ln π(θ)`; `-∞` outside the support or for a θ of the wrong length.
    pub fn ln_pdf(&self, theta: &[f64]) -> f64 {
        if theta.len() != self.dim() {
            return f64::NEG_INFINITY;
        }
        let mut s = 0.0;
        for (p, &x) in self.params.iter().zip(theta) {
            let l = p.marginal.ln_pdf(x);
            if l.is_nan() || l == f64::NEG_INFINITY {
                return f64::NEG_INFINITY;
            }
            s += l;
        }
        s
    }

    /// `π(θ)`; 0 outside the support.
    pub fn pdf(&self, theta: &[f64]) -> f64 {
        self.ln_pdf(theta).exp()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Composite Simpson on `[a, b]` with `n` (even) panels.
    fn simpson(f: impl Fn(f64) -> f64, a: f64, b: f64, n: usize) -> f64 {
        let h = (b - a) / n as f64;
        let mut s = f(a) + f(b);
        for i in 1..n {
            s += f(a + i as f64 * h) * if i % 2 == 1 { 4.0 } else { 2.0 };
        }
        s * h / 3.0
    }

    fn all_truncated() -> Vec<Marginal> {
        let t = |d: Dist, a: f64, b: f64| Marginal::new(d).and_then(|m| m.truncated(a, b));
        vec![
            t(Dist::Uniform { lo: 0.0, hi: 10.0 }, 2.0, 5.0),
            t(Dist::Normal { mean: 1.0, sd: 2.0 }, -1.0, 0.5),
            // Far in the upper tail: exercises the survival-function branch.
            t(Dist::Normal { mean: 0.0, sd: 1.0 }, 4.0, 6.0),
            t(Dist::LogNormal { mu: 0.0, sigma: 0.5 }, 0.5, 3.0),
            t(
                Dist::Triangular {
                    lo: 0.0,
                    mode: 1.0,
                    hi: 4.0,
                },
                0.5,
                2.5,
            ),
            t(
                Dist::Triangular {
                    lo: 0.0,
                    mode: 0.0,
                    hi: 1.0,
                },
                -1.0,
                0.5,
            ),
            t(Dist::Gamma { shape: 3.0, rate: 2.0 }, 0.2, 4.0),
        ]
        .into_iter()
        .collect::<Result<_, _>>()
        .expect("valid test marginals")
    }

    /// Each truncated density integrates to 1 over its support; Simpson with
    /// 20 000 panels on smooth pieces is accurate to ~1e-9, but the triangular
    /// kink makes it O(h²) ≈ 1e-8 there, so 1e-6 is a safe bound.
    #[test]
    fn truncated_pdf_integrates_to_one() {
        for m in all_truncated() {
            let (lo, hi) = m.support();
            let mass = simpson(|x| m.pdf(x), lo, hi, 20_000);
            assert!((mass - 1.0).abs() < 1e-6, "{m:?}: {mass}");
            assert_eq!(m.pdf(lo - 1e-9), 0.0);
            assert_eq!(m.pdf(hi + 1e-9), 0.0);
        }
    }

    /// The quantile inverts the CDF, and the CDF is the integral of the pdf.
    #[test]
    fn quantile_inverts_cdf() {
        for m in all_truncated() {
            let (lo, _) = m.support();
            for &u in &[0.01, 0.2, 0.5, 0.77, 0.99] {
                let x = m.quantile(u);
                assert!((m.cdf(x) - u).abs() < 1e-8, "{m:?} u={u} x={x} cdf={}", m.cdf(x));
                let integral = simpson(|y| m.pdf(y), lo, x, 20_000);
                assert!((integral - u).abs() < 1e-6, "{m:?} u={u}: ∫pdf = {integral}");
            }
        }
    }

    #[test]
    fn untruncated_families_match_known_values() {
        let n = Marginal::new(Dist::Normal { mean: 1.0, sd: 2.0 }).expect("valid");
        assert!((n.cdf(1.0) - 0.5).abs() < 1e-15);
        assert!((n.quantile(0.975) - (1.0 + 2.0 * 1.959_963_984_540_054)).abs() < 1e-9);
        let ln = Marginal::new(Dist::LogNormal { mu: 0.0, sigma: 1.0 }).expect("valid");
        assert!((ln.quantile(0.5) - 1.0).abs() < 1e-12);
        assert_eq!(ln.pdf(-1.0), 0.0);
        let g = Marginal::new(Dist::Gamma { shape: 1.0, rate: 2.0 }).expect("valid");
        // Gamma(1, 2) is Exponential(2): median ln 2 / 2.
        assert!((g.quantile(0.5) - 2f64.ln() / 2.0).abs() < 1e-9);
        assert!((g.pdf(0.3) - 2.0 * (-0.6f64).exp()).abs() < 1e-12);
    }

    #[test]
    fn bad_priors_are_errors() {
        assert!(Marginal::new(Dist::Uniform { lo: 1.0, hi: 1.0 }).is_err());
        assert!(Marginal::new(Dist::Normal { mean: 0.0, sd: 0.0 }).is_err());
        assert!(Marginal::new(Dist::Normal {
            mean: f64::NAN,
            sd: 1.0
        })
        .is_err());
        assert!(Marginal::new(Dist::Triangular {
            lo: 0.0,
            mode: 2.0,
            hi: 1.0
        })
        .is_err());
        assert!(Marginal::new(Dist::Gamma { shape: 1.0, rate: -1.0 }).is_err());
        let u = Marginal::new(Dist::Uniform { lo: 0.0, hi: 1.0 }).expect("valid");
        assert!(u.clone().truncated(2.0, 3.0).is_err(), "no mass");
        assert!(u.clone().truncated(0.6, 0.4).is_err(), "min > max");
        assert!(Prior::new(vec![]).is_err());
        assert!(Prior::new(vec![Param::new("a", u.clone()), Param::new("a", u)]).is_err());
    }

    #[test]
    fn joint_density_is_the_product_and_zero_outside() {
        let p = Prior::new(vec![
            Param::new("a", Marginal::new(Dist::Uniform { lo: 0.0, hi: 2.0 }).expect("valid")),
            Param::new("b", Marginal::new(Dist::Normal { mean: 0.0, sd: 1.0 }).expect("valid")),
        ])
        .expect("valid");
        let expected = 0.5 * (-0.5f64).exp() / (2.0 * PI).sqrt();
        assert!((p.pdf(&[1.0, 1.0]) - expected).abs() < 1e-15);
        assert_eq!(p.pdf(&[2.5, 0.0]), 0.0);
        assert_eq!(p.pdf(&[1.0]), 0.0);
        let json = serde_json::to_string(&p).expect("serialisable");
        let back: Prior = serde_json::from_str(&json).expect("round trip");
        assert_eq!(back, p);
        let bad = json.replace("2.0", "-2.0");
        assert!(serde_json::from_str::<Prior>(&bad).is_err(), "validated on read");
    }
}
