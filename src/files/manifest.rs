//! The manifests: `manifest.json` of a run (provenance, performance and, under
//! `--target-ci`, what the adaptive loop did) and of a sweep, and `shard.json`
//! of a shard, with how a scenario's files are recorded in them.

use crate::experiment::spec::{Experiment, Factor};
use crate::experiment::sweep::SweepResult;
use crate::experiment::uncertainty::Uncertainty;
use crate::files::atomic::write_json;
use crate::files::error::{io_err, FileError, InputError};
use crate::model::metrics::N_METRICS;
use crate::model::rng;
use crate::model::scenario::Scenario;
use crate::study::runner::{self, RepResult};
use crate::study::shard::SourceRecord;
use crate::study::shard::{self, ShardManifest, ShardScenario, SourceHash};
use serde::Serialize;
use std::io;
use std::path::{Path, PathBuf};

/// Version of the output file layout (bump when a column changes).
pub const SCHEMA_VERSION: u32 = 2;

/// A file that went into the run.
#[derive(Debug, Serialize)]
pub struct ManifestSource {
    pub path: String,
    pub sha256: String,
}

/// One scenario in the manifest.
#[derive(Debug, Serialize)]
pub struct ManifestScenario {
    pub name: String,
    pub path: String,
    pub sha256: String,
    pub sources: Vec<ManifestSource>,
    pub persons_initial: u64,
    pub population_scale: f64,
    pub months: u32,
    /// Months simulated under baseline rules before the horizon.
    pub spinup_months: u32,
}

/// What the adaptive loop did, recorded in the manifest.
#[derive(Debug, Clone, Serialize)]
pub struct AdaptiveRecord {
    pub target_half_width: f64,
    pub metric: String,
    pub max_reps: u32,
    /// Replication counts after each batch.
    pub batches: Vec<u32>,
    pub replications: u32,
    /// The widest half-width at the end (over scenarios or reform effects).
    pub half_width: f64,
    pub met: bool,
    /// How each batch's replication count was chosen (`adaptive::SIZING`).
    pub sizing: &'static str,
}

/// `manifest.json`: provenance and performance of a run.
#[derive(Debug, Serialize)]
pub struct Manifest {
    pub schema_version: u32,
    pub tool: &'static str,
    pub version: &'static str,
    pub git_commit: String,
    pub command_line: Vec<String>,
    pub start_time_utc: String,
    pub end_time_utc: String,
    pub wall_seconds: f64,
    pub seed: u64,
    pub seed_derivation: &'static str,
    pub replications: u32,
    /// Replications that failed (listed in failures.csv); not in the statistics.
    pub failed_replications: usize,
    pub threads: usize,
    pub baseline: String,
    pub scenarios: Vec<ManifestScenario>,
    /// The scenarios that share one spin-up per replication, group by group
    /// (a scenario without a spin-up is a group of its own).
    pub spinup_groups: Vec<Vec<String>>,
    pub metrics: usize,
    pub person_months: u64,
    pub person_months_per_second: f64,
    pub ns_per_person_month_per_thread: f64,
    /// Present when `--target-ci` chose the replication count.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub adaptive: Option<AdaptiveRecord>,
    /// Present in a probabilistic run (`--uncertainty`, `--parameters`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub uncertainty: Option<UncertaintyRecord>,
    /// How the decision statistics were computed (runs with more than one
    /// scenario).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub decision: Option<DecisionRecord>,
}

/// What a probabilistic run drew, recorded in the manifest.
#[derive(Debug, Clone, Serialize)]
pub struct UncertaintyRecord {
    /// `name` and `description` of the `--uncertainty` file (empty without one).
    pub name: String,
    pub description: String,
    /// Each file: `kind` (`factors` or `weighted_draws`), absolute `path`, `sha256`.
    pub sources: Vec<SourceRecord>,
    /// Each drawn parameter (a column of runs.csv): its column `name`,
    /// parameter `path` and `form`.
    pub parameters: Vec<ManifestFactor>,
    pub derivation: &'static str,
}

/// The record of a probabilistic run's draws; `None` in a plain run.
pub fn uncertainty_record(u: &Uncertainty) -> Option<UncertaintyRecord> {
    if u.is_empty() {
        return None;
    }
    let mut parameters: Vec<ManifestFactor> = u.factors.iter().map(ManifestFactor::of).collect();
    if let Some(t) = &u.table {
        parameters.extend(t.columns.iter().map(|c| ManifestFactor {
            name: c.clone(),
            path: c.clone(),
            form: format!(
                "weighted draws: one of {} rows by inverse CDF of the normalised weights",
                t.rows.len()
            ),
        }));
    }
    Some(UncertaintyRecord {
        name: u.name.clone(),
        description: u.description.clone(),
        sources: u.sources.clone(),
        parameters,
        derivation: rng::SEED_DERIVATION,
    })
}

