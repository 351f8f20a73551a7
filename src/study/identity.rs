//! What identifies a study, so that `--resume` continues only the same
//! study (`StudyIdentity`, kept in run.json, and the first field that
//! differs), and the memory a study needs at its peak.

use crate::model::metrics::N_METRICS;
use crate::model::scenario::Scenario;
use crate::model::state::BYTES_PER_PERSON;
use crate::study::runner;
use crate::study::shard::{sources_mismatch, Shard, ShardScenario, SourceRecord};
use serde::{Deserialize, Serialize};

/// What identifies a study: `run.json`, written when a run starts and
/// checked by `--resume`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StudyIdentity {
    pub tool: String,
    pub version: String,
    pub seed: u64,
    pub replications: u32,
    pub baseline: String,
    pub shard: Option<String>,
    pub scenarios: Vec<ShardScenario>,
    /// The files a probabilistic run draws its parameters from (absent in a
    /// plain run).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub uncertainty: Vec<SourceRecord>,
}

/// What a read-back `run.json` must satisfy besides its types: written by
/// shequ, at least one replication, a valid shard `I/N`, scenarios with
/// distinct non-empty names, the baseline among them, and SHA-256 digests
/// of 64 hex digits.
pub fn check_identity(id: &StudyIdentity) -> Result<(), String> {
    if id.tool != "shequ" {
        return Err(format!("`tool` is `{}`, not `shequ`", id.tool));
    }
    if id.version.is_empty() {
        return Err("`version` is empty".into());
    }
    if id.replications == 0 {
        return Err("`replications` is 0".into());
    }
    if let Some(sh) = &id.shard {
        Shard::parse(sh).map_err(|e| format!("`shard`: {e}"))?;
    }
    if id.scenarios.is_empty() {
        return Err("`scenarios` is empty".into());
    }
    for (i, sc) in id.scenarios.iter().enumerate() {
        if sc.name.is_empty() {
            return Err(format!("scenario {} has an empty `name`", i + 1));
        }
        if id.scenarios[..i].iter().any(|o| o.name == sc.name) {
            return Err(format!("scenario `{}` is listed twice", sc.name));
        }
        if let Some(h) = sc.sources.iter().find(|h| !is_sha256(&h.sha256)) {
            return Err(format!(
                "scenario `{}`: `{}` is not a SHA-256 digest (64 hex digits)",
                sc.name, h.sha256
            ));
        }
    }
    if !id.scenarios.iter().any(|s| s.name == id.baseline) {
        return Err(format!("the baseline `{}` is not among the scenarios", id.baseline));
    }
    if let Some(u) = id.uncertainty.iter().find(|u| !is_sha256(&u.sha256)) {
        return Err(format!(
            "uncertainty source {}: `{}` is not a SHA-256 digest (64 hex digits)",
            u.path, u.sha256
        ));
    }
    Ok(())
}

fn is_sha256(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| b.is_ascii_hexdigit())
}

/// Bytes a run would need at its peak: the residents of `threads`
/// replications held at once (with room for growth and arrivals; twice that
/// when scenarios share spin-ups, whose worlds are kept while the horizons
/// copy them) and the kept results of every replication.
pub fn memory_estimate(scenarios: &[Scenario], reps: u32, threads: usize) -> u64 {
    let per_rep = scenarios
        .iter()
        .map(|s| {
            let persons = s.population() as f64 * s.params.simulation.population_scale;
            // Growth and vector slack (arrays grow by an eighth): 1.25 × the
            // month-0 residents; committees and their cadres besides.
            let committees: u64 = s.jurisdictions.iter().map(|j| u64::from(j.committees)).sum();
            (1.25 * persons * BYTES_PER_PERSON as f64) as u64 + committees * COMMITTEE_BYTES
        })
        .max()
        .unwrap_or(0);
    let kept: u64 = scenarios
        .iter()
        .map(|s| {
            let months = u64::from(s.params.simulation.months) + 1 + s.jurisdictions.len() as u64;
            months * N_METRICS as u64 * 8 * u64::from(reps)
        })
        .sum();
    // At most one replication per thread is in memory, and no more than there are.
    let at_once = (threads.max(1) as u64)
        .min(u64::from(reps) * scenarios.len() as u64)
        .max(1);
    // A shared spin-up stays in memory while its scenarios' horizons copy it.
    let refs: Vec<&Scenario> = scenarios.iter().collect();
    let shared = runner::group_members(&runner::spinup_groups(&refs))
        .iter()
        .any(|g| g.len() > 1);
    let spun_up = if shared { at_once } else { 0 };
    per_rep * (at_once + spun_up) + kept
}

/// A committee's state besides its residents (cadres, plan, tallies, streams), rounded up.
const COMMITTEE_BYTES: u64 = 4096;

/// Why `run.json` does not match: the first differing field.
pub fn identity_mismatch(old: &StudyIdentity, new: &StudyIdentity) -> Option<String> {
    let names = |x: &StudyIdentity| {
        x.scenarios
            .iter()
            .map(|s| s.name.clone())
            .collect::<Vec<_>>()
            .join(", ")
    };
    if old.version != new.version {
        return Some(format!("it was run by shequ {}, this is {}", old.version, new.version));
    }
    if old.seed != new.seed {
        return Some(format!("it used --seed {}, not {}", old.seed, new.seed));
    }
    if old.replications != new.replications {
        return Some(format!("it used --reps {}, not {}", old.replications, new.replications));
    }
    if old.shard != new.shard {
        return Some(format!("it ran shard {:?}, not {:?}", old.shard, new.shard));
    }
    if names(old) != names(new) {
        return Some(format!("its scenarios were {}, not {}", names(old), names(new)));
    }
    if old.baseline != new.baseline {
        return Some(format!("its baseline was `{}`, not `{}`", old.baseline, new.baseline));
    }
    if let Some(why) = sources_mismatch(&old.uncertainty, &new.uncertainty) {
        return Some(why);
    }
    for (a, b) in old.scenarios.iter().zip(&new.scenarios) {
        let h = |x: &ShardScenario| x.sources.iter().map(|s| s.sha256.clone()).collect::<Vec<_>>();
        if h(a) != h(b) {
            return Some(format!("the files of scenario `{}` have changed since", a.name));
        }
        if a.spinup_months != b.spinup_months {
            return Some(format!(
                "scenario `{}` had a spin-up of {} months, now {}",
                a.name, a.spinup_months, b.spinup_months
            ));
        }
    }
    None
}
