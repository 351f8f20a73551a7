//! Property test over randomly generated valid scenarios: the invariants of
//! spec §7 hold for short runs (persons and money conserved, shares in
//! [0, 1], nothing NaN).

mod common;

use proptest::prelude::*;
use shequ::model::metrics::{self, METRICS};
use shequ::model::{init, rng, schedule};

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn invariants_hold_for_random_valid_scenarios(
        seed in any::<u64>(),
        stipend in 0.0f64..3000.0,
        authority in 0.0f64..1.0,
        coordination in 0.0f64..1.0,
        passdown in 0.0f64..1.0,
        tasks in 0.0f64..20.0,
        migrants in 0.0f64..0.9,
        informal in 0.0f64..50.0,
        office in 1.0f64..60.0,
        public_services in 0.0f64..60.0,
        transfer in 0.0f64..100_000.0,
        levers in proptest::collection::vec(any::<bool>(), 12),
        start in 0u32..8,
    ) {
        let mut s = common::small();
        // The shipped data file gives every street its own authority and
        // coordination; vary those (the [enforcement] keys fill empty cells only).
        for j in &mut s.jurisdictions {
            j.authority = Some(authority);
            j.coordination = Some(coordination);
        }
        let p = &mut s.params;
        p.simulation.population_scale = 0.01;
        p.simulation.months = 10;
        p.simulation.outcome_window_months = 5;
        p.cadres.stipend_yuan_month = stipend;
        p.enforcement.authority = authority;
        p.enforcement.coordination = coordination;
        p.tasks.passdown_share = passdown;
        p.tasks.tasks_per_department_per_10k_month = tasks;
        p.migration.initial_share_urban = migrants;
        p.finance.informal_sensitivity = informal;
        p.committees.office_area_mean_m2 = office;
        p.finance.public_services_yuan_per_capita_month = public_services;
        p.finance.transfer_base_yuan_month = transfer;
        let r = &mut p.reforms;
        let flags = [
            &mut r.devolve_powers.enabled, &mut r.dual_leadership.enabled, &mut r.fiscal_reform.enabled,
            &mut r.service_industrialisation.enabled, &mut r.tax_base_cultivation.enabled,
            &mut r.raise_stipends.enabled, &mut r.office_standard.enabled, &mut r.young_cadres.enabled,
            &mut r.party_building.enabled, &mut r.redistricting.enabled, &mut r.fringe_integration.enabled,
            &mut r.coordination.enabled,
        ];
        for (f, on) in flags.into_iter().zip(&levers) {
            *f = *on;
        }
        r.redistricting.start_month = start;
        r.devolve_powers.start_month = start;
        prop_assert!(p.describe().iter().all(|i| i.valid), "generated an invalid scenario");

        let mut w = init::build(&s.params, &s.jurisdictions, rng::replication_seed(seed, 0));
        for _ in 0..s.params.simulation.months {
            let cash: Vec<f64> = w.jurisdictions.iter().map(|j| j.cash).collect();
            let by_j = schedule::step(&mut w, &s.params);
            for (j, jur) in w.jurisdictions.iter().enumerate() {
                let l = jur.ledger;
                let tol = 1e-9 * (cash[j].abs() + l.revenue() + l.spending()).max(1.0);
                prop_assert!((jur.cash - cash[j] - (l.revenue() - l.spending() + l.merger)).abs() <= tol);
                prop_assert!(jur.cash >= -tol);
                let f = jur.flows;
                prop_assert_eq!(
                    f.initial + f.births + f.arrivals + f.moved_in - f.deaths - f.departures - f.moved_out,
                    w.jurisdiction_persons(j)
                );
            }
            let mut total = metrics::Totals::default();
            for t in &by_j {
                total.merge(t);
            }
            for (m, x) in METRICS.iter().zip(metrics::values(&total)) {
                prop_assert!(x.is_finite(), "{} = {}", m.name, x);
                if m.is_share() {
                    prop_assert!((0.0..=1.0).contains(&x), "{} = {}", m.name, x);
                }
            }
        }
    }
}
