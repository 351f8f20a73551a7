//! The one error type of the calibration engine.

use std::fmt;

/// Everything that can go wrong before or during a fit.
///
/// Configuration problems are reported up front (by the constructors), so a
/// run that starts only fails later on bad simulation results or checkpoints.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FitError {
    /// An engine setting is out of range (N = 0, α ∉ (0, 1), …).
    Config(String),
    /// A prior marginal or the prior as a whole is malformed.
    Prior(String),
    /// A target is malformed, or the target list is empty.
    Target(String),
    /// Results handed to `absorb` do not fit the pending batch.
    Results(String),
    /// A checkpoint cannot be read, or belongs to a different setup.
    Checkpoint(String),
    /// The worker thread pool could not be built.
    Threads(String),
}

impl fmt::Display for FitError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FitError::Config(m) => write!(f, "invalid fit configuration: {m}"),
            FitError::Prior(m) => write!(f, "invalid prior: {m}"),
            FitError::Target(m) => write!(f, "invalid target: {m}"),
            FitError::Results(m) => write!(f, "invalid simulation results: {m}"),
            FitError::Checkpoint(m) => write!(f, "unusable checkpoint: {m}"),
            FitError::Threads(m) => write!(f, "thread pool: {m}"),
        }
    }
}

impl std::error::Error for FitError {}
