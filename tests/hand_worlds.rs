//! Hand-computed worlds (point 1 of issue 21): tiny worlds (one street, one
//! or two committees, a few dozen residents) built through the library API
//! with degenerate parameters, so that every draw is decided (probabilities
//! of 0 or 1) and every number can be counted by hand. Each world's monthly
//! totals and *every* per-replication metric are computed in the comments
//! from the parameters and compared with the model's.
//!
//! Comparison rule: every expected value is compared bit for bit (`Eq`,
//! `==` on the f64). The parameters are chosen so that the model's arithmetic
//! is exact (integers and dyadic fractions such as 0.625 or 0.421875, also in
//! the f32 satisfaction), or ends in one correctly rounded operation on
//! exact operands (e.g. 100 / 110, a ratio of two exact sums), which the
//! test writes as that single division of the hand-counted numerator and
//! denominator, not with the model's formula. No tolerance was needed, so
//! none is used.
//!
//! The worlds are built with `init::build` (no spin-up: `spinup_months = 0`)
//! and then every state variable the month reads is set by hand: residents
//! (age in months, flags, satisfaction), cadres, cash, arrears, firms,
//! enterprises, open issues, informal intensity and the task backlog. Then
//! `schedule::run_horizon` runs them, so the outcome window (flows summed,
//! stocks at the window's end, averages over its months) is the model's own.
//!
//! Draws. A need with probability 1 uses a 16-bit threshold of 65,536 and
//! always arises; probability 0 never does. Death at `max_age_years`, a
//! hazard of 1 (cadre quits, migrant departure, job finding) and a
//! binomial with p = 1 use the u32 threshold `u32::MAX` or `unit < 1`, which
//! fail with probability at most 2^-32 per draw; the seeds are fixed, so the
//! tests are reproducible either way. Births, arrivals, firm entries, task
//! counts, new enforcement issues and incidents are Poisson: their rates are
//! 0 here except in `births_are_poisson_and_join_at_age_zero`, which checks
//! the one quantity that stays random against its expectation.

use shequ::model::init;
use shequ::model::jurisdictions::{JurisdictionSpec, Kind};
use shequ::model::metrics::{self, Totals, METRICS, N_METRICS};
use shequ::model::params::Params;
use shequ::model::population::AgeClasses;
use shequ::model::residents;
use shequ::model::schedule::{self, Replication};
use shequ::model::state::{flag, Cadre, Education, Persons, World};

const SEED: u64 = 21;

/// Expected value of one metric.
#[derive(Debug, Clone, Copy)]
enum X {
    /// Bit-for-bit equal (exact arithmetic, or one rounding reproduced).
    Eq(f64),
}
use X::Eq;

/// Checks every metric of `v` against `expected`, which must name each
/// metric of `METRICS` exactly once.
fn check_all(world: &str, v: &[f64; N_METRICS], expected: &[(&str, X)]) {
    for m in METRICS {
        let n = expected.iter().filter(|(name, _)| *name == m.name).count();
        assert_eq!(n, 1, "{world}: metric {} listed {n} times in the hand table", m.name);
    }
    assert_eq!(expected.len(), N_METRICS, "{world}: hand table names unknown metrics");
    let mut bad = Vec::new();
    for (i, m) in METRICS.iter().enumerate() {
        let (_, x) = expected.iter().find(|(name, _)| *name == m.name).unwrap();
        let got = v[i];
        let Eq(e) = *x;
        let ok = got == e;
        if !ok {
            bad.push(format!("{}: model {got:?}, hand {x:?}", m.name));
        }
    }
    assert!(
        bad.is_empty(),
        "{world}: {} metrics differ from the hand count:\n  {}",
        bad.len(),
        bad.join("\n  ")
    );
}

fn spec(name: &str, population: u32, committees: u32) -> JurisdictionSpec {
    JurisdictionSpec {
        name: name.into(),
        kind: Kind::Urban,
        area_km2: 1.0,
        population,
        committees,
        firms_per_10k: 0.0,
        authority: None,
        coordination: None,
        merge_into: None,
        provenance: "hand".into(),
    }
}

/// Parameters under which nothing happens unless a world switches it on:
/// no tasks, no money flows, no demography, no labour or party flows, no
/// issues or incidents, no quits or recruitment, no prices growth; sharp
/// satisfaction parameters (dyadic fractions).
fn quiet(months: u32, window: u32) -> Params {
    let mut p = Params::default();
    let s = &mut p.simulation;
    s.months = months;
    s.outcome_window_months = window;
    s.spinup_months = 0;
    s.population_scale = 1.0;
    p.world.committee_size_spread = 0.0;
    p.district.departments = 0;
    p.district.city_allocation_yuan_per_capita_month = 0.0;
    p.district.reserve_months = 1.0;
    p.district.reserve_adjustment_months = 2.0;
    p.district.department_floor_share = 0.75;
    let d = &mut p.demography;
    d.birth_rate_annual = 0.0;
    d.mortality_gompertz_a = 0.0;
    let l = &mut p.labour;
    l.layoff_annual = 0.0;
    l.job_finding_annual = 0.0;
    l.low_income_on_layoff = 0.0;
    l.low_income_exit_on_reemployment = 0.0;
    let m = &mut p.migration;
    m.departure_annual = 0.0;
    m.arrivals_per_capita_annual_urban = 0.0;
    m.arrivals_per_capita_annual_fringe = 0.0;
    let pa = &mut p.party;
    pa.link_monthly = 0.0;
    pa.join_annual = 0.0;
    pa.delink_on_layoff = 0.0;
    pa.volunteer_hours_per_managed_month = 0.0;
    let c = &mut p.committees;
    c.volunteer_organisations = 0.0;
    c.morale_efficiency_floor = 1.0;
    c.efficiency_low_education = 1.0;
    c.efficiency_secondary_education = 1.0;
    c.efficiency_college_education = 1.0;
    c.operating_fund_yuan_month = 0.0;
    c.operating_need_yuan_per_1k_month = 0.0;
    c.informal_yield_per_capita_month = 0.0;
    let k = &mut p.cadres;
    k.stipend_yuan_month = 0.0;
    k.outside_wage_yuan_month = 1000.0;
    k.pay_elasticity = 0.0;
    k.quit_annual_local = 0.0;
    k.quit_annual_young = 0.0;
    k.vacancy_fill_monthly = 0.0;
    k.morale_base = 0.75;
    k.morale_pay_weight = 0.0;
    k.morale_load_weight = 0.0;
    k.morale_arrears_weight = 0.0;
    k.morale_smoothing = 0.5;
    let sv = &mut p.services;
    sv.elderly_care_need_monthly = 0.0;
    sv.entitled_need_monthly = 0.0;
    sv.low_income_need_monthly = 0.0;
    sv.low_income_need_monthly_enrolled = 0.0;
    sv.reemployment_need_monthly = 0.0;
    sv.registration_need_monthly = 0.0;
    sv.mediation_need_monthly = 0.0;
    let f = &mut p.finance;
    f.growth_annual = 0.0;
    f.transfer_base_yuan_month = 0.0;
    f.transfer_per_capita_month = 0.0;
    f.staff_fixed = 0.0;
    f.staff_per_10k = 0.0;
    f.public_services_yuan_per_capita_month = 0.0;
    f.service_centre_cost_month = 0.0;
    f.service_station_cost_month = 0.0;
    f.informal_yield_per_capita_month = 0.0;
    f.reserve_months = 0.25;
    f.community_building_rate = 0.5;
    f.informal_adjustment = 0.5;
    f.informal_sensitivity = 1.0;
    f.arrears_writeoff_monthly = 0.5;
    let fi = &mut p.firms;
    fi.exit_annual = 0.0;
    let e = &mut p.enforcement;
    e.sanitation_per_10k_month = 0.0;
    e.construction_per_10k_month = 0.0;
    e.road_trade_per_10k_month = 0.0;
    p.security.incidents_per_10k_month = 0.0;
    p.reforms.service_industrialisation.failure_annual = 0.0;
    let sa = &mut p.satisfaction;
    sa.initial = 0.5;
    sa.smoothing = 0.5;
    sa.base_quality = 0.5;
    sa.gain_need_met = 0.25;
    sa.loss_need_unmet = 0.125;
    sa.loss_per_open_issue_per_10k = 0.0;
    sa.loss_committee_fees = 0.0;
    sa.loss_informal_fees = 0.0;
    sa.loss_per_incident_per_10k = 0.0;
    p
}

/// Builds month 0 with `init::build` and clears every state variable a
/// world sets by hand; committees get no residents and no cadres yet.
fn blank(p: &Params, specs: &[JurisdictionSpec]) -> World {
    blank_seeded(p, specs, SEED)
}

