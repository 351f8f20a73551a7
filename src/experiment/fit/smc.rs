//! ABC-SMC: population Monte Carlo ABC (Beaumont, Cornuet, Marin & Robert
//! 2009) with tolerances set adaptively from the previous population's
//! distances (Del Moral, Doucet & Jasra 2012), written as a state machine so
//! that the caller decides where simulations run.
//!
//! # Algorithm
//!
//! * Generation 0: candidates are prior draws. Every candidate whose combined
//!   distance D is finite is accepted (ε₀ = ∞) until N are; weights are equal.
//!   With `initial_quantile = q < 1` the first ⌈N/q⌉ finite candidates are
//!   collected instead and the N with the smallest D kept (ties by candidate
//!   index); ε₀ is then the largest kept D. This spends ⌈N/q⌉ prior
//!   simulations to start closer to the posterior.
//! * Generation t ≥ 1: ε_t is the weighted α-quantile of generation t−1's
//!   distances (see [`stats::weighted_quantile`]), but never below the target
//!   tolerance. If that quantile is not below ε_{t−1} (ties, e.g. a discrete
//!   summary), ε_t is the largest population distance below ε_{t−1}; if there
//!   is none the run stops as [`StopReason::Stalled`]. A candidate picks a
//!   parent j with probability w_j, perturbs it with θ* ~ N(θ_j, Σ), where
//!   Σ = `kernel_scale` × the weighted covariance of generation t−1 (2× per
//!   Beaumont et al.; a tiny ridge is added if it is singular), and redraws
//!   parent and perturbation while π(θ*) = 0. Such redraws count as
//!   *proposals*, not *simulations*. The candidate is simulated and accepted
//!   if D ≤ ε_t. Accepted particles get w* ∝ π(θ*) / Σ_j w_j K_Σ(θ* | θ_j)
//!   (computed in log space), normalised to sum 1; ESS = 1 / Σ w².
//!
//! # Determinism
//!
//! Candidate k of generation g draws everything from its own stream
//! ([`seeding::proposal_stream`]`(seed, g, k)`) and is simulated with
//! [`seeding::simulation_seed`]`(seed, g, k)`. Batch sizes depend only on the
//! absorbed results so far (never on threads or timing), acceptances are taken
//! in candidate-index order until the generation is full, and the surplus of
//! the last batch is discarded (but counted as simulated). Hence the result is
//! a pure function of (config, prior, targets, simulator), whatever the thread
//! count, shard layout, result order or checkpoint/resume points.
//!
//! # Batch size
//!
//! With `r = (a + 1) / (s + 1/r₀)` — the current generation's acceptance rate
//! (a accepted of s simulated) shrunk towards the previous generation's rate
//! r₀ (1 in generation 0; it counts the within-tolerance candidates of the
//! discarded surplus too, so that surplus does not bias it down) — the next
//! batch is ⌈still needed / r⌉ candidates, clamped to `[min_batch,
//! max_batch]` and to what the simulation budget (and the acceptance floor,
//! see below) leaves. The estimate aims at finishing in one batch: a short
//! batch costs one more round trip, an overlong one wastes its surplus.
//!
//! # Checkpoints
//!
//! [`Smc::checkpoint`] may be called at any time — between batches, or with
//! a batch half absorbed — and returns one JSON object:
//! `{"format": "shequ-abc-smc-checkpoint/1", "setup_fingerprint": "<16 hex>",
//! "setup": {config, prior, targets}, "state": {…}}`. `state` holds the last
//! completed population, the history, the current generation's acceptances
//! and counters, and the pending batch with the results absorbed so far, all
//! floats as bit patterns. The kernel is not stored; it is recomputed from
//! the population. [`Smc::resume`] takes the setup from the caller and
//! refuses a checkpoint whose fingerprint (FNV-1a of the setup's JSON)
//! differs: any change of configuration, prior or targets, including the
//! stopping rules, makes it a different run.
//!
//! # Stopping
//!
//! After each completed generation t, in this order: ε_t ≤ `target_epsilon`
//! ([`StopReason::TargetReached`]); t ≥ 1 and accepted/simulated <
//! `min_acceptance_rate` ([`StopReason::LowAcceptance`]); t + 1 =
//! `max_generations` ([`StopReason::MaxGenerations`]); total simulations ≥
//! `max_simulations` ([`StopReason::Budget`]). Before each batch the budget
//! is checked again, and so is the acceptance floor: once a generation has
//! simulated N / `min_acceptance_rate` candidates without filling up it can
//! no longer meet the floor. Stopping there abandons the incomplete
//! generation; the result is always the last *completed* population.

use rand::RngExt as _;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::ops::ControlFlow;

use super::error::FitError;
use super::linalg::{Cholesky, Mvn};
use super::population::{Particle, Population};
use super::prior::Prior;
use super::seeding;
use super::stats;
use super::target::Targets;
use super::wire;

/// Settings of an ABC-SMC run. `Default` gives the values documented per field.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SmcConfig {
    /// Master seed of every random stream (default 0).
    pub seed: u64,
    /// Population size N ≥ 1 (default 1000).
    pub particles: usize,
    /// Quantile α ∈ (0, 1) of the previous distances that sets the next
    /// tolerance (default 0.5).
    pub alpha: f64,
    /// Stop once a generation's tolerance is ≤ this (≥ 0; default 0: run
    /// until another rule stops it).
    pub target_epsilon: f64,
    /// Stop when a generation t ≥ 1 accepts less than this fraction of its
    /// simulations, in [0, 1) (default 0.01; 0 disables).
    pub min_acceptance_rate: f64,
    /// Simulation budget over the whole run, ≥ 1 (default 1 000 000).
    pub max_simulations: u64,
    /// At most this many generations, counting generation 0, ≥ 1 (default 20).
    pub max_generations: u32,
    /// q ∈ (0, 1]: generation 0 keeps the best N of the first ⌈N/q⌉ finite
    /// prior candidates (default 1: the first N finite ones).
    pub initial_quantile: f64,
    /// Σ = kernel_scale × weighted covariance, > 0 (default 2, Beaumont et al. 2009).
    pub kernel_scale: f64,
    /// Smallest batch, ≥ 1 (default 64). Raise it to keep many workers busy.
    pub min_batch: usize,
    /// Largest batch, ≥ `min_batch` (default 10 000); bounds memory per batch.
    pub max_batch: usize,
    /// Redraws allowed per candidate while the proposal falls outside the
    /// prior support, ≥ 1 (default 10 000); exhausting them stops the run as
    /// [`StopReason::ProposalLimit`].
    pub max_proposals_per_candidate: u32,
}

