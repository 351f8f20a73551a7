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
        for i in 0..c.persons.len() {
            assert!((0.0..=1.0).contains(&c.persons.satisfaction(i)));
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

/// Metrics whose expectation does not depend on `population_scale`: every
/// metric but the extensive ones (money, jobs and persons are sums over
/// the sampled residents scaled back, and noisier for it); shares, rates,
/// per-10k and per-1k counts, quality points and months of reserve.
fn per_capita() -> Vec<usize> {
    (0..METRICS.len())
        .filter(|&k| !matches!(METRICS[k].unit, "yuan" | "yuan/month" | "jobs" | "persons"))
        .collect()
}

/// Replication values of the small test district at `scale`.
fn at_scale(scale: f64, reps: u64) -> Vec<Vec<f64>> {
    let mut s = common::small();
    s.params.simulation.population_scale = scale;
    let run = |r: u64| {
        metrics::values(&schedule::run(&s.params, &s.jurisdictions, rng::replication_seed(9, r)).window).to_vec()
    };
    std::thread::scope(|t| {
        let handles: Vec<_> = (0..2u64)
            .map(|half| {
                t.spawn(move || {
                    (0..reps)
                        .filter(|r| r % 2 == half)
                        .map(|r| (r, run(r)))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        let mut all: Vec<(u64, Vec<f64>)> = handles.into_iter().flat_map(|h| h.join().unwrap()).collect();
        all.sort_by_key(|x| x.0);
        all.into_iter().map(|x| x.1).collect()
    })
}

/// Mean and variance of the mean of metric k over replications.
fn mean_var(runs: &[Vec<f64>], k: usize) -> (f64, f64) {
    let n = runs.len() as f64;
    let m = runs.iter().map(|v| v[k]).sum::<f64>() / n;
    let var = runs.iter().map(|v| (v[k] - m).powi(2)).sum::<f64>() / (n - 1.0);
    (m, var / n)
}

/// Band half-width: K standard errors of the difference of the two means.
/// With 12 replications a side (Welch df ≥ 11) and ~45 metrics, K = 6 is
/// beyond the Bonferroni 0.1% quantile of Student's t (about 5.9 at df 11),
/// so a scale-invariant model fails this by chance less than once in a
/// thousand seeds.
const K: f64 = 6.0;

/// The metrics whose means at the two scales differ by more than K × SE,
/// as (name, difference, SE).
fn scale_violations(small: &[Vec<f64>], large: &[Vec<f64>]) -> Vec<(&'static str, f64, f64)> {
    per_capita()
        .into_iter()
        .filter_map(|k| {
            let (a, va) = mean_var(small, k);
            let (b, vb) = mean_var(large, k);
            let se = (va + vb).sqrt();
            ((a - b).abs() > K * se).then_some((METRICS[k].name, b - a, se))
        })
        .collect()
}

/// Capacities, task hours and event rates scale with population_scale, so
/// every per-capita metric must agree across scales (spec §4b) within K
/// standard errors of the difference, the SE estimated from the
/// replications of both runs (measured: |difference| / SE at most 4.2,
/// elderly_service_coverage; the old fixed bands, e.g. informal intensity
/// ±0.03 around 0.06, passed a 50% error).
///
/// The same check applied to a 10% scaling error injected here (the 20%
/// run's per-capita values × 1.1) rejects it in every metric whose band
/// K·SE is narrower than 10% of its level: measured, 14 of 40 metrics
/// (satisfaction_mean, experienced_quality, elderly_service_coverage,
/// welfare_coverage, unemployment_rate, enforcement_resolution_rate,
/// open_issues_per_10k, party_managed_share, elderly_share,
/// benefit_receipt_rate, cadre_morale, district_reserve_months and two
/// satisfaction terms), the smallest detectable error being 0.8%
/// (benefit_receipt_rate) to 5% (satisfaction_mean). The noisiest metrics
/// (informal intensity 42%, spare committee hours 66% at 12 replications
/// of a 3% world) would need ~20× the replications to see 10%; the
/// figures are printed with --nocapture.
#[test]
fn per_capita_metrics_do_not_depend_on_population_scale() {
    let small = at_scale(0.03, 12);
    let large = at_scale(0.2, 12);
    for k in per_capita() {
        let (a, va) = mean_var(&small, k);
        let (b, vb) = mean_var(&large, k);
        let se = (va + vb).sqrt();
        eprintln!(
            "{:34} 3%: {a:>12.6} 20%: {b:>12.6} diff/SE {:>6.2}  detectable rel. error {:.3}",
            METRICS[k].name,
            (b - a) / se.max(1e-300),
            K * se / a.abs().max(b.abs()).max(1e-300)
        );
    }
    let bad = scale_violations(&small, &large);
    assert!(
        bad.is_empty(),
        "per-capita metrics that depend on the scale (name, 20% − 3%, SE): {bad:?}"
    );
    // A 10% scaling error on one side.
    let wrong: Vec<Vec<f64>> = large
        .iter()
        .map(|v| {
            let mut v = v.clone();
            for k in per_capita() {
                v[k] *= 1.1;
            }
            v
        })
        .collect();
    let caught = scale_violations(&small, &wrong);
    let metrics = per_capita().len();
    eprintln!("a 10% error is caught in {} of {metrics} metrics", caught.len());
    // Every metric precise enough to see 10% sees it.
    for k in per_capita() {
        let (a, va) = mean_var(&small, k);
        let (_, vb) = mean_var(&large, k);
        if K * (va + vb).sqrt() < 0.09 * a.abs() {
            assert!(
                caught.iter().any(|c| c.0 == METRICS[k].name),
                "a 10% error in {} is not caught",
                METRICS[k].name
            );
        }
    }
    assert!(
        caught.len() >= 12,
        "a 10% scaling error is caught in only {} of {metrics} metrics",
        caught.len()
    );
    for name in [
        "satisfaction_mean",
        "elderly_service_coverage",
        "welfare_coverage",
        "open_issues_per_10k",
    ] {
        assert!(
            caught.iter().any(|c| c.0 == name),
            "a 10% error in {name} is not caught"
        );
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