/// `blank` with the random streams of replication seed `seed`.
fn blank_seeded(p: &Params, specs: &[JurisdictionSpec], seed: u64) -> World {
    let mut w = init::build(p, specs, seed);
    w.district.cash = 0.0;
    for j in &mut w.jurisdictions {
        j.cash = 0.0;
        j.arrears = 0.0;
        j.arrears_months = 0.0;
        j.informal = 0.0;
        j.firms = 0;
        j.entry_per_10k = 0.0;
        j.enterprises = 0;
        j.open_issues = [0; 3];
        j.incidents = 0;
    }
    for c in &mut w.committees {
        c.persons = Persons::new(p.satisfaction.initial);
        c.cadres = Vec::new();
        c.informal = 0.0;
        c.backlog_hours = 0.0;
        c.office_area_m2 = p.committees.office_standard_m2;
        c.phone = true;
    }
    w
}

/// Adds `n` residents aged `years` years and `months` months with `flags`
/// and satisfaction `sat` to committee `c`.
fn add(w: &mut World, c: usize, n: usize, age_months: u16, flags: u16, sat: f32) {
    let (now, ages) = (w.elapsed_months, AGES);
    for _ in 0..n {
        w.committees[c]
            .persons
            .add(age_months, flags, f64::from(sat), now, ages);
    }
}

/// The default age classes (adults from 18, elderly from 60).
const AGES: AgeClasses = AgeClasses {
    adult: 18 * 12,
    elderly: 60 * 12,
};

/// Ages in months of a committee's residents in the world's current month.
fn ages_of(w: &World, c: usize) -> Vec<u16> {
    let persons = &w.committees[c].persons;
    (0..persons.len()).map(|i| persons.age(i, w.elapsed_months)).collect()
}

/// Recounts every committee's residents (the counts month 1 plans from).
fn recount(w: &mut World, p: &Params) {
    let ages = residents::age_classes(p);
    for c in &mut w.committees {
        c.counts = residents::count(&c.persons, w.elapsed_months, ages);
    }
}

fn cadre(age_months: u16, education: Education, tenure_months: u16, morale: f64) -> Cadre {
    Cadre {
        filled: true,
        age_months,
        education,
        young: false,
        tenure_months,
        morale,
    }
}

fn vacant() -> Cadre {
    Cadre {
        filled: false,
        ..cadre(0, Education::Low, 0, 0.0)
    }
}

fn run(w: World, p: &Params) -> Replication {
    schedule::run_horizon(w, p)
}

fn v(t: &Totals) -> [f64; N_METRICS] {
    metrics::values(t)
}

const Y: u16 = 12;

// ---------------------------------------------------------------------------
// World 1: needs and service by priority class, admin first, satisfaction.
// ---------------------------------------------------------------------------

/// One street, two committees, one month (window 1).
///
/// Committee A (20 residents; ages grow by a month in the pass):
///   E  4 elderly, 70 y                         care
///   EE 2 elderly, 70 y, entitled              care + entitled welfare
///   L  2 low income, 30 y, out of labour force welfare (applicants)
///   LB 1 low income on the benefit, 40 y       welfare (re-certification)
///   U  3 unemployed, 30 y                      re-employment help
///   M  2 unregistered migrants, employed, 25 y registration
///   R  1 registered migrant, employed, 25 y    —
///   W  3 employed, 40 y: 2 managed party members, 1 unmanaged
///   C  2 children, 5 y
/// Committee B (5 residents): BE 2 elderly (65 y), BL 1 low-income applicant
/// (30 y), BM 1 unregistered migrant (employed, 25 y), BU 1 unemployed
/// (30 y). Its two posts are vacant and it has no party members: no capacity.
/// Every need kind has probability 1, and every resident needs mediation.
///
/// Capacity of A: 2 cadres × 55 h × efficiency 1 × morale factor 1 (floor 1)
/// × office 1 = 110 cadre hours; 2 managed members × 4 h = 8 party hours;
/// capacity 118. Backlog 100 h (set by hand, no new tasks): admin first,
/// by the cadres only (party hours may not do admin): admin 100, cadres'
/// admin share 100 / 110. Left 18.
/// Demand (month-0 counts): welfare (2 applicants + 1 enrolled) × 1.5 h +
/// 2 entitled × 1 h = 6.5 → served 1, left 11.5; care 6 × 1 h = 6 → 1, left
/// 5.5; class 2: 3 unemployed × 1.5 + 2 unregistered × 0.5 = 5.5 → 5.5 / 5.5
/// = 1, left 0; mediation 20 × 2 h = 40 → 0 / 40 = 0. Spare 0.
/// B: capacity 0, every class 0 / demand = 0.
/// One security incident is left from month 0: residents lose 2^-12 × 1 ×
/// 10,000 / 25 = 0.09765625 of quality to it.
fn world1() -> (Params, World) {
    let mut p = quiet(1, 1);
    let sv = &mut p.services;
    sv.elderly_care_need_monthly = 1.0;
    sv.elderly_care_hours = 1.0;
    sv.entitled_need_monthly = 1.0;
    sv.entitled_hours = 1.0;
    sv.low_income_need_monthly = 1.0;
    sv.low_income_need_monthly_enrolled = 1.0;
    sv.low_income_hours = 1.5;
    sv.reemployment_need_monthly = 1.0;
    sv.reemployment_hours = 1.5;
    sv.registration_need_monthly = 1.0;
    sv.registration_hours = 0.5;
    sv.mediation_need_monthly = 1.0;
    sv.mediation_hours = 2.0;
    p.committees.cadre_hours_month = 55.0;
    p.party.volunteer_hours_per_managed_month = 4.0;
    p.labour.job_finding_annual = 1.0;
    p.satisfaction.loss_per_incident_per_10k = 1.0 / 4096.0;
    // Money: stipends only, 1,000 yuan a filled post; a 3,000-yuan transfer.
    p.cadres.stipend_yuan_month = 1000.0;
    p.finance.transfer_base_yuan_month = 3000.0;
    p.district.city_allocation_yuan_per_capita_month = 200.0;
    let mut w = blank(&p, &[spec("one", 25, 2)]);
    use flag::*;
    let (a, b) = (0, 1);
    add(&mut w, a, 4, 70 * Y, 0, 0.5);
    add(&mut w, a, 2, 70 * Y, ENTITLED, 0.5);
    add(&mut w, a, 2, 30 * Y, LOW_INCOME, 0.5);
    add(&mut w, a, 1, 40 * Y, LOW_INCOME | BENEFIT, 0.5);
    add(&mut w, a, 3, 30 * Y, UNEMPLOYED, 0.5);
    add(&mut w, a, 2, 25 * Y, MIGRANT | EMPLOYED, 0.5);
    add(&mut w, a, 1, 25 * Y, MIGRANT | REGISTERED | EMPLOYED, 0.5);
    add(&mut w, a, 2, 40 * Y, EMPLOYED | PARTY | MANAGED, 0.5);
    add(&mut w, a, 1, 40 * Y, EMPLOYED | PARTY, 0.5);
    add(&mut w, a, 2, 5 * Y, 0, 0.5);
    add(&mut w, b, 2, 65 * Y, 0, 0.5);
    add(&mut w, b, 1, 30 * Y, LOW_INCOME, 0.5);
    add(&mut w, b, 1, 25 * Y, MIGRANT | EMPLOYED, 0.5);
    add(&mut w, b, 1, 30 * Y, UNEMPLOYED, 0.5);
    recount(&mut w, &p);
    w.committees[a].cadres = vec![
        cadre(45 * Y, Education::Secondary, 100, 0.5),
        cadre(50 * Y, Education::Secondary, 100, 0.5),
    ];
    w.committees[b].cadres = vec![vacant(), vacant()];
    w.committees[a].backlog_hours = 100.0;
    w.jurisdictions[0].incidents = 1;
    w.district.cash = 6000.0;
    (p, w)
}

