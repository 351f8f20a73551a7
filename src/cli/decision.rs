//! What `run` and `merge` share for probabilistic runs and decision files:
//! the options (`--uncertainty`, `--parameters`, `--ce-metric`, `--wtp`),
//! the draws they load, the check that every draw gives valid parameters,
//! and what goes into the manifest.

use crate::cli::AppError;
use crate::experiment::uncertainty::{DrawTable, Uncertainty};
use crate::files::manifest::{uncertainty_record, DecisionRecord, Manifest};
use crate::files::uncertainty_file;
use crate::model::metrics::{Direction, METRICS};
use crate::model::params::Params;
use crate::model::scenario::Scenario;
use crate::study::compare::{metric_index, BOOT_RESAMPLES};
use crate::study::decide::{self, RankMethod, Settings};
use crate::study::runner;
use crate::study::shard::ShardManifest;
use std::path::PathBuf;

/// The options of `run` for probabilistic runs and decision files.
#[derive(Debug, Clone, Default)]
pub struct DecisionOptions {
    /// `--uncertainty FILE`: factors drawn per replication.
    pub uncertainty: Option<PathBuf>,
    /// `--parameters FILE.csv`: weighted parameter sets, one drawn per replication.
    pub parameters: Option<PathBuf>,
    /// `--ce-metric NAME` (default `decide::DEFAULT_CE_METRIC`).
    pub ce_metric: Option<String>,
    /// `--wtp λ,…` (default: `decide::default_wtp`).
    pub wtp: Option<Vec<f64>>,
}

/// A study's draws and decision settings, resolved.
#[derive(Debug, Clone)]
pub struct Decision {
    pub uncertainty: Uncertainty,
    pub settings: Settings,
    /// As given (recorded in shard.json for the merge).
    pub ce_metric: Option<String>,
    pub wtp: Option<Vec<f64>>,
}

/// The settings of the decision files: the effect metric must exist and
/// have a direction, each λ must be finite and ≥ 0.
pub fn settings(ce_metric: Option<&str>, wtp: Option<&[f64]>, probabilistic: bool) -> Result<Settings, AppError> {
    let name = ce_metric.unwrap_or(decide::DEFAULT_CE_METRIC);
    let k = metric_index(name)
        .ok_or_else(|| AppError::Usage(format!("--ce-metric `{name}` is not a metric (see `shequ metrics`)")))?;
    if METRICS[k].direction == Direction::Neutral {
        return Err(AppError::Usage(format!(
            "--ce-metric `{name}` has no better direction, so it cannot be an effect"
        )));
    }
    if let Some(w) = wtp {
        if w.is_empty() {
            return Err(AppError::Usage("--wtp needs at least one value".into()));
        }
        if let Some(bad) = w.iter().find(|l| !(l.is_finite() && **l >= 0.0)) {
            return Err(AppError::Usage(format!(
                "--wtp {bad}: a willingness to pay is a finite number ≥ 0"
            )));
        }
    }
    Ok(Settings {
        rank_method: if probabilistic {
            RankMethod::ByReplication
        } else {
            RankMethod::Bootstrap
        },
        ce_metric: k,
        wtp: wtp.map(<[f64]>::to_vec),
    })
}

impl Decision {
    /// Loads the draws and checks the settings of `run`'s options.
    pub fn load(opts: &DecisionOptions) -> Result<Decision, AppError> {
        let uncertainty = uncertainty_file::load(opts.uncertainty.as_deref(), opts.parameters.as_deref())?;
        let settings = settings(opts.ce_metric.as_deref(), opts.wtp.as_deref(), !uncertainty.is_empty())?;
        Ok(Decision {
            uncertainty,
            settings,
            ce_metric: opts.ce_metric.clone(),
            wtp: opts.wtp.clone(),
        })
    }

    /// The draws and settings the shards of a study recorded (a merge),
    /// with the parameter files reloaded and checked unchanged.
    pub fn of_shard(m: &ShardManifest) -> Result<Decision, AppError> {
        let uncertainty = uncertainty_file::reload(&m.uncertainty)?;
        let settings = settings(m.ce_metric.as_deref(), m.wtp.as_deref(), !uncertainty.is_empty())?;
        Ok(Decision {
            uncertainty,
            settings,
            ce_metric: m.ce_metric.clone(),
            wtp: m.wtp.clone(),
        })
    }

    /// Checks that replications 0 … reps − 1 of every scenario draw valid
    /// parameters; the first draw that does not is a located input error.
    pub fn check(&self, scenarios: &[Scenario], seed: u64, reps: u32) -> Result<(), AppError> {
        let refs: Vec<&Scenario> = scenarios.iter().collect();
        self.uncertainty
            .check(&refs, seed, reps)
            .map_err(|e| AppError::Input(uncertainty_file::locate(&self.uncertainty, &e)))
    }

    /// The parameters of replication r (`None` in a plain run).
    pub fn varying(&self, seed: u64) -> Option<impl Fn(&Params, u32) -> Result<Params, String> + Sync + '_> {
        let u = &self.uncertainty;
        (!u.is_empty()).then_some(move |p: &Params, r: u32| u.apply(p, seed, r).map_err(|(_, m)| m))
    }

    /// The drawn values of replications 0 … reps − 1 (runs.csv's columns).
    pub fn draws(&self, seed: u64, reps: u32) -> DrawTable {
        self.uncertainty.table_of(seed, reps)
    }

    /// Records the draws and the decision settings in the manifest; in a
    /// probabilistic run, the spin-up groups are those of the parameters
    /// replication 0 draws.
    pub fn record(&self, manifest: &mut Manifest, scenarios: &[Scenario]) {
        let u = &self.uncertainty;
        manifest.uncertainty = uncertainty_record(u);
        if !u.is_empty() {
            let drawn: Vec<Scenario> = scenarios
                .iter()
                .map(|s| {
                    let mut s = s.clone();
                    if let Ok(p) = u.apply(&s.params, manifest.seed, 0) {
                        s.params = p;
                    }
                    s
                })
                .collect();
            let refs: Vec<&Scenario> = drawn.iter().collect();
            manifest.spinup_groups = runner::group_members(&runner::spinup_groups(&refs))
                .into_iter()
                .map(|g| g.into_iter().map(|i| scenarios[i].name.clone()).collect())
                .collect();
        }
        if scenarios.len() > 1 {
            let m = &METRICS[self.settings.ce_metric];
            manifest.decision = Some(DecisionRecord {
                bootstrap_resamples: BOOT_RESAMPLES,
                bootstrap_seed: "BCa over replications; seed = SplitMix64(FNV-1a 64 of scenario, baseline, split, unit, metric joined by U+001F); Pcg64Mcg::seed_from_u64",
                rank_method: self.settings.rank_method.as_str(),
                rank_resamples: match self.settings.rank_method {
                    RankMethod::Bootstrap => decide::RANK_RESAMPLES,
                    RankMethod::ByReplication => 0,
                },
                ce_metric: m.name.to_string(),
                ce_effect_sign: if m.direction == Direction::Lower { -1.0 } else { 1.0 },
                wtp_default: self.settings.wtp.is_none(),
            });
        }
    }
}
