//! The event-driven resident pass against the reference loop it replaces
//! (`simulation.reference_residents`): the same model in distribution.
//!
//! Each arm runs replications at 2 % of the residents (≈ 9,000 residents in
//! 88 committees) with its own seeds, so the two samples are independent:
//! 300 of the baseline, 150 with every lever on (linking drifting party
//! members, fringe integration, redistricting …), and 150 with unusual ages
//! and smoothing (retirement at 55 before old age at 65, working age from
//! 14, adulthood at 20, α = 0.5), which move the age crossings apart. For every statistic (the 53 metrics, the five
//! groups' satisfaction and needs met, the horizon's births, arrivals,
//! deaths and departures per 1,000 person-months, and three metrics of
//! horizon month 1) a Welch t test compares the means and a two-sample
//! Kolmogorov–Smirnov test the distributions; Holm's procedure over all
//! tests keeps the family-wise error rate at `ALPHA`. The same test must
//! see a change of 10 % in one rate (migrants' departures) made on the
//! event side: it is run on the same samples, so the check has power.

mod common;

use rayon::prelude::*;
use shequ::model::metrics::{self, METRICS};
use shequ::model::params::Params;
use shequ::model::population::{AgeClasses, BUCKETS};
use shequ::model::state::GROUPS;
use shequ::model::{residents, rng, schedule};
use statrs::distribution::{ContinuousCDF, StudentsT};

const ALPHA: f64 = 0.05;
const SCALE: f64 = 0.02;

type Specs = Vec<shequ::model::jurisdictions::JurisdictionSpec>;

fn scenario(file: &str) -> (Params, Specs) {
    let s = common::load(file);
    let mut p = s.params;
    p.simulation.population_scale = SCALE;
    (p, s.jurisdictions)
}

/// Names of the statistics `stats` returns.
fn names() -> Vec<String> {
    let mut n: Vec<String> = METRICS.iter().map(|m| m.name.to_string()).collect();
    for g in GROUPS {
        n.push(format!("{g}.satisfaction"));
        n.push(format!("{g}.needs_met_share"));
    }
    for f in ["births", "arrivals", "deaths", "departures"] {
        n.push(format!("{f}_per_1k_person_months"));
    }
    for m in ["satisfaction_mean", "unemployment_rate", "migrant_registration_rate"] {
        n.push(format!("month1.{m}"));
    }
    n
}

/// One replication's statistics.
fn stats(p: &Params, specs: &[shequ::model::jurisdictions::JurisdictionSpec], seed: u64) -> Vec<f64> {
    let r = schedule::run(p, specs, rng::replication_seed(seed, 0));
    let mut v: Vec<f64> = metrics::values(&r.window).to_vec();
    for g in metrics::group_values(&r.window) {
        v.extend(g);
    }
    let per_1k = |x: u64| x as f64 * 1e3 / r.person_months as f64;
    let f = r.flows;
    v.extend([
        per_1k(f.births),
        per_1k(f.arrivals),
        per_1k(f.deaths),
        per_1k(f.departures),
    ]);
    let month1 = metrics::values(&r.monthly[0]);
    for m in ["satisfaction_mean", "unemployment_rate", "migrant_registration_rate"] {
        let k = METRICS.iter().position(|d| d.name == m).expect("metric exists");
        v.push(month1[k]);
    }
    v
}

/// `reps` replications with seeds `first..first + reps`, one row each.
fn arm(p: &Params, specs: &[shequ::model::jurisdictions::JurisdictionSpec], first: u64, reps: u64) -> Vec<Vec<f64>> {
    (first..first + reps)
        .into_par_iter()
        .map(|s| stats(p, specs, s))
        .collect()
}

/// Fails when the event and reference arms of `p` differ (Holm-adjusted).
fn assert_same(p: &Params, specs: &Specs, reps: u64) -> Vec<Vec<f64>> {
    let (e, r) = arms(p, specs, reps);
    let bad = rejected(&e, &r, true);
    assert!(
        bad.is_empty(),
        "event pass differs from the reference (Holm-adjusted p < {ALPHA}): {bad:?}"
    );
    r
}