#[test]
fn world1_services_by_priority_admin_first_and_satisfaction() {
    let (p, w) = world1();
    let r = run(w, &p);
    let t = &r.monthly[0];
    // Monthly totals. Needs by kind (arising / served):
    // care A 6 + B 2 = 8 / 6; welfare A (L 2, LB 1, EE 2) + BL = 6 / 5;
    // re-employment A 3 + BU = 4 / 3; registration A 2 + BM = 3 / 2;
    // mediation 20 + 5 = 25 / 0.
    assert_eq!(t.need, [8, 6, 4, 3, 25]);
    assert_eq!(t.served, [6, 5, 3, 2, 0]);
    assert_eq!((t.persons, t.adults, t.elderly), (25, 23, 8));
    assert_eq!((t.cadre_hours, t.admin_by_cadres, t.spare_hours), (110.0, 100.0, 0.0));
    // Unmet hours: care 2 × 1; welfare BL 1 × 1.5 (no entitled resident
    // unserved); re-employment BU 1 × 1.5; registration BM 1 × 0.5;
    // mediation 25 × 2 = 50. Total 55.5.
    assert_eq!(t.unmet_hours, [2.0, 1.5, 1.5, 0.5, 50.0]);
    // Satisfaction, s' = s + 0.5 (q − s) from s = 0.5, with q = q0 + 0.25 ×
    // met − 0.125 × unmet and q0 = 0.5 − 0.09765625 (the incident) =
    // 0.40234375; every resident has one unmet mediation need:
    //   E 4, L 2, LB 1, U 3, M 2 (12): met 1 → q 0.52734375, s' 0.513671875
    //   EE 2: met 2 → q 0.77734375, s' 0.638671875
    //   R 1, W 3 (4): met 0 → q 0.27734375, s' 0.388671875
    //   B (5 adults): 2 unmet → q 0.15234375, s' 0.326171875
    //   (the 2 children are not adults)
    // Adults 18 + 5 = 23. Σs = 12 × 0.513671875 + 2 × 0.638671875 + 4 ×
    // 0.388671875 + 5 × 0.326171875 = 6.1640625 + 1.27734375 + 1.5546875 +
    // 1.630859375 = 10.626953125. Σq = 6.328125 + 1.5546875 + 1.109375 +
    // 0.76171875 = 9.75390625.
    // Adults' needs met 4 + 4 + 2 + 1 + 3 + 2 = 16 → gain 0.25 × 16 = 4;
    // unmet 18 + 5 × 2 = 28 → loss 0.125 × 28 = 3.5; incidents 23 × 0.09765625.
    assert_eq!(t.group_satisfaction[0], 10.626953125);
    assert_eq!((t.quality, t.gain_met, t.loss_unmet), (9.75390625, 4.0, 3.5));
    assert_eq!(t.loss_incidents, 23.0 * 0.09765625);

    // Money. Mandatory: 2 filled posts × 1,000 = 2,000 (everything else 0).
    // Available 0 + 3,000 → paid share 1; left 1,000; community building
    // 0.5 × (1,000 − 0.25 × 2,000) = 250; cash 3,000 − 2,000 − 250 = 750.
    // District: city allocation 200 × 25 = 5,000 = revenue (no tax);
    // reserve 1 × 5,000; departments' no-reform spending 5,000 − 3,000 +
    // (6,000 − 5,000) / 2 = 2,500 (no reform burden; the floor 0.75 × 2,500
    // is below it); cash 6,000 + 5,000 − 3,000 − 2,500 = 5,500.
    let e = [
        ("satisfaction_mean", Eq(10.626953125 / 23.0)),
        ("elderly_service_coverage", Eq(6.0 / 8.0)),
        // 4 unemployed at the start; all found work (U helped, BU unaided:
        // the job-finding hazard is 1).
        ("reemployment_rate", Eq(1.0)),
        // End of month: employed M 2 + R 1 + W 3 + U 3 + BM + BU = 11.
        ("unemployment_rate", Eq(0.0)),
        // Migrants 4, registered R + the 2 served = 3 (BM was not served).
        ("migrant_registration_rate", Eq(0.75)),
        ("welfare_coverage", Eq(5.0 / 6.0)),
        // No issues open: the empty ratio is 1.
        ("enforcement_resolution_rate", Eq(1.0)),
        ("open_issues_per_10k", Eq(0.0)),
        ("informal_intensity", Eq(0.0)),
        ("committee_admin_share", Eq(100.0 / 110.0)),
        ("cadre_turnover_rate", Eq(0.0)),
        // 2 of 4 posts vacant.
        ("vacancy_rate", Eq(0.5)),
        ("street_cash_balance", Eq(750.0)),
        ("tax_revenue", Eq(0.0)),
        ("service_jobs", Eq(0.0)),
        // 2 managed of 3 members.
        ("party_managed_share", Eq(2.0 / 3.0)),
        // The month's own incidents: Poisson(0) = 0 (the old one only hurt).
        ("security_incidents_per_10k", Eq(0.0)),
        ("reform_cost_gross", Eq(0.0)),
        // Needs 8 + 6 + 4 + 3 + 25 = 46, served 6 + 5 + 3 + 2 = 16.
        ("needs_met_share", Eq(16.0 / 46.0)),
        ("informal_revenue", Eq(0.0)),
        ("shortfall_population_share", Eq(0.0)),
        // Both filled posts are secondary-educated.
        ("cadre_college_share", Eq(0.0)),
        ("elderly_share", Eq(8.0 / 25.0)),
        ("population", Eq(25.0)),
        ("district_cash", Eq(5500.0)),
        ("fiscal_cost_district", Eq(0.0)),
        ("fiscal_cost_streets", Eq(0.0)),
        ("transfers_district_to_streets", Eq(0.0)),
        ("public_revenue", Eq(0.0)),
        // Unmet hours per 1,000 of 25 residents: 55.5 → 2,220; care 80,
        // welfare 60, re-employment 60, registration 20, mediation 2,000.
        ("unmet_need_hours_per_1k", Eq(2220.0)),
        ("unmet_care_hours_per_1k", Eq(80.0)),
        ("unmet_welfare_hours_per_1k", Eq(60.0)),
        ("unmet_reemployment_hours_per_1k", Eq(60.0)),
        ("unmet_registration_hours_per_1k", Eq(20.0)),
        ("unmet_mediation_hours_per_1k", Eq(2000.0)),
        ("spare_committee_hours_per_1k", Eq(0.0)),
        // Low income: A's L 2 + LB + BL = 4; on the benefit: the 2 served
        // applicants + LB = 3.
        ("benefit_receipt_rate", Eq(0.75)),
        // 3 unregistered at the start, 2 registered.
        ("registration_flow_rate", Eq(2.0 / 3.0)),
        ("satisfaction_gain_needs_met", Eq(4.0 / 23.0)),
        ("satisfaction_loss_needs_unmet", Eq(3.5 / 23.0)),
        ("satisfaction_loss_open_issues", Eq(0.0)),
        ("satisfaction_loss_informal_fees", Eq(0.0)),
        ("satisfaction_loss_incidents", Eq(0.09765625)),
        ("experienced_quality", Eq(9.75390625 / 23.0)),
        ("streets_with_informal_share", Eq(0.0)),
        ("committees_with_informal_share", Eq(0.0)),
        ("committee_informal_intensity", Eq(0.0)),
        ("stipend_arrears_months", Eq(0.0)),
        // Morale 0.5 → 0.5 + 0.5 (0.75 − 0.5) = 0.625 for both cadres.
        ("cadre_morale", Eq(0.625)),
        ("street_reserve_months", Eq(750.0 / 2000.0)),
        ("district_reserve_months", Eq(5500.0 / 5000.0)),
        ("district_department_spending", Eq(2500.0)),
        ("district_debt", Eq(0.0)),
    ];
    check_all("world 1", &v(&r.window), &e);
    // A one-month window is that month, and one street is the district.
    check_all("world 1, month 1", &v(t), &e);
}

#[test]
fn world1_state_after_the_month() {
    let (p, mut w) = world1();
    schedule::step(&mut w, &p);
    let a = &w.committees[0];
    let count = |f: &dyn Fn(u16) -> bool| a.persons.res.iter().filter(|r| f(r.flags)).count();
    // Served welfare enrols both applicants; LB stays enrolled.
    assert_eq!(count(&|x| x & flag::BENEFIT != 0), 3);
    // Served registration registers both migrants.
    assert_eq!(count(&|x| x & flag::MIGRANT != 0 && x & flag::REGISTERED != 0), 3);
    assert_eq!(count(&|x| x & flag::LABOUR_MASK == flag::UNEMPLOYED), 0);
    // Everyone aged by one month; the backlog was done (100 ≤ 110 h).
    assert!(ages_of(&w, 0).iter().all(|&m| m % 12 == 1));
    assert_eq!(a.backlog_hours, 0.0);
    assert_eq!(a.plan.served, [1.0, 1.0, 1.0, 0.0]);
    assert_eq!(a.plan.demand, [6.5, 6.0, 5.5, 40.0]);
    assert_eq!((a.plan.capacity, a.plan.admin_done), (118.0, 100.0));
    assert_eq!(w.committees[1].plan.served, [0.0; 4]);
    // Committee B planned from its counts: welfare 1 × 1.5, care 2 × 1,
    // class 2 1 × 1.5 + 1 × 0.5, mediation 5 × 2.
    assert_eq!(w.committees[1].plan.demand, [1.5, 2.0, 2.0, 10.0]);
}