/// How the decision statistics of compare.csv, ranking.csv and the
/// cost-effectiveness files were computed.
#[derive(Debug, Clone, Serialize)]
pub struct DecisionRecord {
    /// Resamples of compare.csv's and compare_by_group.csv's bootstrap intervals.
    pub bootstrap_resamples: usize,
    pub bootstrap_seed: &'static str,
    /// `bootstrap` (joint, over replications) or `by_replication`.
    pub rank_method: &'static str,
    /// Resamples of the ranking bootstrap (0 by replication).
    pub rank_resamples: usize,
    pub ce_metric: String,
    /// +1: the effect is the metric; −1: minus the metric (less is better).
    pub ce_effect_sign: f64,
    /// Whether `ceac.csv`'s λ grid is the default one (else `--wtp`).
    pub wtp_default: bool,
}

impl Manifest {
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        scenarios: &[Scenario],
        results: &[Vec<RepResult>],
        seed: u64,
        reps: u32,
        threads: usize,
        baseline: usize,
        command_line: Vec<String>,
        start: std::time::SystemTime,
        end: std::time::SystemTime,
    ) -> Manifest {
        let wall = end.duration_since(start).map(|d| d.as_secs_f64()).unwrap_or(0.0);
        let person_months: u64 = results.iter().flatten().map(|r| r.person_months).sum();
        let pm = person_months as f64;
        let refs: Vec<&Scenario> = scenarios.iter().collect();
        let spinup_groups = runner::group_members(&runner::spinup_groups(&refs))
            .into_iter()
            .map(|g| g.into_iter().map(|i| scenarios[i].name.clone()).collect())
            .collect();
        Manifest {
            schema_version: SCHEMA_VERSION,
            tool: "shequ",
            version: env!("CARGO_PKG_VERSION"),
            git_commit: option_env!("SHEQU_GIT_COMMIT").unwrap_or("unknown").to_string(),
            command_line,
            start_time_utc: utc(start),
            end_time_utc: utc(end),
            wall_seconds: wall,
            seed,
            seed_derivation: rng::SEED_DERIVATION,
            replications: reps,
            failed_replications: 0,
            threads,
            baseline: scenarios.get(baseline).map(|s| s.name.clone()).unwrap_or_default(),
            scenarios: scenarios
                .iter()
                .map(|s| ManifestScenario {
                    name: s.name.clone(),
                    path: s.path.display().to_string(),
                    sha256: s.sha256().to_string(),
                    sources: s
                        .sources
                        .iter()
                        .map(|src| ManifestSource {
                            path: src.path.display().to_string(),
                            sha256: src.sha256.clone(),
                        })
                        .collect(),
                    persons_initial: (s.population() as f64 * s.params.simulation.population_scale).round() as u64,
                    population_scale: s.params.simulation.population_scale,
                    months: s.params.simulation.months,
                    spinup_months: s.params.simulation.spinup_months,
                })
                .collect(),
            spinup_groups,
            metrics: N_METRICS,
            person_months,
            person_months_per_second: if wall > 0.0 { pm / wall } else { 0.0 },
            ns_per_person_month_per_thread: if pm > 0.0 {
                wall * 1e9 * threads as f64 / pm
            } else {
                0.0
            },
            adaptive: None,
            uncertainty: None,
            decision: None,
        }
    }

    pub fn write(&self, dir: &Path) -> io::Result<PathBuf> {
        write_json(dir, "manifest.json", self)
    }
}

/// RFC 3339 UTC time, second precision.
pub fn utc(t: std::time::SystemTime) -> String {
    let secs = t
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0) as i64;
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem / 60 % 60,
        rem % 60
    )
}

/// A factor in the manifest.
#[derive(Debug, Clone, Serialize)]
pub struct ManifestFactor {
    pub name: String,
    pub path: String,
    pub form: String,
}

impl ManifestFactor {
    pub fn of(f: &Factor) -> ManifestFactor {
        ManifestFactor {
            name: f.name.clone(),
            path: f.path.clone(),
            form: f.describe(),
        }
    }
}