/// The reference arm of `p` (seeds from 10,000) and the event arm (from 20,000).
fn arms(p: &Params, specs: &Specs, reps: u64) -> (Vec<Vec<f64>>, Vec<Vec<f64>>) {
    let mut reference = p.clone();
    reference.simulation.reference_residents = true;
    (arm(p, specs, 20_000, reps), arm(&reference, specs, 10_000, reps))
}

fn mean_var(x: &[f64]) -> (f64, f64) {
    let n = x.len() as f64;
    let m = x.iter().sum::<f64>() / n;
    (m, x.iter().map(|v| (v - m).powi(2)).sum::<f64>() / (n - 1.0))
}

/// Two-sided Welch t test p-value.
fn welch(a: &[f64], b: &[f64]) -> f64 {
    let ((ma, va), (mb, vb)) = (mean_var(a), mean_var(b));
    let (sa, sb) = (va / a.len() as f64, vb / b.len() as f64);
    let se = (sa + sb).sqrt();
    if se == 0.0 {
        return if ma == mb { 1.0 } else { 0.0 };
    }
    let t = (ma - mb) / se;
    let df = (sa + sb).powi(2) / (sa * sa / (a.len() as f64 - 1.0) + sb * sb / (b.len() as f64 - 1.0));
    let d = StudentsT::new(0.0, 1.0, df).expect("valid t");
    2.0 * (1.0 - d.cdf(t.abs()))
}

/// Two-sample Kolmogorov–Smirnov p-value (asymptotic, with Stephens'
/// small-sample correction; conservative with ties).
fn ks(a: &[f64], b: &[f64]) -> f64 {
    let mut x = a.to_vec();
    let mut y = b.to_vec();
    x.sort_by(f64::total_cmp);
    y.sort_by(f64::total_cmp);
    let (n, m) = (x.len(), y.len());
    let (mut i, mut j, mut d) = (0, 0, 0.0f64);
    while i < n && j < m {
        let v = x[i].min(y[j]);
        while i < n && x[i] <= v {
            i += 1;
        }
        while j < m && y[j] <= v {
            j += 1;
        }
        d = d.max((i as f64 / n as f64 - j as f64 / m as f64).abs());
    }
    let ne = (n * m) as f64 / (n + m) as f64;
    let lambda = (ne.sqrt() + 0.12 + 0.11 / ne.sqrt()) * d;
    // Q_KS(λ) = 2 Σ (−1)^(k−1) exp(−2 k² λ²).
    let mut q = 0.0;
    for k in 1..=100 {
        let term = (-2.0 * (k as f64 * lambda).powi(2)).exp();
        q += if k % 2 == 1 { 2.0 * term } else { -2.0 * term };
        if term < 1e-12 {
            break;
        }
    }
    if lambda < 0.3 {
        1.0
    } else {
        q.clamp(0.0, 1.0)
    }
}

/// Holm-adjusted p-values.
fn holm(p: &[f64]) -> Vec<f64> {
    let mut order: Vec<usize> = (0..p.len()).collect();
    order.sort_by(|&a, &b| p[a].total_cmp(&p[b]));
    let m = p.len();
    let mut adj = vec![0.0; m];
    let mut run = 0.0f64;
    for (rank, &i) in order.iter().enumerate() {
        run = run.max(((m - rank) as f64 * p[i]).min(1.0));
        adj[i] = run;
    }
    adj
}