/// Admin first, the other way round: a backlog larger than the cadres'
/// hours takes all of them, none of the party hours, and the rest of the
/// backlog stays (under the cap of 3 months of admin-capable hours).
#[test]
fn a_backlog_beyond_the_cadres_hours_takes_them_all_and_keeps_the_rest() {
    let (p, mut w) = world1();
    w.committees[0].backlog_hours = 150.0;
    let t = &schedule::step(&mut w, &p)[0];
    let a = &w.committees[0];
    // Admin 110 (all cadre hours), left 118 − 110 = 8 party hours: welfare
    // 6.5 → 1, left 1.5; care 1.5 / 6 = 0.25, left 0; classes 2-3 get 0.
    assert_eq!((a.plan.admin_done, a.plan.admin_by_cadres), (110.0, 110.0));
    assert_eq!(a.plan.served, [1.0, 0.25, 0.0, 0.0]);
    // 150 − 110 = 40 stays, below the cap 3 × 110.
    assert_eq!(a.backlog_hours, 40.0);
    assert_eq!(v(t)[idx("committee_admin_share")], 1.0);
}

fn idx(name: &str) -> usize {
    METRICS.iter().position(|m| m.name == name).unwrap()
}

/// Checks the named metrics of one month (a partial table).
fn check_some(what: &str, v: &[f64; N_METRICS], expected: &[(&str, X)]) {
    for (name, x) in expected {
        let got = v[idx(name)];
        let Eq(e) = *x;
        let ok = got == e;
        assert!(ok, "{what}: {name}: model {got:?}, hand {x:?}");
    }
}

// ---------------------------------------------------------------------------
// World 2: street finance with a shortfall, informal intensity, arrears,
// district borrowing and the outcome window (3 months, window = months 2-3).
// ---------------------------------------------------------------------------

/// One street of 10 residents in two committees: A 8 employed adults (40 y)
/// with 2 cadres (one college-, one secondary-educated, morale 0.5), B one
/// employed and one unemployed adult, no posts. No needs arise.
///
/// Month 0 state: street cash 250, stipend arrears 1,000, informal
/// intensity 0, 2 firms, 2 service enterprises, open issues 2 + 1 + 1 = 4
/// (authority 0: none is ever resolved), 2 incidents from month 0.
///
/// Mandatory spending each month: staff 1 × 1,000 + stipends 2 × 1,000 +
/// operating funds 2 × 250 + public services 50 × 10 = 4,000.
/// Revenue: transfer 1,000 + retained tax (2 firms × 1,000 × compliance 0.5
/// = 1,000 collected, half kept) 500 + enterprise fees 2 × 125 = 250 +
/// informal I × 100 × 10 residents.
///   month 1: I = 0: available 250 + 1,750 = 2,000 → paid 0.5, cash 0;
///            shortfall 0.5 → target 1 × 0.5, I = 0 + 0.5 (0.5 − 0) = 0.25.
///   month 2: 1,750 + 250 = 2,000 → paid 0.5; I = 0.25 + 0.5 (0.5 − 0.25) = 0.375.
///   month 3: 1,750 + 375 = 2,125 → paid 2,125 / 4,000 = 0.53125;
///            I = 0.375 + 0.5 (0.46875 − 0.375) = 0.421875.
/// Arrears (write-off 0.5): 1,000 × 0.5 + 2,000 × 0.5 = 1,500 → 0.75 months
/// of the 2,000 bill; 1,500 × 0.5 + 1,000 = 1,750 → 0.875; 875 + 2,000 ×
/// 0.46875 = 1,812.5 → 0.90625. Nothing is left to repay them.
/// Committee A: operating need 31,250 / 1,000 × 8 = 250, receives 250 ×
/// paid = 125, 125, 132.8125: shortfall 0.5, 0.5, 0.46875, and its
/// intensity moves 0 → 0.25 → 0.375 → 0.421875; its fees (yield 2 per
/// resident at intensity 1, at the month's starting intensity) 0, 4, 6.
/// Committee B: need 62.5 < 125 received, no shortfall, intensity 0.
/// District: revenue is its tax share 500 a month; transfers 1,000; the
/// no-reform spending 500 − 1,000 + (cash − 500) / 2 < 0, so departments
/// spend 0 and cash falls by 500 a month: −500, −1,000, −1,500.
fn world2() -> (Params, World) {
    let mut p = quiet(3, 2);
    let f = &mut p.finance;
    f.transfer_base_yuan_month = 1000.0;
    f.staff_fixed = 1.0;
    f.staff_salary_yuan_month = 1000.0;
    f.public_services_yuan_per_capita_month = 50.0;
    f.informal_yield_per_capita_month = 100.0;
    f.retained_tax_share = 0.5;
    let c = &mut p.committees;
    c.operating_fund_yuan_month = 250.0;
    c.operating_need_yuan_per_1k_month = 31_250.0;
    c.informal_sensitivity = 1.0;
    c.informal_yield_per_capita_month = 2.0;
    c.cadre_hours_month = 50.0;
    p.cadres.stipend_yuan_month = 1000.0;
    p.cadres.morale_arrears_weight = 0.25;
    p.firms.tax_per_firm_month = 1000.0;
    p.firms.compliance = 0.5;
    let si = &mut p.reforms.service_industrialisation;
    si.fee_income_yuan_month = 125.0;
    si.jobs_per_enterprise = 4.0;
    si.service_hours_per_enterprise_month = 30.0;
    let sa = &mut p.satisfaction;
    sa.loss_per_open_issue_per_10k = 1.0 / 65_536.0;
    sa.loss_informal_fees = 0.25;
    sa.loss_committee_fees = 0.5;
    sa.loss_per_incident_per_10k = 1.0 / 16_384.0;
    let mut s = spec("short", 10, 2);
    s.authority = Some(0.0);
    let mut w = blank(&p, &[s]);
    add(&mut w, 0, 8, 40 * Y, flag::EMPLOYED, 0.5);
    add(&mut w, 1, 1, 40 * Y, flag::EMPLOYED, 0.5);
    add(&mut w, 1, 1, 40 * Y, flag::UNEMPLOYED, 0.5);
    recount(&mut w, &p);
    w.committees[0].cadres = vec![
        cadre(45 * Y, Education::College, 100, 0.5),
        cadre(45 * Y, Education::Secondary, 100, 0.5),
    ];
    let j = &mut w.jurisdictions[0];
    j.cash = 250.0;
    j.arrears = 1000.0;
    j.firms = 2;
    j.enterprises = 2;
    j.open_issues = [2, 1, 1];
    j.incidents = 2;
    (p, w)
}

