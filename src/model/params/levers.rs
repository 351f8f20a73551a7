//! The twelve reform levers' parameter sections, `[reforms.*]`, and
//! `Reforms`, which holds them.

use super::schema::{section, ParamInfo, ParamValue, Provenance, BIG};
use serde::{Deserialize, Serialize};

// ---------------------------------------------------------------------------
// Reform levers (spec §5). Each is off at baseline; when on it acts from
// `start_month` and phases in linearly over `phase_in_months`. Costs are
// charged to the budget that would really pay them and summed in `reform_cost`.
// ---------------------------------------------------------------------------

section!(
    /// Measure 1: widen street offices' powers; pushed-down tasks come with funds.
    DevolvePowers {
        enabled: bool = false; "flag", [0, 1], Setting, "Switch the lever on";
        start_month: u32 = 6; "month", [0, 600], Setting, "First month the lever acts";
        phase_in_months: u32 = 12; "months", [0, 600], Setting, "Months of linear phase-in";
        authority: f64 = 0.6; "0..1", [0.0, 1.0], Estimate, "Street authority once phased in";
        passdown_multiplier: f64 = 0.7; "ratio", [0.0, 1.0], Estimate, "Multiplier on the share of task hours passed down to committees";
        funding_yuan_per_task_hour: f64 = 2.3; "yuan/hour", [0.0, 1e5], Estimate, "District funds that follow each task hour the street passes down, reaching the committees as paid task hours (assumed: half the labour cost, committees.paid_hour_cost_yuan = 4.6)";
        one_off_yuan: f64 = 500_000.0; "yuan", [0.0, BIG], Estimate, "District one-off cost (legal work, training)";
    }
);

section!(
    /// Measure 1: dual leadership of dispatched agencies.
    DualLeadership {
        enabled: bool = false; "flag", [0, 1], Setting, "Switch the lever on";
        start_month: u32 = 6; "month", [0, 600], Setting, "First month the lever acts";
        phase_in_months: u32 = 12; "months", [0, 600], Setting, "Months of linear phase-in";
        coordination: f64 = 0.7; "0..1", [0.0, 1.0], Estimate, "Coordination of dispatched agencies once phased in";
        recurring_yuan_per_jurisdiction_month: f64 = 10_000.0; "yuan/jurisdiction/month", [0.0, 1e9], Estimate, "District cost of joint management";
    }
);

section!(
    /// Measures 1 and 3: the new fiscal system.
    FiscalReform {
        enabled: bool = false; "flag", [0, 1], Setting, "Switch the lever on";
        start_month: u32 = 6; "month", [0, 600], Setting, "First month the lever acts";
        phase_in_months: u32 = 0; "months", [0, 600], Setting, "Months of linear phase-in";
        retained_tax_share: f64 = 0.7; "share", [0.0, 1.0], Estimate, "Retained share of local tax once phased in (district revenue forgone counts as cost)";
    }
);

section!(
    /// Measure 2: socialised, marketised community services.
    ServiceIndustrialisation {
        enabled: bool = false; "flag", [0, 1], Setting, "Switch the lever on";
        start_month: u32 = 6; "month", [0, 600], Setting, "First month the lever acts";
        phase_in_months: u32 = 12; "months", [0, 600], Setting, "Months of linear phase-in";
        starts_per_10k_month: f64 = 0.15; "enterprises/10k/month", [0.0, 1e3], Estimate, "Service enterprise starts at full policy implementation";
        policy_implementation_rate: f64 = 0.8; "share", [0.0, 1.0], Estimate, "Preferential-policy implementation by vertical agencies once phased in (certification)";
        failure_annual: f64 = 0.25; "1/year", [0.0, 1.0], Estimate, "Annual failure probability of an enterprise without policy support";
        policy_survival_effect: f64 = 0.6; "share", [0.0, 1.0], Estimate, "Failure reduction at full policy implementation";
        jobs_per_enterprise: f64 = 4.0; "jobs", [0.0, 1e4], Estimate, "Jobs in one enterprise, filled from the local unemployed";
        service_hours_per_enterprise_month: f64 = 60.0; "hours/month", [0.0, 1e5], Estimate, "Convenience and care hours an enterprise adds to its committees' capacity";
        fee_income_yuan_month: f64 = 300.0; "yuan/enterprise/month", [0.0, 1e7], Estimate, "Management fee income to the street per enterprise";
        start_subsidy_yuan: f64 = 5_000.0; "yuan/enterprise", [0.0, 1e9], Estimate, "Street start-up subsidy per enterprise";
    }
);

