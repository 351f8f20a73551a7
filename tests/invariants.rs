//! Spec §7 invariants: persons and money conserved, shares in [0, 1], no NaN.

mod common;

use shequ::model::metrics::{self, METRICS};
use shequ::model::{init, rng, schedule};

#[test]
fn persons_are_conserved_per_jurisdiction() {
    let s = common::small();
    let mut w = schedule::spin_up(&s.params, &s.jurisdictions, rng::replication_seed(7, 0));
    for _ in 0..s.params.simulation.months {
        schedule::step(&mut w, &s.params);
        for j in 0..w.jurisdictions.len() {
            let f = w.jurisdictions[j].flows;
            let expected = f.initial + f.births + f.arrivals + f.moved_in - f.deaths - f.departures - f.moved_out;
            assert_eq!(
                expected,
                w.jurisdiction_persons(j),
                "jurisdiction {j} month {}",
                w.month
            );
        }
    }
    let total: u64 = w.jurisdictions.iter().map(|j| j.flows.births + j.flows.deaths).sum();
    assert!(total > 0, "the demography must move");
}

#[test]
fn money_is_conserved_per_jurisdiction_per_month() {
    let s = common::small();
    let mut w = schedule::spin_up(&s.params, &s.jurisdictions, rng::replication_seed(7, 1));
    for _ in 0..s.params.simulation.months {
        let before: Vec<f64> = w.jurisdictions.iter().map(|j| j.cash).collect();
        schedule::step(&mut w, &s.params);
        for (j, jur) in w.jurisdictions.iter().enumerate() {
            let l = jur.ledger;
            let change = jur.cash - before[j];
            let flows = l.revenue() - l.spending() + l.merger;
            let tol = 1e-9 * (before[j].abs() + l.revenue() + l.spending()).max(1.0);
            assert!(
                (change - flows).abs() <= tol,
                "jurisdiction {j} month {}: Δcash {change} vs flows {flows}",
                w.month
            );
            assert!(jur.cash >= -tol, "cash never goes negative");
        }
    }
}

#[test]
fn shares_lie_in_unit_interval_and_nothing_is_nan() {
    let s = common::small();
    let r = schedule::run(&s.params, &s.jurisdictions, rng::replication_seed(3, 0));
    let mut all = vec![metrics::values(&r.window)];
    all.extend(r.monthly.iter().map(metrics::values));
    all.extend(r.window_by_jurisdiction.iter().map(metrics::values));
    for v in &all {
        for (m, x) in METRICS.iter().zip(v) {
            assert!(x.is_finite(), "{} is {x}", m.name);
            if m.is_share() {
                assert!((0.0..=1.0).contains(x), "{} = {x} outside [0, 1]", m.name);
            }
        }
    }
    for g in metrics::group_values(&r.window) {
        for x in g {
            assert!((0.0..=1.0).contains(&x));
        }
    }
    for c in &init::build(&s.params, &s.jurisdictions, 1).committees {
        for &sat in &c.persons.satisfaction {
            assert!((0.0..=1.0).contains(&sat));
        }
    }
}

#[test]
fn elderly_share_drifts_up_as_the_report_says() {
    let s = common::small();
    let r = schedule::run(&s.params, &s.jurisdictions, rng::replication_seed(5, 0));
    let k = METRICS.iter().position(|m| m.name == "elderly_share").unwrap();
    let first = metrics::values(&r.monthly[0])[k];
    let last = metrics::values(r.monthly.last().unwrap())[k];
    assert!(last > first, "elderly share {first} -> {last}");
}

#[test]
fn shares_do_not_depend_on_population_scale() {
    // Capacities, task hours and event rates scale with population_scale, so
    // shares and per-capita metrics must agree across scales (spec §4b).
    let mean_at = |scale: f64| {
        let mut s = common::small();
        s.params.simulation.population_scale = scale;
        let runs: Vec<_> = (0..4)
            .map(|r| metrics::values(&schedule::run(&s.params, &s.jurisdictions, rng::replication_seed(9, r)).window))
            .collect();
        move |name: &str| {
            let k = METRICS.iter().position(|m| m.name == name).unwrap();
            runs.iter().map(|v| v[k]).sum::<f64>() / runs.len() as f64
        }
    };
    let small = mean_at(0.03);
    let large = mean_at(0.2);
    for (name, tol) in [
        ("committee_admin_share", 0.04),
        ("satisfaction_mean", 0.02),
        ("needs_met_share", 0.05),
        ("unemployment_rate", 0.01),
        ("informal_intensity", 0.03),
        ("open_issues_per_10k", 5.0),
        ("party_managed_share", 0.02),
    ] {
        let (a, b) = (small(name), large(name));
        assert!((a - b).abs() <= tol, "{name}: {a} at 3% vs {b} at 20%");
    }
}

#[test]
fn migrant_share_stays_near_its_calibrated_level() {
    // Arrivals are derived so that the migrant share is steady.
    let mut s = common::small();
    s.params.simulation.months = 60;
    let r = schedule::run(&s.params, &s.jurisdictions, rng::replication_seed(13, 0));
    let share = |t: &metrics::Totals| t.migrants as f64 / t.persons as f64;
    let (first, last) = (share(&r.monthly[0]), share(r.monthly.last().unwrap()));
    assert!((first - last).abs() < 0.015, "migrant share {first} -> {last}");
}
