//! Plain rejection ABC with the same prior, targets and seeding as ABC-SMC,
//! as the baseline for efficiency comparisons.
//!
//! Candidate k is exactly candidate k of ABC-SMC's generation 0 (same θ, same
//! simulation seed); it is accepted if its combined distance D ≤ ε. The first
//! N acceptances in index order form the population (equal weights).

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::error::FitError;
use super::population::{Particle, Population};
use super::prior::Prior;
use super::seeding;
use super::smc::{Candidate, SimResult};
use super::target::Targets;

/// Settings of a rejection-ABC run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct RejectionConfig {
    /// Master seed (default 0); equal seeds give the same candidates as ABC-SMC.
    pub seed: u64,
    /// Acceptances wanted, N ≥ 1 (default 1000).
    pub particles: usize,
    /// Acceptance tolerance ε ≥ 0 on the combined distance (default 1).
    pub epsilon: f64,
    /// Give up after this many simulations, ≥ 1 (default 1 000 000).
    pub max_simulations: u64,
    /// Batch bounds, as for ABC-SMC (defaults 64 and 10 000).
    pub min_batch: usize,
    pub max_batch: usize,
}

impl Default for RejectionConfig {
    fn default() -> Self {
        RejectionConfig {
            seed: 0,
            particles: 1000,
            epsilon: 1.0,
            max_simulations: 1_000_000,
            min_batch: 64,
            max_batch: 10_000,
        }
    }
}

/// The outcome of a rejection-ABC run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RejectionResult {
    /// The accepted particles (equal weights), in index order.
    pub population: Population,
    pub epsilon: f64,
    /// Candidates up to and including the N-th acceptance: the simulations a
    /// sequential sampler would have needed. `None` if N were not reached.
    pub needed: Option<u64>,
    /// Candidates actually simulated, including the surplus of the last batch.
    pub simulated: u64,
}

/// Runs rejection ABC on a rayon pool of `threads` workers (0: rayon's
/// default); the result does not depend on `threads`.
pub fn rejection_abc<F>(
    config: &RejectionConfig,
    prior: &Prior,
    targets: &Targets,
    simulate: F,
    threads: usize,
) -> Result<RejectionResult, FitError>
where
    F: Fn(&[f64], u64) -> Result<Vec<f64>, String> + Sync,
{
    let bad = |m: String| Err(FitError::Config(m));
    if config.particles == 0 {
        return bad("particles (N) must be ≥ 1".into());
    }
    if config.epsilon.is_nan() || config.epsilon < 0.0 {
        return bad(format!("epsilon must be ≥ 0, got {}", config.epsilon));
    }
    if config.max_simulations == 0 {
        return bad("max_simulations must be ≥ 1".into());
    }
    if config.min_batch == 0 || config.max_batch < config.min_batch {
        return bad(format!(
            "need 1 ≤ min_batch ≤ max_batch, got {} and {}",
            config.min_batch, config.max_batch
        ));
    }
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .map_err(|e| FitError::Threads(e.to_string()))?;

    let n = config.particles;
    let mut particles = Vec::with_capacity(n);
    let mut next: u64 = 0;
    let mut needed = None;
    while particles.len() < n && next < config.max_simulations {
        // The SMC batch rule with r₀ = 1: ⌈still needed / r⌉, r = (a + 1) / (s + 1).
        let rate = (particles.len() as f64 + 1.0) / (next as f64 + 1.0);
        let want = ((n - particles.len()) as f64 / rate)
            .ceil()
            .clamp(config.min_batch as f64, config.max_batch as f64);
        let size = (want as u64).min(config.max_simulations - next);
        let batch: Vec<Candidate> = (next..next + size)
            .map(|index| Candidate {
                generation: 0,
                index,
                theta: prior.sample(&mut seeding::proposal_stream(config.seed, 0, index)),
                seed: seeding::simulation_seed(config.seed, 0, index),
            })
            .collect();
        let results: Vec<SimResult> = pool.install(|| {
            batch
                .par_iter()
                .map(|c| SimResult {
                    index: c.index,
                    outcome: simulate(&c.theta, c.seed),
                })
                .collect()
        });
        next += size;
        for (c, r) in batch.into_iter().zip(results) {
            if particles.len() >= n {
                break;
            }
            let Ok(summaries) = r.outcome else { continue };
            let distances = targets.distances(&summaries)?;
            let distance = targets.combine(&distances);
            if distance.is_finite() && distance <= config.epsilon {
                particles.push(Particle {
                    weight: 0.0,
                    theta: c.theta,
                    distances,
                    distance,
                });
                if particles.len() == n {
                    needed = Some(c.index + 1);
                }
            }
        }
    }
    let w = 1.0 / particles.len().max(1) as f64;
    for p in &mut particles {
        p.weight = w;
    }
    Ok(RejectionResult {
        population: Population { particles },
        epsilon: config.epsilon,
        needed,
        simulated: next,
    })
}