section!(
    /// Measure 3: tax-assistance network and investment attraction.
    TaxBaseCultivation {
        enabled: bool = false; "flag", [0, 1], Setting, "Switch the lever on";
        start_month: u32 = 6; "month", [0, 600], Setting, "First month the lever acts";
        phase_in_months: u32 = 12; "months", [0, 600], Setting, "Months of linear phase-in";
        compliance: f64 = 0.9; "share", [0.0, 1.0], Estimate, "Tax compliance with the tax-assistance network";
        investment_yuan_per_firm_month: f64 = 300.0; "yuan/firm/month", [0.0, 1e7], Estimate, "Street investment-attraction spending per firm, paid only from what is left after mandatory spending";
        entry_lag_months: u32 = 6; "months", [0, 120], Estimate, "Delay before investment attraction raises firm entry";
        network_yuan_per_jurisdiction_month: f64 = 5_000.0; "yuan/jurisdiction/month", [0.0, 1e9], Estimate, "Street cost of the tax-assistance network";
    }
);

section!(
    /// Measure 4: committee cadre pay and insurance (Zhoushan 2002: 300 → 800 yuan).
    RaiseStipends {
        enabled: bool = false; "flag", [0, 1], Setting, "Switch the lever on";
        start_month: u32 = 6; "month", [0, 600], Setting, "First month the lever acts";
        phase_in_months: u32 = 0; "months", [0, 600], Setting, "Months of linear phase-in";
        stipend_yuan_month: f64 = 800.0; "yuan/month", [0.0, 1e6], Firm, "Stipend after the reform (Zhoushan 2002: 800 yuan)";
        insurance_yuan_month: f64 = 150.0; "yuan/cadre/month", [0.0, 1e6], Estimate, "Pension, injury, unemployment and medical insurance per cadre";
        local_college_share: f64 = 0.15; "share", [0.0, 1.0], Estimate, "College share among local recruits once pay attracts better candidates";
    }
);

section!(
    /// Measure 4: offices of at least 30 m², with phones.
    OfficeStandard {
        enabled: bool = false; "flag", [0, 1], Setting, "Switch the lever on";
        start_month: u32 = 6; "month", [0, 600], Setting, "First month the lever acts";
        phase_in_months: u32 = 24; "months", [0, 600], Setting, "Months over which committees are upgraded";
        area_m2: f64 = 30.0; "m²", [1.0, 1000.0], Report, "Office area after upgrade";
        build_cost_yuan_per_m2: f64 = 1_200.0; "yuan/m²", [0.0, 1e7], Estimate, "One-off building cost per added m²";
        phone_install_yuan: f64 = 1_500.0; "yuan/phone", [0.0, 1e7], Estimate, "One-off cost of installing a phone";
        phone_yuan_month: f64 = 60.0; "yuan/phone/month", [0.0, 1e6], Estimate, "Running cost of a new phone";
    }
);

section!(
    /// Measure 4: young graduates, transfers and open recruitment.
    YoungCadres {
        enabled: bool = false; "flag", [0, 1], Setting, "Switch the lever on";
        start_month: u32 = 6; "month", [0, 600], Setting, "First month the lever acts";
        phase_in_months: u32 = 36; "months", [0, 600], Setting, "Months of linear phase-in (report: about 3 years)";
        young_recruit_share: f64 = 0.5; "share", [0.0, 1.0], Estimate, "Share of recruits from graduates, transfers and open recruitment";
        street_leader_staff_boost: f64 = 0.1; "ratio", [0.0, 2.0], Estimate, "Street staff efficiency gain from a young graduate in the leadership";
        extra_pay_yuan_month: f64 = 300.0; "yuan/young cadre/month", [0.0, 1e6], Estimate, "District top-up for graduate cadres (public-institution section-level pay)";
    }
);

