//! A resolved, validated scenario as plain data: its name, parameters,
//! jurisdictions and the files it came from (with their hashes). Reading and
//! resolving scenario files is `files/scenario_file.rs`.

use crate::model::jurisdictions::JurisdictionSpec;
use crate::model::params::Params;
use std::path::PathBuf;

/// A file that went into a scenario, with its hash.
#[derive(Debug, Clone, PartialEq)]
pub struct Source {
    pub path: PathBuf,
    pub sha256: String,
}

/// A resolved, validated scenario.
#[derive(Debug, Clone, PartialEq)]
pub struct Scenario {
    pub name: String,
    pub description: String,
    pub path: PathBuf,
    pub params: Params,
    pub jurisdictions: Vec<JurisdictionSpec>,
    /// The scenario file, the files it extends, and the data file.
    pub sources: Vec<Source>,
}

impl Scenario {
    /// SHA-256 of the scenario file itself.
    pub fn sha256(&self) -> &str {
        self.sources.first().map_or("", |s| s.sha256.as_str())
    }

    /// Total residents in the data file.
    pub fn population(&self) -> u64 {
        self.jurisdictions.iter().map(|j| u64::from(j.population)).sum()
    }
}