/// `manifest.json` of a sweep.
#[derive(Debug, Serialize)]
pub struct SweepManifest {
    pub schema_version: u32,
    pub tool: &'static str,
    pub version: &'static str,
    pub git_commit: String,
    pub command_line: Vec<String>,
    pub experiment: String,
    pub experiment_path: String,
    pub experiment_sha256: String,
    pub design: &'static str,
    pub design_seed: u64,
    pub base_samples: usize,
    pub levels: usize,
    pub trajectories: usize,
    pub bootstrap_resamples: usize,
    pub points: usize,
    pub factors: Vec<ManifestFactor>,
    pub scenarios: Vec<String>,
    /// `simulation.spinup_months` of each scenario (before factors are set).
    pub spinup_months: Vec<u32>,
    pub reference: String,
    pub replications: u32,
    pub seed: u64,
    pub seed_derivation: &'static str,
    pub threads: usize,
    pub start_time_utc: String,
    pub end_time_utc: String,
    pub wall_seconds: f64,
    pub person_months: u64,
    /// Per design point, per scenario: the number of its spin-up group;
    /// pairs with the same number share one spin-up per replication.
    pub spinup_group: Vec<Vec<usize>>,
    /// Present with `--parameters`: the table drawn per replication.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parameters: Option<UncertaintyRecord>,
}

impl SweepManifest {
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        exp: &Experiment,
        res: &SweepResult,
        reps: u32,
        seed: u64,
        threads: usize,
        command_line: Vec<String>,
        start: std::time::SystemTime,
        end: std::time::SystemTime,
    ) -> SweepManifest {
        SweepManifest {
            schema_version: SCHEMA_VERSION,
            tool: "shequ",
            version: env!("CARGO_PKG_VERSION"),
            git_commit: option_env!("SHEQU_GIT_COMMIT").unwrap_or("unknown").to_string(),
            command_line,
            experiment: exp.name.clone(),
            experiment_path: exp.path.display().to_string(),
            experiment_sha256: exp.sha256.clone(),
            design: exp.plan.kind.name(),
            design_seed: exp.plan.seed,
            base_samples: exp.plan.n,
            levels: exp.plan.levels,
            trajectories: exp.plan.trajectories,
            bootstrap_resamples: exp.plan.bootstrap,
            points: res.values.len(),
            factors: exp.factors.iter().map(ManifestFactor::of).collect(),
            scenarios: exp.scenarios.iter().map(|s| s.name.clone()).collect(),
            spinup_months: exp
                .scenarios
                .iter()
                .map(|s| s.params.simulation.spinup_months)
                .collect(),
            reference: exp.scenarios[exp.reference].name.clone(),
            replications: reps,
            seed,
            seed_derivation: rng::SEED_DERIVATION,
            threads,
            start_time_utc: utc(start),
            end_time_utc: utc(end),
            wall_seconds: end.duration_since(start).map(|d| d.as_secs_f64()).unwrap_or(0.0),
            person_months: res.person_months,
            spinup_group: res.spinup_group.clone(),
            parameters: uncertainty_record(&res.parameters),
        }
    }

    pub fn write(&self, dir: &Path) -> io::Result<PathBuf> {
        write_json(dir, "manifest.json", self)
    }
}

/// The scenarios as run.json and shard.json record them: absolute paths (for
/// a merge to reload them) and the SHA-256 of every source.
pub fn shard_scenarios(scenarios: &[Scenario]) -> Vec<ShardScenario> {
    scenarios
        .iter()
        .map(|s| ShardScenario {
            name: s.name.clone(),
            path: std::fs::canonicalize(&s.path)
                .unwrap_or_else(|_| s.path.clone())
                .display()
                .to_string(),
            sources: s
                .sources
                .iter()
                .map(|src| SourceHash {
                    path: src.path.display().to_string(),
                    sha256: src.sha256.clone(),
                })
                .collect(),
            spinup_months: s.params.simulation.spinup_months,
        })
        .collect()
}

/// Writes a shard's `shard.json` in `dir`.
pub fn write_shard_manifest(dir: &Path, m: &ShardManifest) -> io::Result<PathBuf> {
    write_json(dir, shard::MANIFEST, m)
}

/// Reads the `shard.json` of the shard in `dir`.
pub fn read_shard_manifest(dir: &Path) -> Result<ShardManifest, FileError> {
    let p = dir.join(shard::MANIFEST);
    let text = std::fs::read_to_string(&p).map_err(io_err(&p))?;
    serde_json::from_str(&text).map_err(|e| {
        InputError::new(&p, format!("not a shard manifest: {e}"))
            .at(e.line(), e.column())
            .into()
    })
}
