//! The scenario schema: every model parameter with its default, unit, valid
//! range, provenance and a one-line description, declared once with
//! `section!` (`schema.rs`): the world's sections in `world.rs`, the reform
//! levers' in `levers.rs`. This file holds `Params`, which gathers them, its
//! listing (`describe`) and the checks that involve several keys.
//!
//! Provenance tags follow `docs/calibration.md`: `report` (the seed
//! report), `firm` (official statistics), `secondary`, `derived`, `estimate`.
//! `setting` marks run controls that are not facts about the world.

mod levers;
mod schema;
mod world;

pub use levers::*;
pub use schema::{ParamInfo, ParamValue, Provenance};
pub use world::*;

use serde::{Deserialize, Serialize};

/// Every parameter of a scenario (the resolved, validated form).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Params {
    pub simulation: Simulation,
    pub world: World,
    pub generator: Generator,
    pub district: District,
    pub demography: Demography,
    pub labour: Labour,
    pub migration: Migration,
    pub party: Party,
    pub tasks: Tasks,
    pub committees: Committees,
    pub cadres: Cadres,
    pub services: Services,
    pub finance: Finance,
    pub firms: Firms,
    pub enforcement: Enforcement,
    pub security: Security,
    pub satisfaction: Satisfaction,
    pub reforms: Reforms,
}

impl Params {
    /// The same world under baseline rules: a copy with every reform lever
    /// reset to its default (off). A spin-up runs under these.
    pub fn baseline_rules(&self) -> Params {
        Params {
            reforms: Reforms::default(),
            ..self.clone()
        }
    }

    /// Every parameter with its metadata, in schema order.
    pub fn describe(&self) -> Vec<ParamInfo> {
        let mut out = Vec::new();
        self.simulation.visit("simulation", &mut out);
        self.world.visit("world", &mut out);
        self.generator.visit("generator", &mut out);
        self.district.visit("district", &mut out);
        self.demography.visit("demography", &mut out);
        self.labour.visit("labour", &mut out);
        self.migration.visit("migration", &mut out);
        self.party.visit("party", &mut out);
        self.tasks.visit("tasks", &mut out);
        self.committees.visit("committees", &mut out);
        self.cadres.visit("cadres", &mut out);
        self.services.visit("services", &mut out);
        self.finance.visit("finance", &mut out);
        self.firms.visit("firms", &mut out);
        self.enforcement.visit("enforcement", &mut out);
        self.security.visit("security", &mut out);
        self.satisfaction.visit("satisfaction", &mut out);
        let r = &self.reforms;
        r.devolve_powers.visit("reforms.devolve_powers", &mut out);
        r.dual_leadership.visit("reforms.dual_leadership", &mut out);
        r.fiscal_reform.visit("reforms.fiscal_reform", &mut out);
        r.service_industrialisation
            .visit("reforms.service_industrialisation", &mut out);
        r.tax_base_cultivation.visit("reforms.tax_base_cultivation", &mut out);
        r.raise_stipends.visit("reforms.raise_stipends", &mut out);
        r.office_standard.visit("reforms.office_standard", &mut out);
        r.young_cadres.visit("reforms.young_cadres", &mut out);
        r.party_building.visit("reforms.party_building", &mut out);
        r.redistricting.visit("reforms.redistricting", &mut out);
        r.fringe_integration.visit("reforms.fringe_integration", &mut out);
        r.coordination.visit("reforms.coordination", &mut out);
        out
    }

    /// Checks that go beyond one key's range: `(key path, message)`.
    pub fn cross_checks(&self) -> Vec<(String, String)> {
        let mut errs = Vec::new();
        let bands = &self.demography.age_band_shares;
        let sum: f64 = bands.iter().sum();
        if bands.len() != 10 {
            errs.push((
                "demography.age_band_shares".into(),
                format!("expected 10 bands (0-9 … 90-99), found {}", bands.len()),
            ));
        } else if (sum - 1.0).abs() > 1e-6 {
            errs.push((
                "demography.age_band_shares".into(),
                format!("shares must sum to 1, they sum to {sum}"),
            ));
        }
        let c = &self.cadres;
        let pairs = [
            (
                "cadres.local_age_max_years",
                c.local_age_min_years,
                c.local_age_max_years,
            ),
            (
                "cadres.young_age_max_years",
                c.young_age_min_years,
                c.young_age_max_years,
            ),
            (
                "migration.arrival_age_max_years",
                self.migration.arrival_age_min_years,
                self.migration.arrival_age_max_years,
            ),
        ];
        for (key, lo, hi) in pairs {
            if hi < lo {
                errs.push((key.into(), format!("must be ≥ the matching minimum ({lo})")));
            }
        }
        if c.local_college_share + c.local_secondary_share > 1.0 {
            errs.push((
                "cadres.local_secondary_share".into(),
                "local_college_share + local_secondary_share must be ≤ 1".into(),
            ));
        }
        if self.simulation.outcome_window_months > self.simulation.months {
            errs.push((
                "simulation.outcome_window_months".into(),
                format!("must be ≤ simulation.months ({})", self.simulation.months),
            ));
        }
        let g = &self.generator;
        if g.street_offices > 0 && g.committees < g.street_offices {
            errs.push((
                "generator.committees".into(),
                format!("must be ≥ generator.street_offices ({})", g.street_offices),
            ));
        }
        if g.street_offices > 0 && g.persons / f64::from(g.street_offices) * (1.0 + g.size_spread) > f64::from(u32::MAX)
        {
            errs.push((
                "generator.persons".into(),
                format!("too many persons per street office (at most {} each)", u32::MAX),
            ));
        }
        if self.demography.max_age_years > 127 {
            errs.push(("demography.max_age_years".into(), "must be ≤ 127".into()));
        }
        let max_age = self.demography.max_age_years;
        if let Some(i) = bands
            .iter()
            .enumerate()
            .position(|(i, &s)| i as u32 * 10 >= max_age && s > 0.0)
        {
            errs.push((
                "demography.age_band_shares".into(),
                format!(
                    "band {} ({}-{}) lies at or above max_age_years ({max_age}) and must be 0",
                    i,
                    i * 10,
                    i * 10 + 9
                ),
            ));
        }
        errs
    }
}