#[test]
fn world2_shortfall_informal_revenue_arrears_and_the_outcome_window() {
    let (p, w) = world2();
    let r = run(w, &p);
    // Satisfaction (no needs): q = 0.5 − issues 2^-16 × 4 × 1,000 (=
    // 0.06103515625) − street fees 0.25 × I − committee fees 0.5 × I_c −
    // incidents 2^-14 × 2 × 1,000 (= 0.1220703125, month 1 only), with the
    // intensities after the month's update (finance runs before residents):
    //   month 1: B 0.5 − 0.06103515625 − 0.0625 − 0.1220703125 = 0.25439453125,
    //            A also − 0.5 × 0.25 = 0.12939453125
    //   month 2: B 0.5 − 0.06103515625 − 0.09375 = 0.34521484375,
    //            A − 0.1875 = 0.15771484375
    //   month 3: B 0.5 − 0.06103515625 − 0.10546875 = 0.33349609375,
    //            A − 0.2109375 = 0.12255859375
    // s' = (s + q) / 2 from 0.5: A 0.314697265625, 0.2362060546875,
    // 0.17938232421875; B 0.377197265625, 0.3612060546875, 0.34735107421875.
    // Window (months 2-3, 10 adults each): Σs = 8 (0.2362060546875 +
    // 0.17938232421875) + 2 (0.3612060546875 + 0.34735107421875) =
    // 3.32470703125 + 1.4171142578125 = 4.7418212890625; Σq = 8 (0.15771484375
    // + 0.12255859375) + 2 (0.34521484375 + 0.33349609375) = 2.2421875 +
    // 1.357421875 = 3.599609375.
    // Fee losses: A 8 × (0.09375 + 0.1875) + 8 × (0.10546875 + 0.2109375) =
    // 2.25 + 2.53125; B 2 × 0.09375 + 2 × 0.10546875 = 0.3984375; Σ 5.1796875.
    let e = [
        ("satisfaction_mean", Eq(4.7418212890625 / 20.0)),
        ("elderly_service_coverage", Eq(1.0)),
        // Unemployed at the start 1 + 1, none found work (hazard 0).
        ("reemployment_rate", Eq(0.0)),
        // 1 unemployed of 10 in the labour force, both months: 2 / 20.
        ("unemployment_rate", Eq(0.1)),
        ("migrant_registration_rate", Eq(1.0)),
        ("welfare_coverage", Eq(1.0)),
        // 4 open in each month, none resolved.
        ("enforcement_resolution_rate", Eq(0.0)),
        // (4 + 4) × 10,000 / (10 + 10).
        ("open_issues_per_10k", Eq(4000.0)),
        // (0.375 × 10 + 0.421875 × 10) / (10 + 10): the window's months only.
        ("informal_intensity", Eq(0.3984375)),
        ("committee_admin_share", Eq(0.0)),
        ("cadre_turnover_rate", Eq(0.0)),
        ("vacancy_rate", Eq(0.0)),
        // A stock: the cash at the end of month 3.
        ("street_cash_balance", Eq(0.0)),
        // A flow per month: (1,000 + 1,000) / 2.
        ("tax_revenue", Eq(1000.0)),
        // 2 enterprises × 4 jobs, averaged over the window's months.
        ("service_jobs", Eq(8.0)),
        ("party_managed_share", Eq(1.0)),
        ("security_incidents_per_10k", Eq(0.0)),
        ("reform_cost_gross", Eq(0.0)),
        ("needs_met_share", Eq(1.0)),
        // Streets 250 + 375, committees 4 + 6, over 2 months.
        ("informal_revenue", Eq(317.5)),
        // The street fell short in both months.
        ("shortfall_population_share", Eq(1.0)),
        // One college-educated of 2 filled posts, both months: 2 / 4.
        ("cadre_college_share", Eq(0.5)),
        ("elderly_share", Eq(0.0)),
        ("population", Eq(10.0)),
        // A stock at the window's end.
        ("district_cash", Eq(-1500.0)),
        ("fiscal_cost_district", Eq(0.0)),
        ("fiscal_cost_streets", Eq(0.0)),
        ("transfers_district_to_streets", Eq(0.0)),
        // Cumulative over the horizon (months 1-3), not the window:
        // 3 × (1,000 tax + 250 fees).
        ("public_revenue", Eq(3750.0)),
        ("unmet_need_hours_per_1k", Eq(0.0)),
        ("unmet_care_hours_per_1k", Eq(0.0)),
        ("unmet_welfare_hours_per_1k", Eq(0.0)),
        ("unmet_reemployment_hours_per_1k", Eq(0.0)),
        ("unmet_registration_hours_per_1k", Eq(0.0)),
        ("unmet_mediation_hours_per_1k", Eq(0.0)),
        // Spare: A's cadres 100 h + enterprises 60 × 8/10 = 48; B's 60 × 2/10
        // = 12: 160 a month, 320 over 20 resident-months → 16,000 per 1,000.
        ("spare_committee_hours_per_1k", Eq(16_000.0)),
        ("benefit_receipt_rate", Eq(1.0)),
        ("registration_flow_rate", Eq(0.0)),
        ("satisfaction_gain_needs_met", Eq(0.0)),
        ("satisfaction_loss_needs_unmet", Eq(0.0)),
        ("satisfaction_loss_open_issues", Eq(0.06103515625)),
        ("satisfaction_loss_informal_fees", Eq(5.1796875 / 20.0)),
        // The month-0 incidents hurt in month 1 only, outside the window.
        ("satisfaction_loss_incidents", Eq(0.0)),
        ("experienced_quality", Eq(3.599609375 / 20.0)),
        ("streets_with_informal_share", Eq(1.0)),
        // A above the 0.01 threshold, B at 0, both months: 2 / 4.
        ("committees_with_informal_share", Eq(0.5)),
        // (0.375 × 8 + 0.421875 × 8) / (10 + 10).
        ("committee_informal_intensity", Eq(6.375 / 20.0)),
        // (0.875 × 2 posts + 0.90625 × 2) / 4 posts.
        ("stipend_arrears_months", Eq(0.890625)),
        // Morale target 0.75 − 0.25 × arrears months: 0.5625, 0.53125,
        // 0.5234375; morale 0.5 → 0.53125 → 0.53125 → 0.52734375.
        // (2 × 0.53125 + 2 × 0.52734375) / 4.
        ("cadre_morale", Eq(0.529296875)),
        ("street_reserve_months", Eq(0.0)),
        ("district_reserve_months", Eq(-1500.0 / 500.0)),
        ("district_department_spending", Eq(0.0)),
        ("district_debt", Eq(1500.0)),
    ];
    check_all("world 2", &v(&r.window), &e);
    // Month 1 on its own: the incident loss, the first informal step, the
    // stocks and cumulative accounts at month 1's end.
    check_some(
        "world 2, month 1",
        &v(&r.monthly[0]),
        &[
            ("satisfaction_loss_incidents", Eq(0.1220703125)),
            (
                "satisfaction_loss_informal_fees",
                Eq((8.0 * (0.0625 + 0.125) + 2.0 * 0.0625) / 10.0),
            ),
            ("informal_intensity", Eq(0.25)),
            ("informal_revenue", Eq(0.0)),
            ("stipend_arrears_months", Eq(0.75)),
            ("cadre_morale", Eq(0.53125)),
            ("district_cash", Eq(-500.0)),
            ("district_debt", Eq(500.0)),
            ("public_revenue", Eq(1250.0)),
            (
                "satisfaction_mean",
                Eq((8.0 * 0.314697265625 + 2.0 * 0.377197265625) / 10.0),
            ),
        ],
    );
    check_some(
        "world 2, month 3",
        &v(&r.monthly[2]),
        &[
            ("informal_revenue", Eq(375.0 + 6.0)),
            ("street_reserve_months", Eq(0.0)),
            ("district_cash", Eq(-1500.0)),
            ("public_revenue", Eq(3750.0)),
        ],
    );
    let (mut w, p) = {
        let (p, w) = world2();
        (w, p)
    };
    let mut paid = Vec::new();
    for _ in 0..3 {
        schedule::step(&mut w, &p);
        let j = &w.jurisdictions[0];
        paid.push((
            1.0 - j.shortfall,
            j.informal,
            j.arrears,
            j.cash,
            w.committees[0].informal,
        ));
    }
    assert_eq!(
        paid,
        vec![
            (0.5, 0.25, 1500.0, 0.0, 0.25),
            (0.5, 0.375, 1750.0, 0.0, 0.375),
            (0.53125, 0.421875, 1812.5, 0.0, 0.421875)
        ]
    );
}

// ---------------------------------------------------------------------------
// World 3: cadre quits at hazard 1, retirement, recruitment; firms exiting
// at rate 1 and their lay-offs; enforcement; reform accounts (2 months,
// window = both).
// ---------------------------------------------------------------------------

