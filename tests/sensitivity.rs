//! Design and estimator correctness against functions with known analytic
//! sensitivity indices (outside the model): Ishigami and Sobol's G function
//! for the Saltelli/Sobol estimators, a linear function and the G function
//! for Morris, and the stratification of Latin hypercubes.

use shequ::experiment::design;
use shequ::experiment::sensitivity::{self, SaltelliOutputs};
use shequ::model::rng::{self, StreamKind};
use std::f64::consts::PI;

fn rng() -> rng::Rng {
    rng::stream(42, StreamKind::Committee, 0)
}

fn ishigami(u: &[f64]) -> f64 {
    let x: Vec<f64> = u.iter().map(|v| -PI + 2.0 * PI * v).collect();
    let (a, b) = (7.0, 0.1);
    x[0].sin() + a * x[1].sin().powi(2) + b * x[2].powi(4) * x[0].sin()
}

/// Analytic (first, total) indices of Ishigami with a = 7, b = 0.1.
fn ishigami_indices() -> [(f64, f64); 3] {
    let (a, b): (f64, f64) = (7.0, 0.1);
    let v1 = 0.5 * (1.0 + b * PI.powi(4) / 5.0).powi(2);
    let v2 = a * a / 8.0;
    let v13 = 8.0 * b * b * PI.powi(8) / 225.0;
    let v = v1 + v2 + v13;
    [(v1 / v, (v1 + v13) / v), (v2 / v, v2 / v), (0.0, v13 / v)]
}

const G_A: [f64; 6] = [0.0, 1.0, 4.5, 9.0, 99.0, 99.0];

fn g_function(u: &[f64]) -> f64 {
    u.iter()
        .zip(G_A)
        .map(|(x, a)| ((4.0 * x - 2.0).abs() + a) / (1.0 + a))
        .product()
}

fn g_indices() -> Vec<(f64, f64)> {
    let vi: Vec<f64> = G_A.iter().map(|a| 1.0 / (3.0 * (1.0 + a) * (1.0 + a))).collect();
    let prod: f64 = vi.iter().map(|v| 1.0 + v).product();
    let v = prod - 1.0;
    vi.iter().map(|&x| (x / v, x * prod / (1.0 + x) / v)).collect()
}

fn estimate(f: fn(&[f64]) -> f64, k: usize, n: usize) -> Vec<sensitivity::SobolIndex> {
    let d = design::saltelli(n, k, 7);
    let y: Vec<f64> = d.points.iter().map(|p| f(p)).collect();
    let out = SaltelliOutputs::from_design(&d, k, &y);
    sensitivity::sobol(&out, 300, &mut rng())
}

/// Estimated first-order and total indices of factor i are within `tol` of the analytic ones.
fn assert_close(i: usize, e: &sensitivity::SobolIndex, s1: f64, st: f64, tol: f64) {
    assert!(
        (e.first.value - s1).abs() < tol,
        "S{} = {} vs {s1}",
        i + 1,
        e.first.value
    );
    assert!(
        (e.total.value - st).abs() < tol,
        "ST{} = {} vs {st}",
        i + 1,
        e.total.value
    );
}

#[test]
fn sobol_indices_of_ishigami_match_the_analytic_values() {
    // Tolerance: 0.02 absolute at n = 16,384 base samples (about 4 standard
    // errors of these estimators there).
    let est = estimate(ishigami, 3, 1 << 14);
    for (i, (e, (s1, st))) in est.iter().zip(ishigami_indices()).enumerate() {
        assert_close(i, e, s1, st, 0.02);
        for x in [e.first, e.total] {
            assert!(x.low <= x.value && x.value <= x.high, "{x:?}");
            assert!(x.high - x.low < 0.08, "interval too wide: {x:?}");
        }
        // The bootstrap interval, with 0.01 of slack, holds the true value.
        assert!(e.first.low - 0.01 <= s1 && s1 <= e.first.high + 0.01);
        assert!(e.total.low - 0.01 <= st && st <= e.total.high + 0.01);
    }
}

