//! Splitting a study into shards (Slurm job arrays, GNU parallel, indexed
//! jobs) and checking that shards fit together before a merge.
//!
//! Rule: the study's work items are numbered k = scenario × reps +
//! replication (scenarios in command-line order); shard I of N (1-based)
//! runs the items with k mod N = I − 1. Every shard writes its replications
//! (`store::FILE`) and a `shard.json`; `shequ merge` checks that the shards
//! belong to one study, are disjoint and complete, and writes the same final
//! files as a single run.

use serde::{Deserialize, Serialize};

pub const RULE: &str =
    "item k = scenario_index * reps + replication; shard I of N (1-based) runs items with k mod N == I - 1";
pub const MANIFEST: &str = "shard.json";

/// Shard I of N.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    pub index: u32,
    pub count: u32,
}

impl Shard {
    /// Parses `I/N` (1 ≤ I ≤ N).
    pub fn parse(s: &str) -> Result<Shard, String> {
        let (i, n) = s
            .split_once('/')
            .ok_or_else(|| format!("`{s}`: expected I/N, e.g. 2/8"))?;
        let index: u32 = i
            .trim()
            .parse()
            .map_err(|_| format!("`{s}`: I must be a whole number"))?;
        let count: u32 = n
            .trim()
            .parse()
            .map_err(|_| format!("`{s}`: N must be a whole number"))?;
        if count == 0 || index == 0 || index > count {
            return Err(format!("`{s}`: need 1 ≤ I ≤ N"));
        }
        Ok(Shard { index, count })
    }

    /// The shard of a Slurm array task, from SLURM_ARRAY_TASK_ID,
    /// SLURM_ARRAY_TASK_COUNT and SLURM_ARRAY_TASK_MIN (as `env` gives them).
    pub fn from_slurm(env: impl Fn(&str) -> Option<String>) -> Result<Shard, String> {
        let get = |k: &str| -> Result<u32, String> {
            env(k)
                .ok_or_else(|| format!("{k} is not set: --shard slurm only works inside a Slurm job array"))?
                .trim()
                .parse()
                .map_err(|_| format!("{k} is not a whole number"))
        };
        let id = get("SLURM_ARRAY_TASK_ID")?;
        let count = get("SLURM_ARRAY_TASK_COUNT")?;
        let min = env("SLURM_ARRAY_TASK_MIN")
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or(0);
        let index = id
            .checked_sub(min)
            .map(|i| i + 1)
            .ok_or("SLURM_ARRAY_TASK_ID is below SLURM_ARRAY_TASK_MIN")?;
        if index > count {
            return Err(format!(
                "array task {id} (min {min}) is beyond SLURM_ARRAY_TASK_COUNT {count}: use a contiguous --array"
            ));
        }
        Ok(Shard { index, count })
    }

    /// This shard's items, in global order.
    pub fn select<T: Copy>(&self, items: &[T]) -> Vec<T> {
        items
            .iter()
            .enumerate()
            .filter(|(k, _)| *k as u64 % u64::from(self.count) == u64::from(self.index - 1))
            .map(|(_, it)| *it)
            .collect()
    }
}

/// What kind of file a source is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SourceKind {
    /// `--uncertainty`: factors with quantile functions.
    Factors,
    /// `--parameters`: a table of weighted parameter sets.
    WeightedDraws,
}

impl SourceKind {
    pub fn as_str(self) -> &'static str {
        match self {
            SourceKind::Factors => "factors",
            SourceKind::WeightedDraws => "weighted_draws",
        }
    }
}

/// A file a probabilistic run draws its parameters from, as the manifest,
/// run.json and shard.json record it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SourceRecord {
    pub kind: SourceKind,
    /// Absolute path (for a merge to reload it).
    pub path: String,
    pub sha256: String,
}

/// Why two studies' parameter draws differ: a different kind or file, or
/// the same file changed since (its SHA-256).
pub fn sources_mismatch(old: &[SourceRecord], new: &[SourceRecord]) -> Option<String> {
    let show = |v: &[SourceRecord]| {
        if v.is_empty() {
            "no parameter draws".to_string()
        } else {
            v.iter()
                .map(|s| format!("{} {}", s.kind.as_str(), s.path))
                .collect::<Vec<_>>()
                .join(" and ")
        }
    };
    let same_files = old.len() == new.len() && old.iter().zip(new).all(|(a, b)| a.kind == b.kind && a.path == b.path);
    if !same_files {
        return Some(format!("it drew {}, not {}", show(old), show(new)));
    }
    old.iter()
        .zip(new)
        .find(|(a, b)| a.sha256 != b.sha256)
        .map(|(a, _)| format!("the parameter file {} has changed since", a.path))
}

/// A file a scenario was built from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SourceHash {
    pub path: String,
    pub sha256: String,
}

/// A scenario as a shard records it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ShardScenario {
    pub name: String,
    /// Absolute path of the scenario file, for the merge to reload it.
    pub path: String,
    pub sources: Vec<SourceHash>,
    /// `simulation.spinup_months` as resolved (its default is not in any
    /// file's hash); left out when 0.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub spinup_months: u32,
}

fn is_zero(x: &u32) -> bool {
    *x == 0
}

