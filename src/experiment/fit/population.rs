//! A weighted particle population — the ABC posterior sample — as plain data.

use serde::{Deserialize, Serialize};

use super::stats;

/// One accepted parameter vector.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Particle {
    /// Normalised importance weight (the population's weights sum to 1).
    pub weight: f64,
    /// Parameter values, in prior order.
    pub theta: Vec<f64>,
    /// Per-target distances `d_i`, in target order.
    pub distances: Vec<f64>,
    /// Combined distance `D`.
    pub distance: f64,
}

/// A weighted sample from the ABC posterior.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Population {
    pub particles: Vec<Particle>,
}

impl Population {
    pub fn len(&self) -> usize {
        self.particles.len()
    }

    pub fn is_empty(&self) -> bool {
        self.particles.is_empty()
    }

    pub fn weights(&self) -> Vec<f64> {
        self.particles.iter().map(|p| p.weight).collect()
    }

    /// The values of parameter `param` (empty if out of range).
    pub fn values(&self, param: usize) -> Vec<f64> {
        self.particles
            .iter()
            .filter_map(|p| p.theta.get(param).copied())
            .collect()
    }

    /// Weighted posterior mean of parameter `param`.
    pub fn mean(&self, param: usize) -> Option<f64> {
        stats::weighted_mean(&self.values(param), &self.weights())
    }

    /// Weighted (plug-in) posterior variance of parameter `param`.
    pub fn variance(&self, param: usize) -> Option<f64> {
        stats::weighted_variance(&self.values(param), &self.weights())
    }

    /// Weighted (plug-in) posterior covariance of θ.
    pub fn covariance(&self) -> Option<Vec<Vec<f64>>> {
        let thetas: Vec<&[f64]> = self.particles.iter().map(|p| p.theta.as_slice()).collect();
        stats::weighted_covariance(&thetas, &self.weights())
    }

    /// Weighted posterior `p`-quantile of parameter `param` (see [`stats::weighted_quantile`]).
    pub fn quantile(&self, param: usize, p: f64) -> Option<f64> {
        stats::weighted_quantile(&self.values(param), &self.weights(), p)
    }

    /// Equal-tailed marginal credible interval of mass `level` for parameter `param`.
    pub fn credible_interval(&self, param: usize, level: f64) -> Option<(f64, f64)> {
        stats::credible_interval(&self.values(param), &self.weights(), level)
    }

    /// Effective sample size `1 / Σ w²`.
    pub fn ess(&self) -> f64 {
        stats::effective_sample_size(&self.weights())
    }
}