impl Default for SmcConfig {
    fn default() -> Self {
        SmcConfig {
            seed: 0,
            particles: 1000,
            alpha: 0.5,
            target_epsilon: 0.0,
            min_acceptance_rate: 0.01,
            max_simulations: 1_000_000,
            max_generations: 20,
            initial_quantile: 1.0,
            kernel_scale: 2.0,
            min_batch: 64,
            max_batch: 10_000,
            max_proposals_per_candidate: 10_000,
        }
    }
}

impl SmcConfig {
    /// Checks every setting against its documented range.
    pub fn validate(&self) -> Result<(), FitError> {
        let bad = |m: String| Err(FitError::Config(m));
        if self.particles == 0 {
            return bad("particles (N) must be ≥ 1".into());
        }
        if !(self.alpha > 0.0 && self.alpha < 1.0) {
            return bad(format!("alpha must be in (0, 1), got {}", self.alpha));
        }
        if !(self.target_epsilon.is_finite() && self.target_epsilon >= 0.0) {
            return bad(format!(
                "target_epsilon must be finite and ≥ 0, got {}",
                self.target_epsilon
            ));
        }
        if !(self.min_acceptance_rate >= 0.0 && self.min_acceptance_rate < 1.0) {
            return bad(format!(
                "min_acceptance_rate must be in [0, 1), got {}",
                self.min_acceptance_rate
            ));
        }
        if self.max_simulations == 0 {
            return bad("max_simulations must be ≥ 1".into());
        }
        if self.max_generations == 0 {
            return bad("max_generations must be ≥ 1".into());
        }
        if !(self.initial_quantile > 0.0 && self.initial_quantile <= 1.0) {
            return bad(format!(
                "initial_quantile must be in (0, 1], got {}",
                self.initial_quantile
            ));
        }
        if !(self.kernel_scale.is_finite() && self.kernel_scale > 0.0) {
            return bad(format!(
                "kernel_scale must be finite and > 0, got {}",
                self.kernel_scale
            ));
        }
        if self.min_batch == 0 || self.max_batch < self.min_batch {
            return bad(format!(
                "need 1 ≤ min_batch ≤ max_batch, got {} and {}",
                self.min_batch, self.max_batch
            ));
        }
        if self.max_proposals_per_candidate == 0 {
            return bad("max_proposals_per_candidate must be ≥ 1".into());
        }
        Ok(())
    }

    /// Candidates generation 0 collects: ⌈N/q⌉.
    fn initial_pool(&self) -> usize {
        let pool = (self.particles as f64 / self.initial_quantile).ceil();
        if pool >= usize::MAX as f64 {
            usize::MAX
        } else {
            (pool as usize).max(self.particles)
        }
    }
}

/// Why a run stopped.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StopReason {
    /// A generation's tolerance reached `target_epsilon`.
    TargetReached,
    /// Acceptance fell below `min_acceptance_rate`.
    LowAcceptance,
    /// `max_simulations` were spent.
    Budget,
    /// `max_generations` generations were completed.
    MaxGenerations,
    /// The tolerance cannot decrease: every particle sits at the current ε.
    Stalled,
    /// A candidate exhausted `max_proposals_per_candidate` redraws outside the prior support.
    ProposalLimit,
}

/// What one completed generation cost and achieved.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct GenerationStats {
    pub generation: u32,
    /// Acceptance tolerance ε_t (∞ for generation 0 without `initial_quantile`;
    /// written as `null` in JSON).
    #[serde(with = "wire::inf_as_null")]
    pub epsilon: f64,
    /// Particles kept (N).
    pub accepted: usize,
    /// Candidates simulated, including the discarded surplus of the last batch.
    pub simulated: u64,
    /// Parameter vectors drawn, including redraws outside the prior support.
    pub proposals: u64,
    /// accepted / simulated.
    pub acceptance_rate: f64,
    /// Effective sample size 1 / Σ w² of the population.
    pub ess: f64,
}

/// A parameter vector to simulate. Serialises bit-exactly (θ as IEEE-754 bit
/// patterns) so it can be shipped to a shard as JSON without perturbing θ.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Candidate {
    pub generation: u32,
    /// Position in the generation (0, 1, 2, …); shard s of S owns k ≡ s (mod S).
    pub index: u64,
    #[serde(with = "wire::bits_vec")]
    pub theta: Vec<f64>,
    /// The seed to run the simulator with.
    pub seed: u64,
}

/// The simulator's answer for one candidate: its summaries in target order,
/// or an error message (a failed simulation, D = ∞). Serialises bit-exactly.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SimResult {
    pub index: u64,
    #[serde(with = "wire::outcome_bits")]
    pub outcome: Result<Vec<f64>, String>,
}

/// What [`Smc::absorb`] did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Progress {
    /// The batch still lacks this many results.
    Pending { missing: usize },
    /// The batch was processed; the generation needs more candidates.
    BatchDone,
    /// The batch completed this generation; the next one has started.
    GenerationDone { generation: u32 },
    /// The run stopped (possibly right after completing a generation).
    Finished { reason: StopReason },
}

/// The outcome of a run, as plain data.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SmcResult {
    pub param_names: Vec<String>,
    pub target_names: Vec<String>,
    /// One entry per completed generation.
    pub generations: Vec<GenerationStats>,
    /// The last completed population (empty if generation 0 never completed).
    pub population: Population,
    /// `None` while the run is still going.
    pub stop: Option<StopReason>,
    /// All simulations, including abandoned generations and batch surplus.
    pub simulations: u64,
    /// All proposals (parameter draws), including redraws.
    pub proposals: u64,
}

