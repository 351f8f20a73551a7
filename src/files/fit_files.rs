//! The files of a fit (`shequ fit`, see docs/outputs.md): the checkpoint a
//! running fit keeps in its folder, the results a shard hands to the merge,
//! and the final posterior.csv, generations.csv, predictive.csv,
//! predictive_draws.csv and manifest.json. fit.html is `fit_report.rs`.
//!
//! Everything but manifest.json, generations.csv's `wall_seconds` column and
//! the checkpoint's timings is a function of the fit file, the scenario and
//! the binary: byte-identical for any thread count, shard layout, resume or
//! merge.

use crate::experiment::fit::simulator::PredictiveDraw;
use crate::experiment::fit::smc::{GenerationStats, SimResult, SmcConfig, StopReason};
use crate::experiment::fit::spec::{fact, Fit, FitIdentity};
use crate::experiment::fit::summary::{ParamSummary, PredictiveRow};
use crate::experiment::fit::Population;
use crate::files::atomic::{num, write_atomic, write_json};
use crate::files::error::{FileError, InputError};
use serde::{Deserialize, Serialize};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// The checkpoint a fit keeps in its folder, rewritten (atomically) after
/// every batch, at least every few seconds while one runs, and when a
/// generation completes.
pub const CHECKPOINT: &str = "checkpoint.json";
pub const CHECKPOINT_FORMAT: &str = "shequ-fit-checkpoint/1";
/// Where the shards of a sharded fit write their results: `<fit dir>/shards/<I>/results.json`.
pub const SHARDS: &str = "shards";
pub const SHARD_RESULTS: &str = "results.json";
pub const SHARD_FORMAT: &str = "shequ-fit-shard/1";

/// `checkpoint.json`: the engine's state (floats as bit patterns) with the
/// fit's identity and the time spent per generation.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Checkpoint {
    pub format: String,
    pub identity: FitIdentity,
    /// Wall-clock seconds of each completed generation.
    pub wall_seconds: Vec<f64>,
    /// Seconds spent so far on the generation being built.
    pub current_wall_seconds: f64,
    /// Rounds of shards merged so far (0 for a fit run in one piece).
    #[serde(default)]
    pub rounds: u64,
    /// `Smc::checkpoint_value`.
    pub engine: serde_json::Value,
}

fn bad_json(path: &Path, what: &str, e: serde_json::Error) -> FileError {
    let mut err = InputError::new(path, format!("not a readable {what}: {e}"));
    if e.line() > 0 {
        err = err.at(e.line(), e.column());
    }
    FileError::Input(err)
}

/// Writes `checkpoint.json` in `dir` (compact JSON, atomically).
pub fn write_checkpoint(dir: &Path, cp: &Checkpoint) -> io::Result<PathBuf> {
    write_atomic(dir, CHECKPOINT, |w| {
        serde_json::to_writer(&mut *w, cp).map_err(io::Error::other)?;
        w.write_all(b"\n")
    })
}

/// The checkpoint in `dir`, or `None` when there is none.
pub fn read_checkpoint(dir: &Path) -> Result<Option<Checkpoint>, FileError> {
    let path = dir.join(CHECKPOINT);
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(source) => return Err(FileError::Io { path, source }),
    };
    let cp: Checkpoint = serde_json::from_str(&text).map_err(|e| bad_json(&path, "fit checkpoint", e))?;
    if cp.format != CHECKPOINT_FORMAT {
        return Err(FileError::Input(InputError::new(
            &path,
            format!("format `{}`, expected `{CHECKPOINT_FORMAT}`", cp.format),
        )));
    }
    Ok(Some(cp))
}

/// A shard's `results.json`: the results of its candidates of one batch.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ShardResults {
    pub format: String,
    pub identity: FitIdentity,
    /// Shard I of N (1-based): it simulated the batch's candidates with
    /// index k ≡ I − 1 (mod N).
    pub shard: u32,
    pub shards: u32,
    /// The batch: its generation and first candidate index.
    pub generation: u32,
    pub batch_first: u64,
    /// Candidates of the batch still lacking a result when the shard started
    /// (all shards together must cover them).
    pub batch_missing: usize,
    /// In candidate-index order, bit-exact.
    pub results: Vec<SimResult>,
    pub wall_seconds: f64,
    pub threads: usize,
}

/// The shard folder of shard `index` in fit folder `dir`.
pub fn shard_dir(dir: &Path, index: u32) -> PathBuf {
    dir.join(SHARDS).join(index.to_string())
}

/// Writes `results.json` in `dir` (a shard folder; created if needed).
pub fn write_shard_results(dir: &Path, r: &ShardResults) -> io::Result<PathBuf> {
    std::fs::create_dir_all(dir)?;
    write_atomic(dir, SHARD_RESULTS, |w| {
        serde_json::to_writer(&mut *w, r).map_err(io::Error::other)?;
        w.write_all(b"\n")
    })
}