/// Two streets. S1 (10 residents: 8 employed, 2 unemployed, 30 y;
/// authority 1) has 4 firms, open issues 3 + 0 + 1 and four posts: c1 local, 59 y 11 m
/// (retires in month 1); c2 local, 40 y (local quit hazard 1: quits in
/// month 1); c3 young graduate channel, secondary, 30 y (young quit hazard
/// 0); c4 vacant. S2 (2 employed residents; authority 0) has open issues 2
/// and no posts.
///
/// Vacancies fill with probability 1, from the graduate channel (share 1),
/// aged 25 y, college-educated (share 1), morale 0.25.
///   month 1: c1 retires, c2 quits, c4 is filled: filled c3 + c4 = 2 of 4,
///            separations 2, college 1 (c4).
///   month 2: c1 and c2 are filled: 4 of 4, separations 0, college 3.
/// Morale (target 0.75, smoothing 0.5): c3 0.5 → 0.625 → 0.6875; c4 0.25 →
/// 0.5; new c1, c2 0.25. Σ over filled posts at month ends: 0.625 + 0.25,
/// then 0.6875 + 0.5 + 0.25 + 0.25 → 2.5625 over 6 filled post-months.
/// Hours (10 h a cadre, filled at planning time): 3 cadres then 2: spare 30
/// + 20 over 24 resident-months.
///
/// Firms: tax 4 × 1,000 × compliance 1 = 4,000 in month 1 (finance runs
/// before the economy), then all 4 exit (exit hazard 1), laying off 4 × 2
/// = 8 jobs = S1's 8 employed (lay-off probability 8 / 8 = 1). Month 2: 0.
///
/// Reforms from month 1, no phase-in: stipends 100 → 300 (top-ups 200 a
/// filled post, earmarked by the district), retained tax 0.5 → 0.75 (the
/// district forgoes 0.25 × 4,000 = 1,000), dual leadership 500 a street a
/// month (district), party building 250 a street a month (streets).
/// S1, month 1: stipends 3 × 300 = 900, programmes 250, mandatory 1,150;
/// revenue transfer 250 + earmarked 600 + retained 3,000 = 3,850, paid 1,
/// left 2,700, community building 0.5 (2,700 − 0.25 × 1,150) = 1,206.25,
/// cash 3,850 − 1,150 − 1,206.25 = 1,493.75.
/// S1, month 2: stipends 2 × 300 = 600, programmes 250, mandatory 850;
/// revenue 250 + 400 = 650, available 2,143.75, left 1,293.75, community
/// building 0.5 (1,293.75 − 212.5) = 540.625, cash 753.125.
/// S2: programmes 250 = its transfer 250: paid 1, cash 0, mandatory 250.
/// District (city 50 × 12 residents = 600, cash 10,000):
///   month 1: revenue 600 + tax share 1,000 = 1,600; baseline-share revenue
///            600 + 2,000 = 2,600 = reserve; no-reform spending 2,600 − 500
///            + (10,000 − 2,600) / 2 = 5,800; burden earmarked 600 +
///            programmes 1,000 + forgone 1,000 = 2,600; departments max(0.75
///            × 5,800, 5,800 − 2,600) = 4,350; cash 10,000 + 1,600 − (500 +
///            600 + 1,000 + 4,350) = 5,150.
///   month 2: revenue 600 = reserve; no-reform 600 − 500 + (5,150 − 600) / 2
///            = 2,375; burden 400 + 1,000; departments max(1,781.25, 975) =
///            1,781.25; cash 5,150 + 600 − (500 + 400 + 1,000 + 1,781.25) =
///            2,068.75.
fn world3() -> (Params, World) {
    let mut p = quiet(2, 2);
    let e = &mut p.enforcement;
    e.resolution_max = 1.0;
    e.coordination_weight = 0.0;
    e.staff_factor_floor = 1.0;
    let fi = &mut p.firms;
    fi.tax_per_firm_month = 1000.0;
    fi.compliance = 1.0;
    fi.exit_annual = 1.0;
    fi.jobs_per_new_firm = 2.0;
    let k = &mut p.cadres;
    k.stipend_yuan_month = 100.0;
    k.quit_annual_local = 1.0;
    k.vacancy_fill_monthly = 1.0;
    k.young_recruit_share = 1.0;
    k.young_age_min_years = 25;
    k.young_age_max_years = 25;
    k.young_college_share = 1.0;
    k.morale_initial = 0.25;
    p.committees.cadre_hours_month = 10.0;
    p.finance.transfer_base_yuan_month = 250.0;
    p.finance.retained_tax_share = 0.5;
    p.district.city_allocation_yuan_per_capita_month = 50.0;
    let r = &mut p.reforms;
    r.raise_stipends.enabled = true;
    r.raise_stipends.start_month = 1;
    r.raise_stipends.phase_in_months = 0;
    r.raise_stipends.stipend_yuan_month = 300.0;
    r.raise_stipends.insurance_yuan_month = 0.0;
    r.raise_stipends.local_college_share = 0.0;
    r.fiscal_reform.enabled = true;
    r.fiscal_reform.start_month = 1;
    r.fiscal_reform.phase_in_months = 0;
    r.fiscal_reform.retained_tax_share = 0.75;
    r.dual_leadership.enabled = true;
    r.dual_leadership.start_month = 1;
    r.dual_leadership.phase_in_months = 0;
    r.dual_leadership.recurring_yuan_per_jurisdiction_month = 500.0;
    r.party_building.enabled = true;
    r.party_building.start_month = 1;
    r.party_building.phase_in_months = 0;
    r.party_building.recurring_yuan_per_jurisdiction_month = 250.0;
    r.party_building.link_monthly = 0.0;
    let mut s1 = spec("s1", 10, 1);
    s1.authority = Some(1.0);
    let mut s2 = spec("s2", 2, 1);
    s2.authority = Some(0.0);
    let mut w = blank(&p, &[s1, s2]);
    add(&mut w, 0, 8, 30 * Y, flag::EMPLOYED, 0.5);
    add(&mut w, 0, 2, 30 * Y, flag::UNEMPLOYED, 0.5);
    add(&mut w, 1, 2, 30 * Y, flag::EMPLOYED, 0.5);
    recount(&mut w, &p);
    let young = Cadre {
        young: true,
        ..cadre(30 * Y, Education::Secondary, 100, 0.5)
    };
    w.committees[0].cadres = vec![
        cadre(60 * Y - 1, Education::Secondary, 100, 0.5),
        cadre(40 * Y, Education::Secondary, 100, 0.5),
        young,
        vacant(),
    ];
    w.jurisdictions[0].firms = 4;
    w.jurisdictions[0].open_issues = [3, 0, 1];
    w.jurisdictions[1].open_issues = [2, 0, 0];
    w.district.cash = 10_000.0;
    (p, w)
}

#[test]
fn world3_cadres_firms_enforcement_and_reform_accounts() {
    let (p, w) = world3();
    let r = run(w, &p);
    let m1 = &r.monthly[0];
    assert_eq!((m1.positions, m1.filled, m1.separations, m1.college), (4, 2, 2, 1));
    let m2 = &r.monthly[1];
    assert_eq!((m2.positions, m2.filled, m2.separations, m2.college), (4, 4, 0, 3));
    // S1: 4 open, all resolved (probability 1 × 1 × 1 × staff 1); S2: 2
    // open, none resolved (authority 0); month 2: S2's 2 again.
    assert_eq!((m1.resolvable, m1.resolved, m1.open_issues), (6, 4, 2));
    assert_eq!((m2.resolvable, m2.resolved, m2.open_issues), (2, 0, 2));
    assert_eq!((m1.employed, m1.unemployed), (2, 10));
    // Reform accounts, cumulative:
    //   district: earmarked 600 + 400, programmes 1,000 + 1,000, forgone
    //             1,000 → 4,000
    //   transfers: earmarked 1,000 + forgone 1,000 → 2,000
    //   streets: top-ups paid 600 + 400 + programmes 4 × 250 → 2,000
    //   gross: street earmarked 1,000 + street programmes 1,000 + district
    //          programmes 2,000 + forgone 1,000 → 5,000
    // The accounts are a stock: month 1 alone holds 2,600, 1,600, 1,100, 3,100.
    check_some(
        "world 3, month 1",
        &v(m1),
        &[
            ("fiscal_cost_district", Eq(2600.0)),
            ("transfers_district_to_streets", Eq(1600.0)),
            ("fiscal_cost_streets", Eq(1100.0)),
            ("reform_cost_gross", Eq(3100.0)),
            ("public_revenue", Eq(4000.0)),
            ("street_cash_balance", Eq(1493.75)),
            ("district_cash", Eq(5150.0)),
            ("district_department_spending", Eq(4350.0)),
        ],
    );
    let e = [
        ("satisfaction_mean", Eq(0.5)),
        ("elderly_service_coverage", Eq(1.0)),
        // 2 then 10 unemployed at the start, none found work.
        ("reemployment_rate", Eq(0.0)),
        // (10 + 10) unemployed of (12 + 12) in the labour force.
        ("unemployment_rate", Eq(20.0 / 24.0)),
        ("migrant_registration_rate", Eq(1.0)),
        ("welfare_coverage", Eq(1.0)),
        // Resolved 4 of 6 + 2 open.
        ("enforcement_resolution_rate", Eq(0.5)),
        // (2 + 2) × 10,000 / (12 + 12).
        ("open_issues_per_10k", Eq(40_000.0 / 24.0)),
        ("informal_intensity", Eq(0.0)),
        ("committee_admin_share", Eq(0.0)),
        // Separations 2 over filled 6 + separations 2: 0.25 a month;
        // 1 − 0.75^12 = 1 − 531,441 / 16,777,216.
        ("cadre_turnover_rate", Eq(1.0 - 531_441.0 / 16_777_216.0)),
        // 1 − 6 / 8.
        ("vacancy_rate", Eq(0.25)),
        ("street_cash_balance", Eq(753.125)),
        // (4,000 + 0) / 2.
        ("tax_revenue", Eq(2000.0)),
        ("service_jobs", Eq(0.0)),
        ("party_managed_share", Eq(1.0)),
        ("security_incidents_per_10k", Eq(0.0)),
        ("reform_cost_gross", Eq(5000.0)),
        ("needs_met_share", Eq(1.0)),
        ("informal_revenue", Eq(0.0)),
        ("shortfall_population_share", Eq(0.0)),
        // College 1 + 3 of filled 2 + 4.
        ("cadre_college_share", Eq(4.0 / 6.0)),
        ("elderly_share", Eq(0.0)),
        ("population", Eq(12.0)),
        ("district_cash", Eq(2068.75)),
        ("fiscal_cost_district", Eq(4000.0)),
        ("fiscal_cost_streets", Eq(2000.0)),
        ("transfers_district_to_streets", Eq(2000.0)),
        ("public_revenue", Eq(4000.0)),
        ("unmet_need_hours_per_1k", Eq(0.0)),
        ("unmet_care_hours_per_1k", Eq(0.0)),
        ("unmet_welfare_hours_per_1k", Eq(0.0)),
        ("unmet_reemployment_hours_per_1k", Eq(0.0)),
        ("unmet_registration_hours_per_1k", Eq(0.0)),
        ("unmet_mediation_hours_per_1k", Eq(0.0)),
        ("spare_committee_hours_per_1k", Eq(50_000.0 / 24.0)),
        ("benefit_receipt_rate", Eq(1.0)),
        ("registration_flow_rate", Eq(0.0)),
        ("satisfaction_gain_needs_met", Eq(0.0)),
        ("satisfaction_loss_needs_unmet", Eq(0.0)),
        ("satisfaction_loss_open_issues", Eq(0.0)),
        ("satisfaction_loss_informal_fees", Eq(0.0)),
        ("satisfaction_loss_incidents", Eq(0.0)),
        ("experienced_quality", Eq(0.5)),
        ("streets_with_informal_share", Eq(0.0)),
        ("committees_with_informal_share", Eq(0.0)),
        ("committee_informal_intensity", Eq(0.0)),
        ("stipend_arrears_months", Eq(0.0)),
        ("cadre_morale", Eq(2.5625 / 6.0)),
        // Cash 753.125 + 0 over mandatory 850 + 250 at the window's end.
        ("street_reserve_months", Eq(753.125 / 1100.0)),
        ("district_reserve_months", Eq(2068.75 / 600.0)),
        // (4,350 + 1,781.25) / 2.
        ("district_department_spending", Eq(3065.625)),
        ("district_debt", Eq(0.0)),
    ];
    check_all("world 3", &v(&r.window), &e);
}