impl SmcResult {
    /// The tolerance of the final population (∞ if none).
    pub fn epsilon(&self) -> f64 {
        self.generations.last().map_or(f64::INFINITY, |g| g.epsilon)
    }
}

// ---------------------------------------------------------------------------
// Internal state. Everything here is serialised bit-exactly into checkpoints.

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
struct PState {
    index: u64,
    #[serde(with = "wire::bits")]
    weight: f64,
    #[serde(with = "wire::bits_vec")]
    theta: Vec<f64>,
    #[serde(with = "wire::bits_vec")]
    distances: Vec<f64>,
    #[serde(with = "wire::bits")]
    distance: f64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
struct HState {
    generation: u32,
    #[serde(with = "wire::bits")]
    epsilon: f64,
    accepted: usize,
    simulated: u64,
    /// Simulated candidates within tolerance, counting the discarded surplus:
    /// an unbiased acceptance rate for sizing the next generation's batches.
    hits: u64,
    proposals: u64,
    #[serde(with = "wire::bits")]
    ess: f64,
}

/// A simulated candidate's distances; empty `distances` and D = ∞ for a failure.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
struct Evaluation {
    #[serde(with = "wire::bits_vec")]
    distances: Vec<f64>,
    #[serde(with = "wire::bits")]
    distance: f64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
struct Batch {
    /// Contiguous indices `first, first + 1, …`.
    candidates: Vec<Candidate>,
    /// Aligned with `candidates`; `None` until its result is absorbed.
    results: Vec<Option<Evaluation>>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
struct State {
    /// The generation being built (the last completed one once stopped).
    generation: u32,
    /// Its acceptance tolerance.
    #[serde(with = "wire::bits")]
    epsilon: f64,
    /// The last completed population, in candidate-index order.
    population: Vec<PState>,
    history: Vec<HState>,
    /// Next candidate index to issue in this generation.
    next_index: u64,
    /// This generation's acceptances so far, in index order (weights unset).
    accepted: Vec<PState>,
    gen_simulated: u64,
    gen_hits: u64,
    gen_proposals: u64,
    total_simulated: u64,
    total_proposals: u64,
    pending: Option<Batch>,
    stop: Option<StopReason>,
}

const CHECKPOINT_FORMAT: &str = "shequ-abc-smc-checkpoint/1";

#[derive(Serialize)]
struct CheckpointOut<'a> {
    format: &'a str,
    setup_fingerprint: String,
    /// For people reading the file; not read back.
    setup: Setup<'a>,
    state: &'a State,
}

#[derive(Serialize)]
struct Setup<'a> {
    config: &'a SmcConfig,
    prior: &'a Prior,
    targets: &'a Targets,
}

#[derive(Deserialize)]
struct CheckpointIn {
    format: String,
    setup_fingerprint: String,
    state: State,
}

/// The proposal machinery of a generation t ≥ 1, derived from population t−1.
#[derive(Clone, Debug)]
struct Kernel {
    /// Running sums of the parent weights.
    cumulative: Vec<f64>,
    /// `ln w_j` of the parents.
    ln_weights: Vec<f64>,
    /// The parents whitened, `L⁻¹θ_j` (row-major N × d): then
    /// `ln K_Σ(θ* | θ_j) = ln_norm − ½ |L⁻¹θ* − L⁻¹θ_j|²` costs O(d), not O(d²).
    whitened: Vec<f64>,
    mvn: Mvn,
}

/// The ABC-SMC engine. See the [module docs](self) for the algorithm.
///
/// ```text
/// let mut smc = Smc::new(config, prior, targets)?;
/// loop {
///     let batch = smc.next_batch();
///     if batch.is_empty() { break; }
///     let results = batch.par_iter().map(|c| SimResult { index: c.index, outcome: sim(&c.theta, c.seed) }).collect();
///     smc.absorb(results)?;
///     save(smc.checkpoint()?);
/// }
/// let result = smc.result();
/// ```
#[derive(Clone, Debug)]
pub struct Smc {
    config: SmcConfig,
    prior: Prior,
    targets: Targets,
    state: State,
    kernel: Option<Kernel>,
}

impl Smc {
    /// Validates the setup and starts at generation 0.
    pub fn new(config: SmcConfig, prior: Prior, targets: Targets) -> Result<Self, FitError> {
        // Prior and Targets are validated when built (or deserialised).
        config.validate()?;
        let state = State {
            generation: 0,
            epsilon: f64::INFINITY,
            population: Vec::new(),
            history: Vec::new(),
            next_index: 0,
            accepted: Vec::new(),
            gen_simulated: 0,
            gen_hits: 0,
            gen_proposals: 0,
            total_simulated: 0,
            total_proposals: 0,
            pending: None,
            stop: None,
        };
        Ok(Smc {
            config,
            prior,
            targets,
            state,
            kernel: None,
        })
    }

    /// Continues a run from [`Smc::checkpoint`] text. The setup must be the
    /// one the checkpoint was written with (checked by fingerprint); the
    /// continued run then ends exactly as the uninterrupted one would.
    pub fn resume(config: SmcConfig, prior: Prior, targets: Targets, checkpoint: &str) -> Result<Self, FitError> {
        let mut smc = Smc::new(config, prior, targets)?;
        let cp: CheckpointIn = serde_json::from_str(checkpoint).map_err(|e| FitError::Checkpoint(e.to_string()))?;
        if cp.format != CHECKPOINT_FORMAT {
            return Err(FitError::Checkpoint(format!(
                "format `{}`, expected `{CHECKPOINT_FORMAT}`",
                cp.format
            )));
        }
        if cp.setup_fingerprint != smc.fingerprint()? {
            return Err(FitError::Checkpoint(
                "written with a different configuration, prior or targets".into(),
            ));
        }
        smc.check_state(&cp.state)?;
        smc.state = cp.state;
        smc.kernel = smc.build_kernel_if_needed();
        Ok(smc)
    }

