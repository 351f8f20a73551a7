//! Statistical validation of the engine against closed-form posteriors, and
//! the determinism guarantees (threads, resume, shards).
//!
//! Tolerances are derived from Monte Carlo error. For a weighted population
//! with effective sample size ESS = 1/Σw², the naive standard errors are
//! sd/√ESS for a posterior mean and var·√(2/ESS) for a variance (Gaussian
//! posterior). SMC particles are also correlated through shared parents,
//! which ESS ignores: a replication study of problem 1 (200 seeds, N = 500,
//! ε = 0.5) measured the spread of the mean at 1.2× and of the variance at
//! 1.3× the naive values, so standard errors here are inflated by
//! [`MC_INFLATION`] = 1.5. The same study found the variance biased low by
//! 1.4 ± 0.6 % at N = 500 (about −7/N; rejection ABC shows no such bias): the
//! O(1/N) bias of self-normalised importance weights compounded over
//! generations, allowed for as [`finite_n_var_bias`]. A check passes within
//! 4 (inflated) standard errors plus the known biases (finite N and the
//! final tolerance ε). Runs are seeded, so each test is deterministic; the
//! margins keep them valid for other seeds and future changes.

mod closed_form;
mod determinism;
mod efficiency;
mod replication;

use rand::SeedableRng as _;
use rand_distr::{Distribution as _, Poisson, StandardNormal};
use rand_pcg::Pcg64Mcg;
use statrs::function::erf::erfc;
use std::f64::consts::SQRT_2;

use super::prior::{Dist, Marginal, Param, Prior};
use super::smc::{Smc, SmcConfig, SmcResult};
use super::target::{Target, Targets};

/// Ratio of the actual Monte Carlo spread of SMC estimates to the naive
/// ESS-based standard error (measured 1.2–1.3; see the module docs).
const MC_INFLATION: f64 = 1.5;

/// Standard error of a posterior mean from a population with `ess`.
fn se_mean(var: f64, ess: f64) -> f64 {
    MC_INFLATION * (var / ess).sqrt()
}

/// Standard error of a posterior variance; `kurtosis` = 3 for a Gaussian.
fn se_var(var: f64, ess: f64, kurtosis: f64) -> f64 {
    MC_INFLATION * var * ((kurtosis - 1.0) / ess).sqrt()
}

/// Allowance for the finite-population bias of an SMC variance, 10/N
/// relative (measured ≈ 7/N).
fn finite_n_var_bias(var: f64, n: usize) -> f64 {
    10.0 * var / n as f64
}

/// |estimate − truth| must be within 4 standard errors plus a known bias.
fn close(name: &str, estimate: f64, truth: f64, se: f64, bias: f64) {
    let allowed = 4.0 * se + bias;
    println!(
        "  {name}: estimate {estimate:.5}, truth {truth:.5}, |diff| {:.5} ≤ {allowed:.5}",
        (estimate - truth).abs()
    );
    assert!(
        (estimate - truth).abs() <= allowed,
        "{name}: {estimate} vs {truth} (allowed {allowed})"
    );
}

/// Composite Simpson rule on `[a, b]` with an even number of panels.
fn simpson(f: impl Fn(f64) -> f64, a: f64, b: f64, panels: usize) -> f64 {
    let h = (b - a) / panels as f64;
    let mut s = f(a) + f(b);
    for i in 1..panels {
        s += f(a + i as f64 * h) * if i % 2 == 1 { 4.0 } else { 2.0 };
    }
    s * h / 3.0
}

fn phi(z: f64) -> f64 {
    0.5 * erfc(-z / SQRT_2)
}

/// Mean and variance of a density known up to a constant, by quadrature.
fn moments(density: impl Fn(f64) -> f64, a: f64, b: f64) -> (f64, f64) {
    let panels = 20_000;
    let z = simpson(&density, a, b, panels);
    let m = simpson(|x| x * density(x), a, b, panels) / z;
    let v = simpson(|x| (x - m) * (x - m) * density(x), a, b, panels) / z;
    (m, v)
}

/// One standard normal draw.
fn normal(rng: &mut Pcg64Mcg) -> f64 {
    StandardNormal.sample(rng)
}

fn marginal(d: Dist) -> Marginal {
    Marginal::new(d).expect("valid test prior")
}

/// Test problem 1: n draws from N(μ, σ²) with σ known, prior μ ~ N(m0, s0²);
/// the summary is the sample mean (sufficient for μ).
struct NormalMean {
    m0: f64,
    s0: f64,
    sigma: f64,
    n: usize,
    xbar: f64,
    tolerance: f64,
}

const NORMAL_MEAN: NormalMean = NormalMean {
    m0: 0.0,
    s0: 2.0,
    sigma: 1.0,
    n: 20,
    xbar: 1.3,
    tolerance: 0.05,
};