/// The statistics whose means or distributions differ between `a` and `b`
/// after Holm's adjustment, as (name, test, adjusted p); statistics constant
/// in both arms must be equal.
fn rejected(a: &[Vec<f64>], b: &[Vec<f64>], print: bool) -> Vec<(String, &'static str, f64)> {
    let names = names();
    let mut tests = Vec::new();
    for (k, name) in names.iter().enumerate() {
        let x: Vec<f64> = a.iter().map(|r| r[k]).collect();
        let y: Vec<f64> = b.iter().map(|r| r[k]).collect();
        assert!(x.iter().chain(&y).all(|v| v.is_finite()), "{name} is not finite");
        let (mx, vx) = mean_var(&x);
        let (my, vy) = mean_var(&y);
        if vx == 0.0 && vy == 0.0 {
            assert_eq!(mx, my, "{name} is constant in both arms but differs");
            continue;
        }
        let (pt, pk) = (welch(&x, &y), ks(&x, &y));
        if print {
            eprintln!("{name:45} event {mx:>12.6} reference {my:>12.6}  Welch p {pt:.3}  KS p {pk:.3}");
        }
        tests.push((name.clone(), "Welch t", pt));
        tests.push((name.clone(), "KS", pk));
    }
    let p: Vec<f64> = tests.iter().map(|t| t.2).collect();
    let adj = holm(&p);
    tests
        .into_iter()
        .zip(adj)
        .filter(|(_, q)| *q < ALPHA)
        .map(|((n, t, _), q)| (n, t, q))
        .collect()
}

#[test]
fn event_pass_matches_the_reference_in_distribution() {
    let (p, specs) = scenario("scenarios/baseline.toml");
    let r = assert_same(&p, &specs, 300);

    // Power: the same tests on a 5% higher departure rate (event side).
    let mut wrong = p.clone();
    wrong.migration.departure_annual *= 1.05;
    let w = arm(&wrong, &specs, 20_000, 300);
    let seen = rejected(&w, &r, false);
    eprintln!(
        "a 5% change in the departure rate is seen in {} tests: {seen:?}",
        seen.len()
    );
    assert!(
        seen.iter().any(|s| s.0 == "departures_per_1k_person_months"),
        "the oracle cannot see a 5% change in departures: {seen:?}"
    );
}

#[test]
fn event_pass_matches_the_reference_with_every_lever_on() {
    let (p, specs) = scenario("scenarios/packages/all_levers.toml");
    assert_same(&p, &specs, 150);
}

#[test]
fn event_pass_matches_the_reference_with_unusual_ages() {
    let (mut p, specs) = scenario("scenarios/baseline.toml");
    p.labour.retirement_age_years = 55;
    p.demography.elderly_age_years = 65;
    p.labour.working_age_min_years = 14;
    p.demography.adult_age_years = 20;
    p.satisfaction.smoothing = 0.5;
    assert_same(&p, &specs, 150);
}

/// Counts, buckets and satisfaction sums kept incrementally by the event
/// pass equal a recount after every month, reforms on and off.
#[test]
fn kept_counts_equal_a_recount_every_month() {
    for scenario in ["scenarios/baseline.toml", "scenarios/packages/all_levers.toml"] {
        let s = common::load(scenario);
        let mut p = s.params;
        p.simulation.population_scale = 0.01;
        let ages: AgeClasses = residents::age_classes(&p);
        let mut w = schedule::spin_up(&p, &s.jurisdictions, rng::replication_seed(3, 0));
        for _ in 0..p.simulation.months {
            schedule::step(&mut w, &p);
            for c in &w.committees {
                let now = w.elapsed_months;
                c.persons
                    .check(now, ages)
                    .unwrap_or_else(|e| panic!("{scenario} month {}: committee {}: {e}", w.month, c.id));
                let recount = residents::count(&c.persons, now, ages);
                assert_eq!(
                    format!("{:?}", c.counts),
                    format!("{recount:?}"),
                    "{scenario} month {}: committee {}",
                    w.month,
                    c.id
                );
                let in_buckets: usize = (0..BUCKETS).map(|k| c.persons.bucket_len(k)).sum();
                assert_eq!(in_buckets, c.persons.len());
            }
        }
    }
}