    /// The full state as JSON. Floats are stored as bit patterns, so a resumed
    /// run is bit-identical; the setup is included for readers, along with a
    /// fingerprint that [`Smc::resume`] checks.
    pub fn checkpoint(&self) -> Result<String, FitError> {
        let out = CheckpointOut {
            format: CHECKPOINT_FORMAT,
            setup_fingerprint: self.fingerprint()?,
            setup: Setup {
                config: &self.config,
                prior: &self.prior,
                targets: &self.targets,
            },
            state: &self.state,
        };
        serde_json::to_string(&out).map_err(|e| FitError::Checkpoint(e.to_string()))
    }

    /// FNV-1a of the setup's JSON. serde_json prints the shortest decimal
    /// that identifies each f64, so different values give different text.
    fn fingerprint(&self) -> Result<String, FitError> {
        let text = serde_json::to_string(&(&self.config, &self.prior, &self.targets))
            .map_err(|e| FitError::Checkpoint(e.to_string()))?;
        Ok(format!("{:016x}", wire::fnv1a(text.as_bytes())))
    }

    /// Structural checks so that a corrupted checkpoint is an error, not a panic.
    fn check_state(&self, s: &State) -> Result<(), FitError> {
        let bad = |m: &str| Err(FitError::Checkpoint(format!("inconsistent state: {m}")));
        let (d, m) = (self.prior.dim(), self.targets.len());
        let particle_ok = |p: &PState| p.theta.len() == d && p.distances.len() == m;
        if !s.population.iter().chain(&s.accepted).all(particle_ok) {
            return bad("particle dimensions");
        }
        if s.generation > 0 && s.population.len() != self.config.particles {
            return bad("population size");
        }
        // Running: one history entry per completed generation. Stopped: the
        // last completed generation is `generation` (none if generation 0 was abandoned).
        let history_ok = match s.stop {
            None => s.history.len() == s.generation as usize,
            Some(_) => s.history.len() == s.generation as usize + 1 || (s.generation == 0 && s.history.is_empty()),
        };
        if !history_ok {
            return bad("history length");
        }
        if s.accepted.len() > self.config.initial_pool() {
            return bad("too many acceptances");
        }
        if let Some(b) = &s.pending {
            let contiguous = b.candidates.iter().enumerate().all(|(i, c)| {
                c.theta.len() == d
                    && c.generation == s.generation
                    && Some(c.index) == b.candidates[0].index.checked_add(i as u64)
                    && c.index < s.next_index
            });
            if b.candidates.is_empty() || b.results.len() != b.candidates.len() || !contiguous {
                return bad("pending batch");
            }
        }
        Ok(())
    }

    pub fn config(&self) -> &SmcConfig {
        &self.config
    }

    pub fn prior(&self) -> &Prior {
        &self.prior
    }

    pub fn targets(&self) -> &Targets {
        &self.targets
    }

    /// The checkpoint as a JSON value (floats of the state as bit
    /// patterns, as in [`Smc::checkpoint`]), to embed in a larger document;
    /// [`Smc::resume`] reads its text (`value.to_string()`) back.
    pub fn checkpoint_value(&self) -> Result<serde_json::Value, FitError> {
        let out = CheckpointOut {
            format: CHECKPOINT_FORMAT,
            setup_fingerprint: self.fingerprint()?,
            setup: Setup {
                config: &self.config,
                prior: &self.prior,
                targets: &self.targets,
            },
            state: &self.state,
        };
        serde_json::to_value(&out).map_err(|e| FitError::Checkpoint(e.to_string()))
    }

    /// Acceptances of the generation being built so far (batches absorbed in full).
    pub fn accepted_in_generation(&self) -> usize {
        self.state.accepted.len()
    }

    /// Candidates simulated in the generation being built (batches absorbed in full).
    pub fn simulated_in_generation(&self) -> u64 {
        self.state.gen_simulated
    }

    /// The pending batch as (generation, first candidate index, candidates
    /// still lacking a result); `None` when no batch is pending.
    pub fn pending(&self) -> Option<(u32, u64, usize)> {
        self.state.pending.as_ref().map(|b| {
            let missing = b.results.iter().filter(|r| r.is_none()).count();
            (b.candidates[0].generation, b.candidates[0].index, missing)
        })
    }

    /// The generation being built (the last completed one once stopped).
    pub fn generation(&self) -> u32 {
        self.state.generation
    }

    /// The tolerance of the generation being built.
    pub fn epsilon(&self) -> f64 {
        self.state.epsilon
    }

    pub fn is_finished(&self) -> bool {
        self.state.stop.is_some()
    }

    pub fn stop_reason(&self) -> Option<StopReason> {
        self.state.stop
    }

    /// Simulations so far, including batch surplus.
    pub fn simulations(&self) -> u64 {
        self.state.total_simulated
    }

    /// Statistics of the completed generations.
    pub fn history(&self) -> Vec<GenerationStats> {
        self.state
            .history
            .iter()
            .map(|h| GenerationStats {
                generation: h.generation,
                epsilon: h.epsilon,
                accepted: h.accepted,
                simulated: h.simulated,
                proposals: h.proposals,
                acceptance_rate: if h.simulated > 0 {
                    h.accepted as f64 / h.simulated as f64
                } else {
                    0.0
                },
                ess: h.ess,
            })
            .collect()
    }

    /// The last completed population.
    pub fn population(&self) -> Population {
        let particles = self
            .state
            .population
            .iter()
            .map(|p| Particle {
                weight: p.weight,
                theta: p.theta.clone(),
                distances: p.distances.clone(),
                distance: p.distance,
            })
            .collect();
        Population { particles }
    }

    /// Everything a report needs, as plain data.
    pub fn result(&self) -> SmcResult {
        SmcResult {
            param_names: self.prior.names(),
            target_names: self.targets.names(),
            generations: self.history(),
            population: self.population(),
            stop: self.state.stop,
            simulations: self.state.total_simulated,
            proposals: self.state.total_proposals,
        }
    }