impl NormalMean {
    fn prior(&self) -> Prior {
        Prior::new(vec![Param::new(
            "mu",
            marginal(Dist::Normal {
                mean: self.m0,
                sd: self.s0,
            }),
        )])
        .expect("valid")
    }

    fn targets(&self) -> Targets {
        Targets::new(vec![Target::point("mean", self.xbar, self.tolerance)]).expect("valid")
    }

    fn simulate(&self, theta: &[f64], seed: u64) -> Result<Vec<f64>, String> {
        let mut rng = Pcg64Mcg::seed_from_u64(seed);
        let sum: f64 = (0..self.n)
            .map(|_| theta[0] + self.sigma * normal(&mut rng))
            .sum::<f64>();
        Ok(vec![sum / self.n as f64])
    }

    /// Conjugate posterior: precision 1/s0² + n/σ², mean (m0/s0² + n x̄/σ²) / precision.
    fn posterior(&self) -> (f64, f64) {
        let precision = 1.0 / (self.s0 * self.s0) + self.n as f64 / (self.sigma * self.sigma);
        let mean = (self.m0 / (self.s0 * self.s0) + self.n as f64 * self.xbar / (self.sigma * self.sigma)) / precision;
        (mean, 1.0 / precision)
    }

    /// The exact ABC posterior at tolerance ε: accepting |x̄_sim − x̄| ≤ h with
    /// h = ε·τ gives π_ε(μ) ∝ π(μ) [Φ((x̄ + h − μ)/s) − Φ((x̄ − h − μ)/s)],
    /// s = σ/√n. Its variance is ≈ that of the posterior with the data noise
    /// s² widened by h²/3 (a uniform error on [−h, h]): an O(ε²) bias.
    fn abc_posterior(&self, epsilon: f64) -> (f64, f64) {
        let h = epsilon * self.tolerance;
        let s = self.sigma / (self.n as f64).sqrt();
        let density = |mu: f64| {
            let z = (mu - self.m0) / self.s0;
            (-0.5 * z * z).exp() * (phi((self.xbar + h - mu) / s) - phi((self.xbar - h - mu) / s))
        };
        moments(density, self.xbar - 10.0 * s, self.xbar + 10.0 * s)
    }
}

/// Test problem 2: n Poisson(λ) counts with prior λ ~ Gamma(a, b) (rate b);
/// the summary is the total count S (sufficient), posterior Gamma(a + S, b + n).
struct PoissonRate {
    a: f64,
    b: f64,
    n: usize,
    total: f64,
}

const POISSON_RATE: PoissonRate = PoissonRate {
    a: 2.0,
    b: 1.0,
    n: 10,
    total: 37.0,
};

impl PoissonRate {
    fn prior(&self) -> Prior {
        Prior::new(vec![Param::new(
            "lambda",
            marginal(Dist::Gamma {
                shape: self.a,
                rate: self.b,
            }),
        )])
        .expect("valid")
    }

    /// τ = 1 on an integer summary: D = |S − 37|, so ε < 1 means an exact match.
    fn targets(&self) -> Targets {
        Targets::new(vec![Target::point("total", self.total, 1.0)]).expect("valid")
    }

    fn simulate(&self, theta: &[f64], seed: u64) -> Result<Vec<f64>, String> {
        let mut rng = Pcg64Mcg::seed_from_u64(seed);
        let poisson = Poisson::new(theta[0]).map_err(|e| e.to_string())?;
        Ok(vec![(0..self.n).map(|_| poisson.sample(&mut rng)).sum::<f64>()])
    }

    fn posterior(&self) -> (f64, f64) {
        let (shape, rate) = (self.a + self.total, self.b + self.n as f64);
        (shape / rate, shape / (rate * rate))
    }
}

/// Runs ABC-SMC to completion on 2 threads.
fn fit(
    config: SmcConfig,
    prior: Prior,
    targets: Targets,
    simulate: impl Fn(&[f64], u64) -> Result<Vec<f64>, String> + Sync,
) -> SmcResult {
    let mut smc = Smc::new(config, prior, targets).expect("valid setup");
    smc.run(simulate, 2).expect("run")
}

/// Prints the per-generation table (visible with `--nocapture`).
fn report(name: &str, r: &SmcResult) {
    println!(
        "{name}: stop {:?}, {} simulations, {} proposals",
        r.stop, r.simulations, r.proposals
    );
    for g in &r.generations {
        println!(
            "  gen {:2}  eps {:10.4}  accepted {:5}  simulated {:7}  proposals {:7}  rate {:.3}  ESS {:7.1}",
            g.generation, g.epsilon, g.accepted, g.simulated, g.proposals, g.acceptance_rate, g.ess
        );
    }
}