/// Reads the `results.json` of a shard folder.
pub fn read_shard_results(dir: &Path) -> Result<ShardResults, FileError> {
    let path = dir.join(SHARD_RESULTS);
    let text = std::fs::read_to_string(&path).map_err(|source| FileError::Io {
        path: path.clone(),
        source,
    })?;
    let r: ShardResults = serde_json::from_str(&text).map_err(|e| bad_json(&path, "fit shard result file", e))?;
    if r.format != SHARD_FORMAT {
        return Err(FileError::Input(InputError::new(
            &path,
            format!("format `{}`, expected `{SHARD_FORMAT}`", r.format),
        )));
    }
    Ok(r)
}

fn csv_writer(w: &mut dyn Write) -> csv::Writer<&mut dyn Write> {
    csv::WriterBuilder::new()
        .terminator(csv::Terminator::Any(b'\n'))
        .from_writer(w)
}

fn to_io(e: csv::Error) -> io::Error {
    io::Error::other(e)
}

/// A number, or an empty cell for NaN.
fn cell(v: f64) -> String {
    if v.is_nan() {
        String::new()
    } else {
        num(v)
    }
}

/// `posterior.csv`: one row per particle: `particle, weight`, each fitted
/// parameter's value (column = its path), the combined `distance`, and
/// `d_<target>` per target. The format `run --parameters` reads.
pub fn write_posterior(dir: &Path, fit: &Fit, population: &Population) -> io::Result<PathBuf> {
    write_atomic(dir, "posterior.csv", |w| {
        let mut c = csv_writer(w);
        let mut header = vec!["particle".to_string(), "weight".into()];
        header.extend(fit.param_paths());
        header.push("distance".into());
        header.extend(fit.target_names().iter().map(|n| format!("d_{n}")));
        c.write_record(&header).map_err(to_io)?;
        for (i, p) in population.particles.iter().enumerate() {
            let mut row = vec![i.to_string(), num(p.weight)];
            row.extend(fit.values(&p.theta).into_iter().map(num));
            row.push(num(p.distance));
            row.extend(p.distances.iter().map(|&d| num(d)));
            c.write_record(&row).map_err(to_io)?;
        }
        c.flush()
    })
}

/// `generations.csv`: one row per completed generation.
pub fn write_generations(dir: &Path, history: &[GenerationStats], wall: &[f64]) -> io::Result<PathBuf> {
    write_atomic(dir, "generations.csv", |w| {
        let mut c = csv_writer(w);
        c.write_record([
            "generation",
            "epsilon",
            "accepted",
            "simulated",
            "proposals",
            "acceptance_rate",
            "ess",
            "wall_seconds",
        ])
        .map_err(to_io)?;
        for (i, g) in history.iter().enumerate() {
            c.write_record([
                g.generation.to_string(),
                num(g.epsilon),
                g.accepted.to_string(),
                g.simulated.to_string(),
                g.proposals.to_string(),
                num(g.acceptance_rate),
                num(g.ess),
                wall.get(i).map_or_else(String::new, |&s| format!("{s:.3}")),
            ])
            .map_err(to_io)?;
        }
        c.flush()
    })
}

/// `predictive.csv`: one row per target: the fact against the posterior
/// predictive median and 90% interval.
pub fn write_predictive(dir: &Path, fit: &Fit, rows: &[PredictiveRow]) -> io::Result<PathBuf> {
    write_atomic(dir, "predictive.csv", |w| {
        let mut c = csv_writer(w);
        c.write_record([
            "target",
            "metric",
            "statistic",
            "months",
            "kind",
            "observed",
            "lo",
            "hi",
            "tolerance",
            "weight",
            "provenance",
            "draws",
            "failed",
            "median",
            "q05",
            "q95",
            "share_consistent",
            "covered",
        ])
        .map_err(to_io)?;
        for (t, r) in fit.targets.iter().zip(rows) {
            let (kind, observed, lo, hi, tol) = fact(&t.target);
            c.write_record([
                t.target.name.clone(),
                t.metric_name().to_string(),
                t.statistic.name().to_string(),
                t.statistic.months(),
                kind.to_string(),
                cell(observed),
                cell(lo),
                cell(hi),
                cell(tol),
                num(t.target.weight),
                t.provenance.clone(),
                r.draws.to_string(),
                r.failed.to_string(),
                cell(r.median),
                cell(r.q05),
                cell(r.q95),
                cell(r.share_consistent),
                r.covered.to_string(),
            ])
            .map_err(to_io)?;
        }
        c.flush()
    })
}