    /// Candidates the current generation needs to accept (N, or generation
    /// 0's pool ⌈N/q⌉).
    pub fn wanted(&self) -> usize {
        if self.state.generation == 0 {
            self.config.initial_pool()
        } else {
            self.config.particles
        }
    }

    /// The candidates to simulate next; empty once the run has stopped. While
    /// a batch is pending it returns that batch's candidates still lacking a
    /// result (so calling it again, or after [`Smc::resume`], is harmless).
    pub fn next_batch(&mut self) -> Vec<Candidate> {
        if self.state.stop.is_some() {
            return Vec::new();
        }
        if let Some(b) = &self.state.pending {
            return b
                .candidates
                .iter()
                .zip(&b.results)
                .filter(|(_, r)| r.is_none())
                .map(|(c, _)| c.clone())
                .collect();
        }
        if self.state.total_simulated >= self.config.max_simulations {
            self.stop(StopReason::Budget);
            return Vec::new();
        }
        let floor_cap = self.acceptance_floor_cap();
        if floor_cap == Some(0) {
            self.stop(StopReason::LowAcceptance);
            return Vec::new();
        }
        let size = self.batch_size(floor_cap);
        let first = self.state.next_index;
        let mut candidates = Vec::with_capacity(size);
        for index in first..first + size as u64 {
            match self.propose(index) {
                Ok((theta, used)) => {
                    self.state.gen_proposals += used;
                    self.state.total_proposals += used;
                    candidates.push(Candidate {
                        generation: self.state.generation,
                        index,
                        theta,
                        seed: seeding::simulation_seed(self.config.seed, u64::from(self.state.generation), index),
                    });
                }
                Err(used) => {
                    self.state.gen_proposals += used;
                    self.state.total_proposals += used;
                    self.stop(StopReason::ProposalLimit);
                    return Vec::new();
                }
            }
        }
        self.state.next_index = first + size as u64;
        let results = vec![None; candidates.len()];
        self.state.pending = Some(Batch {
            candidates: candidates.clone(),
            results,
        });
        candidates
    }

    /// In generations t ≥ 1 with an acceptance floor: how many more candidates
    /// may be simulated before the generation can no longer reach the floor
    /// (N / floor in all). `None` when no floor applies.
    fn acceptance_floor_cap(&self) -> Option<u64> {
        let floor = self.config.min_acceptance_rate;
        if self.state.generation == 0 || floor <= 0.0 {
            return None;
        }
        let limit = (self.config.particles as f64 / floor).floor();
        let limit = if limit >= u64::MAX as f64 {
            u64::MAX
        } else {
            limit as u64
        };
        Some(limit.saturating_sub(self.state.gen_simulated))
    }

    /// See the module docs: ⌈needed / r⌉ clamped to the configured range,
    /// the budget and the acceptance floor.
    fn batch_size(&self, floor_cap: Option<u64>) -> usize {
        let needed = self.wanted().saturating_sub(self.state.accepted.len()) as f64;
        let prior_rate = match self.state.history.last() {
            Some(h) if self.state.generation > 0 && h.hits > 0 => h.hits as f64 / h.simulated as f64,
            _ => 1.0,
        };
        let rate = (self.state.accepted.len() as f64 + 1.0) / (self.state.gen_simulated as f64 + 1.0 / prior_rate);
        let want = (needed / rate)
            .ceil()
            .clamp(self.config.min_batch as f64, self.config.max_batch as f64) as u64;
        let budget_left = self.config.max_simulations - self.state.total_simulated;
        let size = want.min(budget_left).min(floor_cap.unwrap_or(u64::MAX)).max(1);
        size as usize
    }

    /// θ for candidate `index`: a prior draw in generation 0, otherwise a
    /// perturbed parent with positive prior density. Returns θ and the number
    /// of draws used, or the draws spent when the redraw limit is hit.
    fn propose(&self, index: u64) -> Result<(Vec<f64>, u64), u64> {
        let mut rng = seeding::proposal_stream(self.config.seed, u64::from(self.state.generation), index);
        if self.state.generation == 0 {
            return Ok((self.prior.sample(&mut rng), 1));
        }
        let Some(kernel) = &self.kernel else {
            return Err(0);
        };
        let total = kernel.cumulative.last().copied().unwrap_or(0.0);
        let last = self.state.population.len().saturating_sub(1);
        for attempt in 1..=u64::from(self.config.max_proposals_per_candidate) {
            let u: f64 = rng.random::<f64>() * total;
            let parent = kernel.cumulative.partition_point(|&c| c <= u).min(last);
            let theta = kernel.mvn.sample(&self.state.population[parent].theta, &mut rng);
            if self.prior.ln_pdf(&theta) > f64::NEG_INFINITY {
                return Ok((theta, attempt));
            }
        }
        Err(u64::from(self.config.max_proposals_per_candidate))
    }

    /// Takes simulation results for the pending batch, in any order and in
    /// any number of calls (e.g. one per shard). Once every candidate of the
    /// batch has a result, the batch is processed in index order. Results are
    /// checked before anything is stored, so an error leaves the state as it was.
    pub fn absorb(&mut self, results: Vec<SimResult>) -> Result<Progress, FitError> {
        let Some(batch) = &self.state.pending else {
            return Err(FitError::Results("no batch is pending".into()));
        };
        let first = batch.candidates[0].index;
        let mut evaluated = Vec::with_capacity(results.len());
        let mut seen = vec![false; batch.candidates.len()];
        for r in &results {
            let slot = r
                .index
                .checked_sub(first)
                .map(|s| s as usize)
                .filter(|&s| s < batch.candidates.len());
            let Some(slot) = slot else {
                return Err(FitError::Results(format!(
                    "index {} is not in the pending batch",
                    r.index
                )));
            };
            if seen[slot] || batch.results[slot].is_some() {
                return Err(FitError::Results(format!("duplicate result for index {}", r.index)));
            }
            seen[slot] = true;
            let evaluation = match &r.outcome {
                Ok(summaries) => {
                    let distances = self.targets.distances(summaries)?;
                    let distance = self.targets.combine(&distances);
                    Evaluation { distances, distance }
                }
                Err(_) => Evaluation {
                    distances: Vec::new(),
                    distance: f64::INFINITY,
                },
            };
            evaluated.push((slot, evaluation));
        }
        let Some(batch) = &mut self.state.pending else {
            return Err(FitError::Results("no batch is pending".into()));
        };
        for (slot, e) in evaluated {
            batch.results[slot] = Some(e);
        }
        let missing = batch.results.iter().filter(|r| r.is_none()).count();
        if missing > 0 {
            return Ok(Progress::Pending { missing });
        }
        self.process_batch();
        if self.state.accepted.len() < self.wanted() {
            return Ok(Progress::BatchDone);
        }
        self.complete_generation();
        Ok(match self.state.stop {
            Some(reason) => Progress::Finished { reason },
            None => Progress::GenerationDone {
                generation: self.state.generation - 1,
            },
        })
    }