/// `shard.json`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ShardManifest {
    pub schema_version: u32,
    pub tool: String,
    pub version: String,
    pub git_commit: String,
    pub rule: String,
    pub shard: u32,
    pub shards: u32,
    pub seed: u64,
    pub replications: u32,
    pub baseline: String,
    pub scenarios: Vec<ShardScenario>,
    pub items_done: u64,
    /// The files a probabilistic run draws its parameters from.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub uncertainty: Vec<SourceRecord>,
    /// `--ce-metric` and `--wtp` of the run, for the merge's decision files.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ce_metric: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wtp: Option<Vec<f64>>,
    pub threads: usize,
    pub wall_seconds: f64,
    pub start_time_utc: String,
    pub end_time_utc: String,
    pub command_line: Vec<String>,
}

/// Checks that shard manifests describe shards of one study and that each
/// shard appears once: returns the first problem found.
pub fn check_same_study(m: &[ShardManifest]) -> Result<(), String> {
    let Some(first) = m.first() else {
        return Err("no shard given".into());
    };
    for s in &m[1..] {
        let differ = |what: &str, a: String, b: String| {
            Err(format!(
                "shards {} and {} differ in {what}: {a} vs {b}",
                first.shard, s.shard
            ))
        };
        if s.version != first.version {
            return differ("tool version", first.version.clone(), s.version.clone());
        }
        if s.seed != first.seed {
            return differ("seed", first.seed.to_string(), s.seed.to_string());
        }
        if s.replications != first.replications {
            return differ(
                "replications",
                first.replications.to_string(),
                s.replications.to_string(),
            );
        }
        if s.shards != first.shards {
            return differ("number of shards", first.shards.to_string(), s.shards.to_string());
        }
        if s.baseline != first.baseline {
            return differ("baseline", first.baseline.clone(), s.baseline.clone());
        }
        let names = |x: &ShardManifest| {
            x.scenarios
                .iter()
                .map(|s| s.name.clone())
                .collect::<Vec<_>>()
                .join(", ")
        };
        if names(s) != names(first) {
            return differ("scenarios", names(first), names(s));
        }
        if let Some(why) = sources_mismatch(&first.uncertainty, &s.uncertainty) {
            return Err(format!(
                "shards {} and {} differ: shard {} {why}",
                first.shard, s.shard, first.shard
            ));
        }
        for (a, b) in first.scenarios.iter().zip(&s.scenarios) {
            let hashes = |x: &ShardScenario| x.sources.iter().map(|h| h.sha256.clone()).collect::<Vec<_>>();
            if hashes(a) != hashes(b) {
                return differ(
                    &format!("the files of scenario `{}`", a.name),
                    "one version".into(),
                    "another".into(),
                );
            }
            if a.spinup_months != b.spinup_months {
                return differ(
                    &format!("the spin-up of scenario `{}`", a.name),
                    format!("{} months", a.spinup_months),
                    format!("{} months", b.spinup_months),
                );
            }
        }
    }
    let mut seen: Vec<u32> = m.iter().map(|s| s.shard).collect();
    seen.sort_unstable();
    if let Some(w) = seen.windows(2).find(|w| w[0] == w[1]) {
        return Err(format!("shard {}/{} is given twice", w[0], first.shards));
    }
    let missing: Vec<String> = (1..=first.shards)
        .filter(|i| !seen.contains(i))
        .map(|i| format!("{i}/{}", first.shards))
        .collect();
    if !missing.is_empty() {
        return Err(format!("missing shard(s): {}", missing.join(", ")));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::study::runner::Item;

    #[test]
    fn shards_partition_the_items() {
        let items: Vec<Item> = (0..3).flat_map(|s| (0..7).map(move |r| (s, r))).collect();
        for n in 1..=5 {
            let mut all: Vec<Item> = (1..=n)
                .flat_map(|i| Shard { index: i, count: n }.select(&items))
                .collect();
            all.sort_unstable();
            assert_eq!(all, items, "N = {n}");
        }
    }

    #[test]
    fn parses_shard_specs_and_slurm_variables() {
        assert_eq!(Shard::parse("2/8"), Ok(Shard { index: 2, count: 8 }));
        assert!(Shard::parse("0/8").is_err() && Shard::parse("9/8").is_err() && Shard::parse("x").is_err());
        let env = |vars: &'static [(&'static str, &'static str)]| {
            move |k: &str| vars.iter().find(|(n, _)| *n == k).map(|(_, v)| v.to_string())
        };
        let s = Shard::from_slurm(env(&[("SLURM_ARRAY_TASK_ID", "3"), ("SLURM_ARRAY_TASK_COUNT", "4")]));
        assert_eq!(s, Ok(Shard { index: 4, count: 4 }));
        let s = Shard::from_slurm(env(&[
            ("SLURM_ARRAY_TASK_ID", "5"),
            ("SLURM_ARRAY_TASK_COUNT", "4"),
            ("SLURM_ARRAY_TASK_MIN", "2"),
        ]));
        assert_eq!(s, Ok(Shard { index: 4, count: 4 }));
        assert!(Shard::from_slurm(env(&[])).is_err());
    }
}
