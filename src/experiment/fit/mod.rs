//! Calibration of uncertain parameters to the report's facts by approximate
//! Bayesian computation (`shequ fit`, issue 17). The engine below knows
//! nothing of shequ: it sees a simulator `θ, seed → summaries`. What ties it
//! to shequ is in [`spec`] (a fit as data: priors on parameter paths, targets
//! on metrics and their statistics) and [`simulator`] (one candidate = one
//! replication of the fit's scenario with θ set through `set_param`).
//!
//! * [`prior`]: independent priors (uniform, normal, log-normal, triangular,
//!   gamma), optionally truncated to a parameter's valid range.
//! * [`target`]: point and interval targets and the combined distance.
//! * [`smc`]: ABC-SMC (population Monte Carlo with adaptive tolerances) as a
//!   deterministic state machine with checkpoints; [`rejection`]: plain
//!   rejection ABC for comparison.
//! * [`stats`], [`population`]: weighted posterior summaries.
//!
//! # The simulator contract
//!
//! A simulator is any `Fn(&[f64], u64) -> Result<Vec<f64>, String>`: θ in
//! prior order and a seed in, summaries in target order out. It must be a
//! pure function of (θ, seed) for the determinism guarantees to hold. An
//! `Err` (or a non-finite summary) is a failed simulation with distance ∞;
//! a summary vector of the wrong length is a caller bug and makes
//! [`Smc::absorb`] return an error.
//!
//! # Determinism, in brief
//!
//! Every random draw is a function of `(seed, generation, candidate index)`
//! ([`seeding`]); batch sizes are a function of the results absorbed so far;
//! acceptances are taken in index order. So the final state is identical for
//! any thread count, any sharding (candidate k on shard k mod S), any order
//! in which results come back, and any checkpoint/resume points. This holds
//! on one platform: `exp`/`ln` come from the platform's libm, so bit-identity
//! across different OSes or CPUs is not promised.
//!
//! # Exact JSON
//!
//! serde_json's default float parser is not correctly rounded (about one
//! random f64 in five comes back one ulp off; enabling its `float_roundtrip`
//! feature fixes that). Checkpoints, [`Candidate`] and [`SimResult`] therefore
//! store floats as IEEE-754 bit patterns (JSON integers), which round-trip
//! exactly whatever the features. Plain outputs ([`SmcResult`],
//! [`GenerationStats`], [`Population`]) use ordinary JSON numbers, with an
//! infinite ε written as `null`.

pub mod error;
pub mod linalg;
pub mod population;
pub mod prior;
pub mod rejection;
pub mod seeding;
pub mod simulator;
pub mod smc;
pub mod spec;
pub mod stats;
pub mod summary;
pub mod target;
mod wire;

#[cfg(test)]
mod tests;

pub use error::FitError;
pub use population::{Particle, Population};
pub use prior::{Dist, Marginal, Param, Prior};
pub use rejection::{rejection_abc, RejectionConfig, RejectionResult};
pub use smc::{Candidate, GenerationStats, Progress, SimResult, Smc, SmcConfig, SmcResult, StopReason};
pub use target::{Criterion, Target, Targets};