    /// Counts the batch as simulated and takes acceptances in index order
    /// until the generation is full; the rest of the batch is discarded.
    fn process_batch(&mut self) {
        let Some(batch) = self.state.pending.take() else { return };
        let n = batch.candidates.len() as u64;
        self.state.gen_simulated += n;
        self.state.total_simulated += n;
        let wanted = self.wanted();
        let epsilon = self.state.epsilon;
        for (c, e) in batch.candidates.into_iter().zip(batch.results) {
            let Some(e) = e else { continue };
            if !(e.distance.is_finite() && e.distance <= epsilon) {
                continue;
            }
            self.state.gen_hits += 1;
            if self.state.accepted.len() < wanted {
                self.state.accepted.push(PState {
                    index: c.index,
                    weight: 0.0,
                    theta: c.theta,
                    distances: e.distances,
                    distance: e.distance,
                });
            }
        }
    }

    /// Weights the new population, records its statistics, applies the stop
    /// rules and, if the run goes on, sets the next tolerance and kernel.
    fn complete_generation(&mut self) {
        let n = self.config.particles;
        let mut accepted = std::mem::take(&mut self.state.accepted);
        let epsilon = if self.state.generation == 0 {
            if accepted.len() > n {
                // initial_quantile < 1: keep the N closest, ties by index.
                accepted.sort_by(|a, b| a.distance.total_cmp(&b.distance).then(a.index.cmp(&b.index)));
                accepted.truncate(n);
                accepted.sort_by_key(|p| p.index);
            }
            let w = 1.0 / accepted.len() as f64;
            for p in &mut accepted {
                p.weight = w;
            }
            if self.config.initial_quantile < 1.0 {
                accepted.iter().map(|p| p.distance).fold(0.0, f64::max)
            } else {
                f64::INFINITY
            }
        } else {
            self.importance_weights(&mut accepted);
            self.state.epsilon
        };
        let weights: Vec<f64> = accepted.iter().map(|p| p.weight).collect();
        self.state.history.push(HState {
            generation: self.state.generation,
            epsilon,
            accepted: accepted.len(),
            simulated: self.state.gen_simulated,
            hits: self.state.gen_hits,
            proposals: self.state.gen_proposals,
            ess: stats::effective_sample_size(&weights),
        });
        let rate = accepted.len() as f64 / self.state.gen_simulated.max(1) as f64;
        self.state.population = accepted;
        self.state.next_index = 0;
        self.state.gen_simulated = 0;
        self.state.gen_hits = 0;
        self.state.gen_proposals = 0;
        self.state.epsilon = epsilon;
        self.kernel = None;

        let g = self.state.generation;
        let reason = if epsilon <= self.config.target_epsilon {
            Some(StopReason::TargetReached)
        } else if g >= 1 && rate < self.config.min_acceptance_rate {
            Some(StopReason::LowAcceptance)
        } else if g + 1 >= self.config.max_generations {
            Some(StopReason::MaxGenerations)
        } else if self.state.total_simulated >= self.config.max_simulations {
            Some(StopReason::Budget)
        } else {
            None
        };
        if let Some(r) = reason {
            self.state.stop = Some(r);
            return;
        }
        let Some(next) = self.next_epsilon(epsilon) else {
            self.state.stop = Some(StopReason::Stalled);
            return;
        };
        self.state.generation = g + 1;
        self.state.epsilon = next.max(self.config.target_epsilon);
        self.kernel = self.build_kernel_if_needed();
        if self.kernel.is_none() {
            self.state.generation = g;
            self.state.epsilon = epsilon;
            self.state.stop = Some(StopReason::Stalled);
        }
    }

    /// The weighted α-quantile of the population's distances, or — if that
    /// does not go below `current` — the largest distance below `current`.
    fn next_epsilon(&self, current: f64) -> Option<f64> {
        let d: Vec<f64> = self.state.population.iter().map(|p| p.distance).collect();
        let w: Vec<f64> = self.state.population.iter().map(|p| p.weight).collect();
        let q = stats::weighted_quantile(&d, &w, self.config.alpha)?;
        if q < current {
            return Some(q);
        }
        d.iter().copied().filter(|&x| x < current).reduce(f64::max)
    }

    /// `w* ∝ π(θ*) / Σ_j w_j K_Σ(θ* | θ_j)` in log space, normalised. Each
    /// weight is a sequential sum over the parents, so computing particles in
    /// parallel does not change a bit.
    fn importance_weights(&self, accepted: &mut [PState]) {
        let Some(kernel) = &self.kernel else { return };
        let dim = self.prior.dim();
        let ln_norm = kernel.mvn.ln_norm();
        let ln_w: Vec<f64> = accepted
            .par_iter()
            .map(|p| {
                let z = kernel.mvn.whiten(&p.theta);
                let terms: Vec<f64> = kernel
                    .whitened
                    .chunks_exact(dim)
                    .zip(&kernel.ln_weights)
                    .map(|(zj, lw)| {
                        let q: f64 = z.iter().zip(zj).map(|(a, b)| (a - b) * (a - b)).sum();
                        lw + ln_norm - 0.5 * q
                    })
                    .collect();
                let lw = self.prior.ln_pdf(&p.theta) - log_sum_exp(&terms);
                if lw.is_nan() {
                    f64::NEG_INFINITY
                } else {
                    lw
                }
            })
            .collect();
        let max = ln_w.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let raw: Vec<f64> = ln_w.iter().map(|l| (l - max).exp()).collect();
        let total: f64 = raw.iter().sum();
        let equal = 1.0 / accepted.len() as f64;
        for (p, r) in accepted.iter_mut().zip(&raw) {
            // Only if every weight degenerated (cannot happen with a proper
            // prior and kernel) fall back to equal weights rather than NaN.
            p.weight = if total > 0.0 && total.is_finite() {
                r / total
            } else {
                equal
            };
        }
    }