section!(
    /// Measure 5: managing retired, laid-off and migrant party members.
    PartyBuilding {
        enabled: bool = false; "flag", [0, 1], Setting, "Switch the lever on";
        start_month: u32 = 6; "month", [0, 600], Setting, "First month the lever acts";
        phase_in_months: u32 = 6; "months", [0, 600], Setting, "Months of linear phase-in";
        link_monthly: f64 = 0.06; "1/month", [0.0, 1.0], Estimate, "Monthly linking probability with registers, liaison stations and branches";
        volunteer_hours_multiplier: f64 = 2.0; "ratio", [0.0, 100.0], Estimate, "Multiplier on managed members' volunteer hours";
        recurring_yuan_per_jurisdiction_month: f64 = 3_000.0; "yuan/jurisdiction/month", [0.0, 1e9], Estimate, "Street cost of liaison stations and branches";
    }
);

section!(
    /// Measure 6: adjust street boundaries.
    Redistricting {
        enabled: bool = false; "flag", [0, 1], Setting, "Switch the lever on";
        start_month: u32 = 12; "month", [0, 600], Setting, "Month the merges take effect";
        phase_in_months: u32 = 0; "months", [0, 0], Setting, "Merges are immediate";
        area_threshold_km2: f64 = 0.5; "km²", [0.0, 1e6], Estimate, "Urban streets smaller than this merge into their neighbour";
        population_threshold: f64 = 10_000.0; "persons", [0.0, 1e9], Estimate, "Urban streets with fewer residents merge into their neighbour";
        one_off_yuan: f64 = 300_000.0; "yuan/merge", [0.0, BIG], Estimate, "District one-off cost per merge";
    }
);

section!(
    /// Problem 5 of the report: bring urban-village committees into the urban model.
    FringeIntegration {
        enabled: bool = false; "flag", [0, 1], Setting, "Switch the lever on";
        start_month: u32 = 6; "month", [0, 600], Setting, "First month the lever acts";
        phase_in_months: u32 = 24; "months", [0, 600], Setting, "Months of linear phase-in";
        information_factor: f64 = 1.0; "ratio", [0.0, 1.0], Estimate, "Information factor of converted committees";
        security_multiplier: f64 = 1.0; "ratio", [0.0, 100.0], Estimate, "Fringe incident multiplier after conversion";
        station_hours_month: f64 = 170.0; "hours/committee/month", [0.0, 1e4], Estimate, "Service hours of the urban-model service station a converted committee gains (one full-time worker) (the street pays its running cost)";
        one_off_yuan_per_committee: f64 = 50_000.0; "yuan/committee", [0.0, 1e9], Estimate, "District one-off cost per converted committee";
    }
);

section!(
    /// Measure 7: leadership, coordination body and target management.
    Coordination {
        enabled: bool = false; "flag", [0, 1], Setting, "Switch the lever on";
        start_month: u32 = 6; "month", [0, 600], Setting, "First month the lever acts";
        phase_in_months: u32 = 12; "months", [0, 600], Setting, "Months of linear phase-in";
        task_multiplier: f64 = 0.8; "ratio", [0.0, 1.0], Estimate, "Multiplier on department task rates (duplicates consolidated)";
        efficiency_multiplier: f64 = 1.05; "ratio", [1.0, 3.0], Estimate, "Multiplier on committee and street staff efficiency (target management)";
        recurring_yuan_per_jurisdiction_month: f64 = 2_000.0; "yuan/jurisdiction/month", [0.0, 1e9], Estimate, "Street cost of the coordination body";
    }
);

/// The twelve levers.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Reforms {
    pub devolve_powers: DevolvePowers,
    pub dual_leadership: DualLeadership,
    pub fiscal_reform: FiscalReform,
    pub service_industrialisation: ServiceIndustrialisation,
    pub tax_base_cultivation: TaxBaseCultivation,
    pub raise_stipends: RaiseStipends,
    pub office_standard: OfficeStandard,
    pub young_cadres: YoungCadres,
    pub party_building: PartyBuilding,
    pub redistricting: Redistricting,
    pub fringe_integration: FringeIntegration,
    pub coordination: Coordination,
}