/// `predictive_draws.csv`: one row per posterior predictive draw: the
/// particle it came from, each target's statistic (empty if it failed) and
/// the failure message.
pub fn write_predictive_draws(dir: &Path, fit: &Fit, draws: &[PredictiveDraw]) -> io::Result<PathBuf> {
    write_atomic(dir, "predictive_draws.csv", |w| {
        let mut c = csv_writer(w);
        let mut header = vec!["draw".to_string(), "particle".into()];
        header.extend(fit.target_names());
        header.push("error".into());
        c.write_record(&header).map_err(to_io)?;
        for (k, d) in draws.iter().enumerate() {
            let mut row = vec![k.to_string(), d.particle.to_string()];
            match &d.outcome {
                Ok(s) => {
                    row.extend(s.iter().map(|&v| num(v)));
                    row.push(String::new());
                }
                Err(e) => {
                    row.extend(fit.targets.iter().map(|_| String::new()));
                    row.push(e.clone());
                }
            }
            c.write_record(&row).map_err(to_io)?;
        }
        c.flush()
    })
}

/// A fitted parameter in the manifest.
#[derive(Debug, Clone, Serialize)]
pub struct ManifestParam {
    pub path: String,
    pub prior: String,
    pub valid_min: f64,
    pub valid_max: f64,
}

/// A target in the manifest.
#[derive(Debug, Clone, Serialize)]
pub struct ManifestTarget {
    pub name: String,
    pub metric: String,
    pub statistic: String,
    pub months: String,
    pub kind: String,
    pub observed: f64,
    pub lo: Option<f64>,
    pub hi: Option<f64>,
    pub tolerance: Option<f64>,
    pub weight: f64,
    pub source: String,
    pub provenance: String,
}

/// `manifest.json` of a fit: what was fitted to what, how, with what result.
#[derive(Debug, Clone, Serialize)]
pub struct FitManifest {
    pub kind: &'static str,
    pub tool: String,
    pub version: String,
    pub git_commit: String,
    pub name: String,
    pub description: String,
    pub identity: FitIdentity,
    pub population_scale: f64,
    pub months: u32,
    pub algorithm: SmcConfig,
    pub replications_per_candidate: u32,
    pub predictive_draws: usize,
    pub params: Vec<ManifestParam>,
    pub targets: Vec<ManifestTarget>,
    pub stop_reason: Option<StopReason>,
    pub generations: usize,
    pub simulations: u64,
    pub proposals: u64,
    pub final_epsilon: Option<f64>,
    pub final_ess: f64,
    pub posterior: Vec<ParamSummary>,
    pub predictive: Vec<PredictiveRow>,
    pub seed_derivation: String,
    pub sharded_rounds: u64,
    pub files: Vec<String>,
    pub threads: usize,
    pub wall_seconds: f64,
    pub start_time_utc: String,
    pub end_time_utc: String,
    pub command_line: Vec<String>,
}

/// How every seed of a fit is derived (written to the manifest).
pub const SEED_DERIVATION: &str = "candidate k of generation g: proposal stream Pcg64Mcg from splitmix64 chains of \
(seed, \"proposal\", g, k); simulation seed s = splitmix64 chain of (seed, \"simulate\", g, k); its replication r runs \
with rng::replication_seed(s, r) (model/rng.rs). Posterior predictive draw k: particle by systematic resampling with \
one uniform from the stream of (seed, \"predict \"), simulation seed = chain of (seed, \"predict \", 0, k)";

impl FitManifest {
    /// The manifest's parameter and target entries for `fit`.
    pub fn entries(fit: &Fit) -> (Vec<ManifestParam>, Vec<ManifestTarget>) {
        let params = fit
            .params
            .iter()
            .map(|p| ManifestParam {
                path: p.path.clone(),
                prior: p.description.clone(),
                valid_min: p.valid.0,
                valid_max: p.valid.1,
            })
            .collect();
        let some = |v: f64| (!v.is_nan()).then_some(v);
        let targets = fit
            .targets
            .iter()
            .map(|t| {
                let (kind, observed, lo, hi, tolerance) = fact(&t.target);
                ManifestTarget {
                    name: t.target.name.clone(),
                    metric: t.metric_name().to_string(),
                    statistic: t.statistic.name().to_string(),
                    months: t.statistic.months(),
                    kind: kind.to_string(),
                    observed,
                    lo: some(lo),
                    hi: some(hi),
                    tolerance: some(tolerance),
                    weight: t.target.weight,
                    source: t.source.clone(),
                    provenance: t.provenance.clone(),
                }
            })
            .collect();
        (params, targets)
    }

    pub fn write(&self, dir: &Path) -> io::Result<PathBuf> {
        write_json(dir, "manifest.json", self)
    }
}