    /// The kernel for the current generation (t ≥ 1, still running), from
    /// the last completed population. `None` in generation 0, once stopped,
    /// or if the covariance cannot be factored even with a ridge.
    fn build_kernel_if_needed(&self) -> Option<Kernel> {
        if self.state.generation == 0 || self.state.stop.is_some() {
            return None;
        }
        let pop = &self.state.population;
        let thetas: Vec<&[f64]> = pop.iter().map(|p| p.theta.as_slice()).collect();
        let weights: Vec<f64> = pop.iter().map(|p| p.weight).collect();
        let cov = stats::weighted_covariance(&thetas, &weights)?;
        let d = self.prior.dim();
        let flat: Vec<f64> = cov.iter().flatten().map(|c| c * self.config.kernel_scale).collect();
        let (chol, _ridge) = Cholesky::with_ridge(&flat, d)?;
        let mvn = Mvn::new(chol);
        let mut cumulative = Vec::with_capacity(pop.len());
        let mut s = 0.0;
        for w in &weights {
            s += w;
            cumulative.push(s);
        }
        let ln_weights = weights.iter().map(|w| w.ln()).collect();
        let whitened = pop.iter().flat_map(|p| mvn.whiten(&p.theta)).collect();
        Some(Kernel {
            cumulative,
            ln_weights,
            whitened,
            mvn,
        })
    }

    /// Stops before completing the current generation: its partial work is
    /// abandoned and the result is the last completed population.
    fn stop(&mut self, reason: StopReason) {
        self.state.stop = Some(reason);
        self.state.accepted.clear();
        self.state.pending = None;
        self.kernel = None;
        if let Some(h) = self.state.history.last() {
            self.state.epsilon = h.epsilon;
        }
        if self.state.generation > 0 {
            self.state.generation -= 1;
        }
    }

    /// Drives the whole run on a rayon pool of `threads` workers (0: rayon's
    /// default). The result does not depend on `threads`.
    pub fn run<F>(&mut self, simulate: F, threads: usize) -> Result<SmcResult, FitError>
    where
        F: Fn(&[f64], u64) -> Result<Vec<f64>, String> + Sync,
    {
        self.run_with(simulate, threads, |_, _| ControlFlow::Continue(()))
    }

    /// [`Smc::run`] with an observer called after every absorbed batch and
    /// once when the run stops (e.g. to write checkpoints or report
    /// progress). Returning `ControlFlow::Break` pauses: the engine keeps its
    /// state and can be run further or checkpointed.
    pub fn run_with<F, O>(&mut self, simulate: F, threads: usize, mut observe: O) -> Result<SmcResult, FitError>
    where
        F: Fn(&[f64], u64) -> Result<Vec<f64>, String> + Sync,
        O: FnMut(&Smc, &Progress) -> ControlFlow<()>,
    {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .map_err(|e| FitError::Threads(e.to_string()))?;
        loop {
            let batch = self.next_batch();
            if batch.is_empty() {
                if let Some(reason) = self.state.stop {
                    let _ = observe(self, &Progress::Finished { reason });
                }
                break;
            }
            let results = pool.install(|| simulate_batch(&batch, &simulate));
            let progress = pool.install(|| self.absorb(results))?;
            let finished = matches!(progress, Progress::Finished { .. });
            if observe(self, &progress).is_break() || finished {
                break;
            }
        }
        Ok(self.result())
    }
}

/// Simulates candidates in parallel on the current rayon pool.
pub fn simulate_batch<F>(batch: &[Candidate], simulate: &F) -> Vec<SimResult>
where
    F: Fn(&[f64], u64) -> Result<Vec<f64>, String> + Sync,
{
    batch
        .par_iter()
        .map(|c| SimResult {
            index: c.index,
            outcome: simulate(&c.theta, c.seed),
        })
        .collect()
}

/// `ln Σ exp(x_i)`, shifted by the maximum for stability; `-∞` for no terms.
fn log_sum_exp(x: &[f64]) -> f64 {
    let max = x.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    if max == f64::NEG_INFINITY || max.is_nan() {
        return max;
    }
    max + x.iter().map(|v| (v - max).exp()).sum::<f64>().ln()
}

#[cfg(test)]
mod tests {
    use super::super::prior::{Dist, Marginal, Param};
    use super::super::target::Target;
    use super::*;

    fn setup() -> (Prior, Targets) {
        let prior = Prior::new(vec![Param::new(
            "a",
            Marginal::new(Dist::Uniform { lo: 0.0, hi: 1.0 }).expect("valid"),
        )])
        .expect("valid");
        (prior, Targets::new(vec![Target::point("s", 0.5, 0.1)]).expect("valid"))
    }

    #[test]
    fn bad_configs_are_errors() {
        let (p, t) = setup();
        let with = |f: &dyn Fn(&mut SmcConfig)| {
            let mut c = SmcConfig::default();
            f(&mut c);
            Smc::new(c, p.clone(), t.clone()).is_err()
        };
        assert!(with(&|c| c.particles = 0));
        assert!(with(&|c| c.alpha = 0.0));
        assert!(with(&|c| c.alpha = 1.0));
        assert!(with(&|c| c.alpha = f64::NAN));
        assert!(with(&|c| c.target_epsilon = -1.0));
        assert!(with(&|c| c.min_acceptance_rate = 1.0));
        assert!(with(&|c| c.max_simulations = 0));
        assert!(with(&|c| c.max_generations = 0));
        assert!(with(&|c| c.initial_quantile = 0.0));
        assert!(with(&|c| c.initial_quantile = 1.5));
        assert!(with(&|c| c.kernel_scale = 0.0));
        assert!(with(&|c| c.min_batch = 0));
        assert!(with(&|c| c.max_batch = 1));
        assert!(!with(&|_| {}));
    }