// ---------------------------------------------------------------------------
// World 4: ageing across thresholds, deaths at the oldest age, migrants
// leaving (2 months, window = both).
// ---------------------------------------------------------------------------

/// One street, one committee of 14: D 2 aged 99 y 11 m (die on reaching 100,
/// the oldest age); G 2 unregistered migrants (departure hazard 1); R 2
/// employed aged 59 y 11 m, one a managed party member (retire at 60, leave
/// the labour force, become elderly; the member loses their management with
/// probability 1); Yg 1 aged 15 y 11 m (reaches working age 16: joins the
/// labour force with probability 1, unemployed with probability 1); K 1 aged
/// 17 y 11 m (turns 18: an adult); S 4 employed aged 40 y, one a managed
/// member; C 2 children aged 5 y. No money flows, no posts.
/// After month 1 (and month 2): 10 residents: adults R 2 + K + S 4 = 7
/// (Yg is 16), elderly 2, employed 4, unemployed 1, members 2, managed 1.
fn world4() -> (Params, World) {
    let mut p = quiet(2, 2);
    p.migration.departure_annual = 1.0;
    p.labour.out_of_labour_force_share = 0.0;
    p.labour.initial_unemployment_rate = 1.0;
    p.party.delink_on_layoff = 1.0;
    let mut w = blank(&p, &[spec("old", 14, 1)]);
    use flag::*;
    add(&mut w, 0, 2, 100 * Y - 1, 0, 0.5);
    add(&mut w, 0, 2, 30 * Y, MIGRANT | EMPLOYED, 0.5);
    add(&mut w, 0, 1, 60 * Y - 1, EMPLOYED | PARTY | MANAGED, 0.5);
    add(&mut w, 0, 1, 60 * Y - 1, EMPLOYED, 0.5);
    add(&mut w, 0, 1, 16 * Y - 1, 0, 0.5);
    add(&mut w, 0, 1, 18 * Y - 1, 0, 0.5);
    add(&mut w, 0, 3, 40 * Y, EMPLOYED, 0.5);
    add(&mut w, 0, 1, 40 * Y, EMPLOYED | PARTY | MANAGED, 0.5);
    add(&mut w, 0, 2, 5 * Y, 0, 0.5);
    recount(&mut w, &p);
    (p, w)
}

#[test]
fn world4_ageing_deaths_and_departures() {
    let (p, mut w) = world4();
    let t = &schedule::step(&mut w, &p)[0];
    let f = w.jurisdictions[0].flows;
    assert_eq!(
        (f.initial, f.deaths, f.departures, f.births, f.arrivals),
        (14, 2, 2, 0, 0)
    );
    assert_eq!((t.persons, t.adults, t.elderly), (10, 7, 2));
    assert_eq!(
        (t.employed, t.unemployed, t.party, t.managed, t.migrants),
        (4, 1, 2, 1, 0)
    );
    // The departing migrants leave before the month's tallies.
    assert_eq!(t.unregistered_at_start, 0);

    let (p, w) = world4();
    let r = run(w, &p);
    let e = [
        // No needs, no losses: q = 0.5 = s for every adult.
        ("satisfaction_mean", Eq(0.5)),
        ("elderly_service_coverage", Eq(1.0)),
        // Yg unemployed at month 2's start, no job found: 0 / (0 + 1).
        ("reemployment_rate", Eq(0.0)),
        // (1 + 1) / (5 + 5).
        ("unemployment_rate", Eq(0.2)),
        ("migrant_registration_rate", Eq(1.0)),
        ("welfare_coverage", Eq(1.0)),
        ("enforcement_resolution_rate", Eq(1.0)),
        ("open_issues_per_10k", Eq(0.0)),
        ("informal_intensity", Eq(0.0)),
        ("committee_admin_share", Eq(0.0)),
        ("cadre_turnover_rate", Eq(0.0)),
        // No posts at all: the empty ratio gives 0 vacant.
        ("vacancy_rate", Eq(0.0)),
        ("street_cash_balance", Eq(0.0)),
        ("tax_revenue", Eq(0.0)),
        ("service_jobs", Eq(0.0)),
        // Managed 1 + 1 of members 2 + 2.
        ("party_managed_share", Eq(0.5)),
        ("security_incidents_per_10k", Eq(0.0)),
        ("reform_cost_gross", Eq(0.0)),
        ("needs_met_share", Eq(1.0)),
        ("informal_revenue", Eq(0.0)),
        ("shortfall_population_share", Eq(0.0)),
        ("cadre_college_share", Eq(0.0)),
        // (2 + 2) / (10 + 10).
        ("elderly_share", Eq(0.2)),
        // (10 + 10) / 2 months: an average, not the sum.
        ("population", Eq(10.0)),
        ("district_cash", Eq(0.0)),
        ("fiscal_cost_district", Eq(0.0)),
        ("fiscal_cost_streets", Eq(0.0)),
        ("transfers_district_to_streets", Eq(0.0)),
        ("public_revenue", Eq(0.0)),
        ("unmet_need_hours_per_1k", Eq(0.0)),
        ("unmet_care_hours_per_1k", Eq(0.0)),
        ("unmet_welfare_hours_per_1k", Eq(0.0)),
        ("unmet_reemployment_hours_per_1k", Eq(0.0)),
        ("unmet_registration_hours_per_1k", Eq(0.0)),
        ("unmet_mediation_hours_per_1k", Eq(0.0)),
        ("spare_committee_hours_per_1k", Eq(0.0)),
        ("benefit_receipt_rate", Eq(1.0)),
        ("registration_flow_rate", Eq(0.0)),
        ("satisfaction_gain_needs_met", Eq(0.0)),
        ("satisfaction_loss_needs_unmet", Eq(0.0)),
        ("satisfaction_loss_open_issues", Eq(0.0)),
        ("satisfaction_loss_informal_fees", Eq(0.0)),
        ("satisfaction_loss_incidents", Eq(0.0)),
        ("experienced_quality", Eq(0.5)),
        ("streets_with_informal_share", Eq(0.0)),
        ("committees_with_informal_share", Eq(0.0)),
        ("committee_informal_intensity", Eq(0.0)),
        ("stipend_arrears_months", Eq(0.0)),
        ("cadre_morale", Eq(0.0)),
        ("street_reserve_months", Eq(0.0)),
        ("district_reserve_months", Eq(0.0)),
        ("district_department_spending", Eq(0.0)),
        ("district_debt", Eq(0.0)),
    ];
    check_all("world 4", &v(&r.window), &e);
    assert_eq!(r.window.adults, 14);
}

