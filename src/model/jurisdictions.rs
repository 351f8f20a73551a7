//! The jurisdictions a world is built from, one row each: a street office or
//! the fringe town, with its area, population, committees and firms, and
//! optionally its own enforcement authority, coordination and merge target.
//! They are read from the data file in `files/jurisdictions_file.rs` or
//! generated (`generator.rs`).

/// Kind of jurisdiction: an urban street office or a fringe town whose
/// committees are still run as villages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Urban,
    Fringe,
}

/// One row of the jurisdictions data file.
#[derive(Debug, Clone, PartialEq)]
pub struct JurisdictionSpec {
    pub name: String,
    pub kind: Kind,
    pub area_km2: f64,
    pub population: u32,
    pub committees: u32,
    pub firms_per_10k: f64,
    /// The street's own enforcement authority; `None` = `enforcement.authority`.
    pub authority: Option<f64>,
    /// The street's own agency coordination; `None` = `enforcement.coordination`.
    pub coordination: Option<f64>,
    /// Name of the urban street this one merges into under `redistricting`;
    /// `None` = the rule of `reforms::merge_target`.
    pub merge_into: Option<String>,
    pub provenance: String,
}