#[test]
fn sobol_indices_of_the_g_function_match_the_analytic_values() {
    let est = estimate(g_function, 6, 1 << 14);
    for (i, (e, (s1, st))) in est.iter().zip(g_indices()).enumerate() {
        assert_close(i, e, s1, st, 0.02);
    }
    // Importance is ordered as a_i is: smaller a, larger index.
    assert!(est[0].total.value > est[1].total.value && est[1].total.value > est[2].total.value);
}

#[test]
fn sobol_intervals_shrink_with_more_samples() {
    let small = estimate(ishigami, 3, 256);
    let large = estimate(ishigami, 3, 4096);
    for (s, l) in small.iter().zip(&large) {
        assert!(l.total.high - l.total.low < s.total.high - s.total.low);
    }
}

#[test]
fn morris_recovers_the_slopes_of_a_linear_function() {
    // f = Σ c_i x_i with x_i on [lo_i, hi_i]: every elementary effect of
    // factor i (per unit coordinate) is c_i (hi_i − lo_i), so σ = 0.
    let c = [3.0, -2.0, 0.5, 0.0];
    let range = [(0.0, 1.0), (1.0, 5.0), (-2.0, 2.0), (0.0, 10.0)];
    let (r, k, p) = (12, 4, 4);
    let d = design::morris(r, k, p, &mut rng());
    let y: Vec<f64> = d
        .points
        .iter()
        .map(|u| {
            (0..k)
                .map(|i| c[i] * (range[i].0 + u[i] * (range[i].1 - range[i].0)))
                .sum()
        })
        .collect();
    let ee = sensitivity::elementary_effects(&d, k, &y);
    let m = sensitivity::morris(&ee, 100, &mut rng());
    for i in 0..k {
        let slope = c[i] * (range[i].1 - range[i].0);
        assert_eq!(m[i].trajectories, r);
        assert!((m[i].mu - slope).abs() < 1e-9, "mu {} vs {slope}", m[i].mu);
        assert!((m[i].mu_star.value - slope.abs()).abs() < 1e-9);
        assert!(m[i].sigma < 1e-9);
    }
}

#[test]
fn morris_ranks_the_g_function_factors() {
    let (r, k, p) = (50, 6, 4);
    let d = design::morris(r, k, p, &mut rng());
    let y: Vec<f64> = d.points.iter().map(|u| g_function(u)).collect();
    let m = sensitivity::morris(&sensitivity::elementary_effects(&d, k, &y), 200, &mut rng());
    for i in 0..3 {
        assert!(
            m[i].mu_star.value > m[i + 1].mu_star.value,
            "mu* not decreasing at {i}: {:?}",
            m.iter().map(|x| x.mu_star.value).collect::<Vec<_>>()
        );
    }
    assert!(m[4].mu_star.value < 0.05 * m[0].mu_star.value);
}

#[test]
fn latin_hypercube_has_one_point_per_stratum_per_factor() {
    for (n, k) in [(1, 3), (7, 2), (50, 5), (333, 4)] {
        let d = design::lhs(n, k, &mut rng());
        assert_eq!(d.points.len(), n);
        for i in 0..k {
            let mut strata: Vec<usize> = d.points.iter().map(|p| (p[i] * n as f64).floor() as usize).collect();
            strata.sort_unstable();
            assert_eq!(strata, (0..n).collect::<Vec<_>>(), "factor {i} of an LHS with n = {n}");
        }
    }
}

fn ishigami_plus_1000(u: &[f64]) -> f64 {
    ishigami(u) + 1000.0
}

#[test]
fn sobol_indices_do_not_depend_on_the_output_mean() {
    // A model output with a large mean and a small spread (like satisfaction)
    // must not blow up the first-order estimator's error.
    let est = estimate(ishigami_plus_1000, 3, 1 << 12);
    for (e, (s1, _)) in est.iter().zip(ishigami_indices()) {
        assert!((e.first.value - s1).abs() < 0.04, "S1 {} vs {s1}", e.first.value);
        assert!(e.first.high - e.first.low < 0.15, "{:?}", e.first);
    }
}