// ---------------------------------------------------------------------------
// What stays random: births, incidents and firm entries are Poisson.
// ---------------------------------------------------------------------------

/// Births, incidents and firm entries cannot be pinned (a Poisson draw with
/// a positive mean is never certain), so their metrics are checked exactly
/// against the realised counts read from the state, and the counts against
/// their expectations: over 8 replications × 24 months, |Σ observed −
/// Σ means| ≤ 4 √(Σ means) (a Poisson sum's standard error is √mean).
/// `security_incidents_per_10k` is the one metric with no deterministic
/// non-zero case.
#[test]
fn births_incidents_and_firm_entries_are_poisson_with_the_stated_means() {
    let mut p = quiet(24, 24);
    p.demography.birth_rate_annual = 1.2; // 0.1 a resident a month
    p.security.incidents_per_10k_month = 250.0;
    p.security.coordination_effect = 0.0;
    p.firms.tax_per_firm_month = 1000.0;
    p.firms.compliance = 0.5;
    p.firms.entry_authority_effect = 0.0;
    p.firms.entry_informal_effect = 0.0;
    p.firms.jobs_per_new_firm = 0.0;
    let (mut births, mut birth_mean) = (0u64, 0.0);
    let (mut incidents, mut incident_mean) = (0u64, 0.0);
    let (mut entries, mut entry_mean) = (0u64, 0.0);
    for rep in 0..8u64 {
        let mut w = blank_seeded(&p, &[spec("births", 40, 1)], SEED + rep);
        add(&mut w, 0, 40, 30 * Y, flag::EMPLOYED, 0.5);
        recount(&mut w, &p);
        // Entries: 40 / 10,000 × 2,500 × exp(0) = 10 a month.
        w.jurisdictions[0].entry_per_10k = 2500.0;
        let mut window = Totals::default();
        for _ in 0..24 {
            let n = w.total_persons();
            let firms = w.jurisdictions[0].firms;
            let born_before = w.jurisdictions[0].flows.births;
            let by_j = schedule::step(&mut w, &p);
            let born = w.jurisdictions[0].flows.births - born_before;
            let t = &by_j[0];
            // Exact, given the draws: residents = before + births; the
            // newborns are age 0, without flags, at the initial satisfaction.
            assert_eq!(t.persons, n + born);
            let newborn = ages_of(&w, 0).iter().filter(|&&a| a == 0).count() as u64;
            assert_eq!(newborn, born);
            // The month's incidents per 10,000 residents (at month end).
            let k = w.jurisdictions[0].incidents;
            let x = v(t);
            assert_eq!(x[idx("security_incidents_per_10k")], k as f64 * 1e4 / (n + born) as f64);
            // Tax this month comes from the firms at its start.
            assert_eq!(x[idx("tax_revenue")], firms as f64 * 500.0);
            assert_eq!(x[idx("population")], (n + born) as f64);
            births += born;
            birth_mean += 0.1 * n as f64;
            incidents += k;
            incident_mean += 250.0 * (n + born) as f64 / 1e4;
            entries += w.jurisdictions[0].firms - firms;
            entry_mean += 2500.0 * n as f64 / 1e4;
            let mut d = Totals::default();
            d.merge(t);
            d.months = 1;
            window.add(&d);
        }
        // Over the window: Σ incidents × 10,000 / Σ residents.
        let sum_pop = window.street_population;
        assert_eq!(
            v(&window)[idx("security_incidents_per_10k")],
            window.incidents as f64 * 1e4 / sum_pop
        );
    }
    for (what, obs, mean) in [
        ("births", births, birth_mean),
        ("incidents", incidents, incident_mean),
        ("firm entries", entries, entry_mean),
    ] {
        let z = (obs as f64 - mean) / mean.sqrt();
        assert!(z.abs() <= 4.0, "{what}: {obs} observed, {mean} expected (z = {z:.2})");
    }
}

// ---------------------------------------------------------------------------
// Coverage: every metric has a hand case with a non-trivial value.
// ---------------------------------------------------------------------------

/// Each metric and the test whose hand table pins it at a value that the
/// metric's empty-denominator convention would not give by itself.
const COVERAGE: &[(&str, &str)] = &[
    ("satisfaction_mean", "world1 (10.626953125 / 23), world2"),
    ("elderly_service_coverage", "world1 (6 / 8)"),
    ("reemployment_rate", "world1 (4 / 4)"),
    ("unemployment_rate", "world2 (0.1), world3 (20 / 24), world4 (0.2)"),
    ("migrant_registration_rate", "world1 (3 / 4)"),
    ("welfare_coverage", "world1 (5 / 6)"),
    ("enforcement_resolution_rate", "world3 (4 / 8), world2 (0)"),
    ("open_issues_per_10k", "world2 (4,000), world3"),
    ("informal_intensity", "world2 (0.3984375)"),
    ("committee_admin_share", "world1 (100 / 110), backlog test (1)"),
    ("cadre_turnover_rate", "world3 (1 − 0.75^12)"),
    ("vacancy_rate", "world1 (0.5), world3 (0.25)"),
    ("street_cash_balance", "world1 (750), world3 (753.125)"),
    ("tax_revenue", "world2 (1,000), world3 (2,000)"),
    ("service_jobs", "world2 (8)"),
    ("party_managed_share", "world1 (2 / 3), world4 (0.5)"),
    (
        "security_incidents_per_10k",
        "Poisson test (realised count; mean within 4 SE)",
    ),
    ("reform_cost_gross", "world3 (5,000)"),
    ("needs_met_share", "world1 (16 / 46)"),
    ("informal_revenue", "world2 (317.5)"),
    ("shortfall_population_share", "world2 (1)"),
    ("cadre_college_share", "world2 (0.5), world3 (4 / 6)"),
    ("elderly_share", "world1 (8 / 25), world4 (0.2)"),
    ("population", "world1 (25), world4 (10, an average)"),
    ("district_cash", "world1 (5,500), world2 (−1,500), world3"),
    ("fiscal_cost_district", "world3 (4,000)"),
    ("fiscal_cost_streets", "world3 (2,000)"),
    ("transfers_district_to_streets", "world3 (2,000)"),
    ("public_revenue", "world2 (3,750, whole horizon), world3"),
    ("unmet_need_hours_per_1k", "world1 (2,220)"),
    ("unmet_care_hours_per_1k", "world1 (80)"),
    ("unmet_welfare_hours_per_1k", "world1 (60)"),
    ("unmet_reemployment_hours_per_1k", "world1 (60)"),
    ("unmet_registration_hours_per_1k", "world1 (20)"),
    ("unmet_mediation_hours_per_1k", "world1 (2,000)"),
    ("spare_committee_hours_per_1k", "world2 (16,000), world3"),
    ("benefit_receipt_rate", "world1 (3 / 4)"),
    ("registration_flow_rate", "world1 (2 / 3)"),
    ("satisfaction_gain_needs_met", "world1 (4 / 23)"),
    ("satisfaction_loss_needs_unmet", "world1 (3.5 / 23)"),
    ("satisfaction_loss_open_issues", "world2 (0.06103515625)"),
    ("satisfaction_loss_informal_fees", "world2 (5.1796875 / 20)"),
    ("satisfaction_loss_incidents", "world1 (0.09765625), world2 month 1"),
    ("experienced_quality", "world1 (9.75390625 / 23), world2"),
    ("streets_with_informal_share", "world2 (1)"),
    ("committees_with_informal_share", "world2 (0.5)"),
    ("committee_informal_intensity", "world2 (6.375 / 20)"),
    ("stipend_arrears_months", "world2 (0.890625)"),
    ("cadre_morale", "world1 (0.625), world2, world3"),
    ("street_reserve_months", "world1 (0.375), world3"),
    ("district_reserve_months", "world1 (1.1), world2 (−3), world3"),
    ("district_department_spending", "world1 (2,500), world3 (3,065.625)"),
    ("district_debt", "world2 (1,500)"),
];

#[test]
fn every_metric_has_a_hand_computed_case() {
    let missing: Vec<&str> = METRICS
        .iter()
        .map(|m| m.name)
        .filter(|name| !COVERAGE.iter().any(|(c, _)| c == name))
        .collect();
    assert!(
        missing.is_empty(),
        "metrics without a hand-computed case in tests/hand_worlds.rs: {missing:?}"
    );
    for (name, _) in COVERAGE {
        assert!(
            METRICS.iter().any(|m| m.name == *name),
            "COVERAGE names unknown metric {name}"
        );
    }
    assert_eq!(COVERAGE.len(), N_METRICS);
}