    #[test]
    fn absorb_rejects_bad_results_without_changing_state() {
        let (p, t) = setup();
        let mut smc = Smc::new(
            SmcConfig {
                particles: 4,
                min_batch: 4,
                ..SmcConfig::default()
            },
            p,
            t,
        )
        .expect("ok");
        assert!(smc.absorb(vec![]).is_err(), "nothing pending");
        let batch = smc.next_batch();
        assert_eq!(batch.len(), 4);
        let before = smc.checkpoint().expect("ok");
        let bad_len = vec![SimResult {
            index: 0,
            outcome: Ok(vec![1.0, 2.0]),
        }];
        assert!(smc.absorb(bad_len).is_err());
        let unknown = vec![SimResult {
            index: 99,
            outcome: Ok(vec![1.0]),
        }];
        assert!(smc.absorb(unknown).is_err());
        let dup = vec![
            SimResult {
                index: 1,
                outcome: Ok(vec![1.0]),
            },
            SimResult {
                index: 1,
                outcome: Ok(vec![1.0]),
            },
        ];
        assert!(smc.absorb(dup).is_err());
        assert_eq!(smc.checkpoint().expect("ok"), before);
        let part = smc
            .absorb(vec![SimResult {
                index: 2,
                outcome: Err("boom".into()),
            }])
            .expect("ok");
        assert_eq!(part, Progress::Pending { missing: 3 });
        assert_eq!(smc.next_batch().len(), 3, "re-issues only the missing candidates");
    }

    #[test]
    fn resume_refuses_a_different_setup_or_garbage() {
        let (p, t) = setup();
        let smc = Smc::new(SmcConfig::default(), p.clone(), t.clone()).expect("ok");
        let cp = smc.checkpoint().expect("ok");
        assert!(Smc::resume(SmcConfig::default(), p.clone(), t.clone(), &cp).is_ok());
        let other = SmcConfig {
            seed: 1,
            ..SmcConfig::default()
        };
        assert!(matches!(
            Smc::resume(other, p.clone(), t.clone(), &cp),
            Err(FitError::Checkpoint(_))
        ));
        assert!(Smc::resume(SmcConfig::default(), p, t, "{}").is_err());
    }

    /// Summary = θ + N(0, 0.05²) noise against a point target 0.5 ± 0.1.
    fn noisy(theta: &[f64], seed: u64) -> Result<Vec<f64>, String> {
        use rand::SeedableRng as _;
        use rand_distr::Distribution as _;
        let mut rng = rand_pcg::Pcg64Mcg::seed_from_u64(seed);
        let z: f64 = rand_distr::StandardNormal.sample(&mut rng);
        Ok(vec![theta[0] + 0.05 * z])
    }

    /// q = 0.25: generation 0 simulates ≥ 4N candidates, keeps the N closest,
    /// and reports the largest kept distance as ε₀.
    #[test]
    fn initial_quantile_keeps_the_closest_prior_draws() {
        let (p, t) = setup();
        let config = SmcConfig {
            particles: 50,
            initial_quantile: 0.25,
            max_generations: 1,
            ..SmcConfig::default()
        };
        let r = Smc::new(config, p, t).expect("ok").run(noisy, 1).expect("run");
        assert_eq!(r.stop, Some(StopReason::MaxGenerations));
        let g0 = &r.generations[0];
        assert!(g0.simulated >= 200 && g0.accepted == 50);
        let max_kept = r.population.particles.iter().map(|q| q.distance).fold(0.0, f64::max);
        assert_eq!(g0.epsilon, max_kept);
        // About a quarter of U(0, 1) draws land within ±1.25 tolerances (0.125) of 0.5.
        assert!(g0.epsilon < 2.0, "ε₀ = {}", g0.epsilon);
    }

    #[test]
    fn stop_rules_fire() {
        let (p, t) = setup();
        let base = SmcConfig {
            particles: 50,
            min_acceptance_rate: 0.0,
            ..SmcConfig::default()
        };
        let r = Smc::new(
            SmcConfig {
                max_generations: 3,
                ..base.clone()
            },
            p.clone(),
            t.clone(),
        )
        .expect("ok")
        .run(noisy, 1)
        .expect("run");
        assert_eq!((r.stop, r.generations.len()), (Some(StopReason::MaxGenerations), 3));
        // Acceptance floor 0.9 cannot be met once ε starts shrinking.
        let r = Smc::new(
            SmcConfig {
                min_acceptance_rate: 0.9,
                ..base.clone()
            },
            p.clone(),
            t.clone(),
        )
        .expect("ok")
        .run(noisy, 1)
        .expect("run");
        assert_eq!(r.stop, Some(StopReason::LowAcceptance));
        assert!(!r.population.is_empty(), "the last completed population is kept");
        let r = Smc::new(
            SmcConfig {
                target_epsilon: 1.0,
                ..base
            },
            p,
            t,
        )
        .expect("ok")
        .run(noisy, 1)
        .expect("run");
        assert_eq!(r.stop, Some(StopReason::TargetReached));
        assert_eq!(r.epsilon(), 1.0);
    }

    #[test]
    fn failures_are_never_accepted_and_the_budget_stops_the_run() {
        let (p, t) = setup();
        let config = SmcConfig {
            particles: 10,
            max_simulations: 50,
            min_batch: 8,
            ..SmcConfig::default()
        };
        let mut smc = Smc::new(config, p, t).expect("ok");
        let r = smc.run(|_, _| Err("always fails".into()), 1).expect("ok");
        assert_eq!(r.stop, Some(StopReason::Budget));
        assert_eq!(r.simulations, 50);
        assert!(r.population.is_empty());
        assert!(r.generations.is_empty());
    }
}
