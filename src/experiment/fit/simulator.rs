//! The simulator the engine calls: one candidate θ with its seed is
//! `algorithm.replications` replications of the fit's scenario with θ set
//! through `set_param` (range- and cross-checked), each with the
//! replication seed `rng::replication_seed(candidate seed, r)`, and its
//! summaries are the targets' statistics averaged over them. A parameter
//! set that `set_param` refuses, a replication that panics, an invalid
//! state (`runner::check`: a non-finite value or a share outside [0, 1]) or
//! a non-finite statistic is a failed simulation: the engine gives it
//! distance ∞.
//!
//! Also here: a batch of candidates simulated in parallel with each result
//! handed over as it finishes, and the posterior predictive draws.

use super::population::Population;
use super::seeding;
use super::smc::{Candidate, SimResult};
use super::spec::Fit;
use crate::model::metrics;
use crate::model::rng;
use crate::model::schedule;
use crate::study::runner::{self, RepResult};
use rand::RngExt as _;
use rayon::prelude::*;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;

/// Runs `f`, turning a panic into its message.
fn catch<T>(f: impl FnOnce() -> T) -> Result<T, String> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).map_err(|payload| {
        payload
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
            .map_or_else(|| "the replication panicked".to_string(), |m| format!("panic: {m}"))
    })
}

/// The targets' statistics for candidate θ with simulation seed `seed`.
pub fn simulate(fit: &Fit, theta: &[f64], seed: u64) -> Result<Vec<f64>, String> {
    let params = fit.params_at(theta)?;
    let reps = fit.algorithm.replications.max(1);
    let mut sums = vec![0.0; fit.targets.len()];
    for r in 0..reps {
        let rep_seed = rng::replication_seed(seed, u64::from(r));
        let rep = catch(|| schedule::run(&params, &fit.scenario.jurisdictions, rep_seed))?;
        let checked = RepResult {
            replication: r,
            seed: rep_seed,
            values: metrics::values(&rep.window),
            monthly: rep.monthly.iter().map(metrics::values).collect(),
            groups: metrics::group_values(&rep.window),
            by_jurisdiction: Vec::new(),
            person_months: rep.person_months,
        };
        runner::check(&checked)?;
        for (s, t) in sums.iter_mut().zip(&fit.targets) {
            *s += t.statistic.of(t.metric, &rep.monthly);
        }
    }
    for (s, t) in sums.iter_mut().zip(&fit.targets) {
        *s /= f64::from(reps);
        if !s.is_finite() {
            return Err(format!("target `{}` is {s}", t.target.name));
        }
    }
    Ok(sums)
}

/// Simulates `batch` on `pool`, calling `on_result` on this thread with
/// each result as it finishes (in completion order). Candidates not yet
/// started when `stop` is set are skipped; returns how many were.
pub fn simulate_streaming(
    fit: &Fit,
    batch: &[Candidate],
    pool: &rayon::ThreadPool,
    stop: &AtomicBool,
    mut on_result: impl FnMut(SimResult),
) -> usize {
    let (tx, rx) = mpsc::channel::<Option<SimResult>>();
    let mut skipped = 0;
    std::thread::scope(|scope| {
        scope.spawn(move || {
            pool.install(|| {
                batch.par_iter().for_each_with(tx, |tx, c| {
                    let r = (!stop.load(Ordering::Relaxed)).then(|| SimResult {
                        index: c.index,
                        outcome: simulate(fit, &c.theta, c.seed),
                    });
                    // The receiver lives until every sender is gone.
                    let _ = tx.send(r);
                });
            });
        });
        for r in rx {
            match r {
                Some(r) => on_result(r),
                None => skipped += 1,
            }
        }
    });
    skipped
}

/// K particle indices drawn in proportion to the weights by systematic
/// resampling (one uniform from `seeding::predictive_stream(seed)`), in
/// ascending order.
pub fn predictive_indices(population: &Population, k: usize, seed: u64) -> Vec<usize> {
    let w = population.weights();
    let total: f64 = w.iter().sum();
    if k == 0 || w.is_empty() || !(total > 0.0 && total.is_finite()) {
        return Vec::new();
    }
    let u0: f64 = seeding::predictive_stream(seed).random::<f64>();
    let mut out = Vec::with_capacity(k);
    let (mut i, mut cumulative) = (0, w[0] / total);
    for j in 0..k {
        let u = (u0 + j as f64) / k as f64;
        while cumulative < u && i + 1 < w.len() {
            i += 1;
            cumulative += w[i] / total;
        }
        out.push(i);
    }
    out
}

/// One posterior predictive draw: which particle, and its summaries.
#[derive(Debug, Clone)]
pub struct PredictiveDraw {
    pub particle: usize,
    pub outcome: Result<Vec<f64>, String>,
}

/// The posterior predictive check's simulations: `algorithm.predictive_draws`
/// particles drawn by weight, draw k simulated with the fresh seed
/// `seeding::predictive_seed(seed, k)`; in draw order, whatever the pool.
pub fn predictive(fit: &Fit, population: &Population, pool: &rayon::ThreadPool) -> Vec<PredictiveDraw> {
    let seed = fit.algorithm.smc.seed;
    let idx = predictive_indices(population, fit.algorithm.predictive_draws, seed);
    pool.install(|| {
        idx.par_iter()
            .enumerate()
            .map(|(k, &i)| PredictiveDraw {
                particle: i,
                outcome: simulate(
                    fit,
                    &population.particles[i].theta,
                    seeding::predictive_seed(seed, k as u64),
                ),
            })
            .collect()
    })
}

#[cfg(test)]
mod tests {
    use super::super::population::Particle;
    use super::*;

    fn pop(weights: &[f64]) -> Population {
        Population {
            particles: weights
                .iter()
                .map(|&w| Particle {
                    weight: w,
                    theta: vec![],
                    distances: vec![],
                    distance: 0.0,
                })
                .collect(),
        }
    }

    #[test]
    fn systematic_resampling_follows_the_weights() {
        let p = pop(&[0.5, 0.0, 0.25, 0.25]);
        let idx = predictive_indices(&p, 100, 7);
        assert_eq!(idx.len(), 100);
        let count = |i| idx.iter().filter(|&&j| j == i).count();
        // Systematic resampling puts within one draw of K·w on each particle.
        assert!((49..=51).contains(&count(0)), "{}", count(0));
        assert_eq!(count(1), 0);
        assert!((24..=26).contains(&count(2)));
        assert!(idx.windows(2).all(|w| w[0] <= w[1]));
        assert_eq!(idx, predictive_indices(&p, 100, 7));
        assert!(predictive_indices(&p, 0, 7).is_empty());
    }
}
