//! Experiment designs: where in the factor space to run the model.
//!
//! Every design is a list of points in the unit cube [0, 1]^k; the
//! experiment maps coordinate i of a point to a value of factor i (range,
//! list or distribution, see `spec.rs`). Each point carries a label that
//! says what role it plays for the sensitivity estimators.
//!
//! - `grid`: full factorial over given per-factor levels (last factor fastest);
//! - `lhs`: Latin hypercube, n points, one in each of the n equal strata of
//!   every factor, at a uniform position inside its stratum;
//! - `sobol`: Saltelli's scheme from an Owen-scrambled Sobol sequence of
//!   dimension 2k (`sobol_burley`): for base sample j, rows A_j (dimensions
//!   0..k), B_j (k..2k) and AB_j^(i) = A_j with coordinate i from B_j, so
//!   n base samples cost n(k + 2) points;
//! - `morris`: r trajectories on a p-level grid (p even), step
//!   Δ = p / (2(p − 1)); each trajectory starts at a random grid point and
//!   moves one factor at a time, in random order, by +Δ or, where that would
//!   leave [0, 1], by −Δ (Morris 1991).

use crate::model::rng::Rng;
use rand::seq::SliceRandom as _;
use rand::RngExt as _;

/// What a design point is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Label {
    Grid,
    Lhs,
    /// Saltelli matrices: row `row` of A, B or AB^(i).
    SobolA {
        row: usize,
    },
    SobolB {
        row: usize,
    },
    SobolAB {
        row: usize,
        factor: usize,
    },
    /// Step `step` of a Morris trajectory; `moved` is the factor changed
    /// from the previous step (none at step 0).
    Morris {
        trajectory: usize,
        step: usize,
        moved: Option<usize>,
    },
}

impl Label {
    /// The `block`, `index` and factor-index columns of `design.csv`.
    pub fn columns(&self) -> (String, Option<usize>, Option<usize>) {
        match *self {
            Label::Grid => ("grid".into(), None, None),
            Label::Lhs => ("lhs".into(), None, None),
            Label::SobolA { row } => ("A".into(), Some(row), None),
            Label::SobolB { row } => ("B".into(), Some(row), None),
            Label::SobolAB { row, factor } => ("AB".into(), Some(row), Some(factor)),
            Label::Morris {
                trajectory,
                step,
                moved,
            } => (format!("trajectory_{trajectory}"), Some(step), moved),
        }
    }
}

/// Points in the unit cube and their roles.
#[derive(Debug, Clone)]
pub struct Design {
    pub points: Vec<Vec<f64>>,
    pub labels: Vec<Label>,
}

/// Full factorial over `levels[i]` (unit coordinates of factor i's levels).
pub fn grid(levels: &[Vec<f64>]) -> Design {
    let mut points: Vec<Vec<f64>> = vec![Vec::new()];
    for l in levels {
        points = points
            .iter()
            .flat_map(|p| {
                l.iter().map(move |&u| {
                    let mut q = p.clone();
                    q.push(u);
                    q
                })
            })
            .collect();
    }
    if levels.is_empty() {
        points.clear();
    }
    let labels = vec![Label::Grid; points.len()];
    Design { points, labels }
}

/// Latin hypercube of `n` points in `k` dimensions.
pub fn lhs(n: usize, k: usize, rng: &mut Rng) -> Design {
    let mut points = vec![vec![0.0; k]; n];
    let mut strata: Vec<usize> = (0..n).collect();
    for i in 0..k {
        strata.shuffle(rng);
        for (p, &s) in points.iter_mut().zip(&strata) {
            p[i] = (s as f64 + rng.random::<f64>()) / n as f64;
        }
    }
    Design {
        labels: vec![Label::Lhs; n],
        points,
    }
}

/// Most dimensions `sobol_burley` gives (2k ≤ this).
pub const SOBOL_MAX_DIMENSIONS: usize = 256;
/// Most base samples `sobol_burley` gives.
pub const SOBOL_MAX_SAMPLES: usize = 1 << 16;

/// Saltelli design from an Owen-scrambled Sobol sequence (scramble `seed`).
pub fn saltelli(n: usize, k: usize, seed: u32) -> Design {
    let mut points = Vec::with_capacity(n * (k + 2));
    let mut labels = Vec::with_capacity(n * (k + 2));
    for row in 0..n {
        let s = |d: usize| f64::from(sobol_burley::sample(row as u32, d as u32, seed));
        let a: Vec<f64> = (0..k).map(s).collect();
        let b: Vec<f64> = (k..2 * k).map(s).collect();
        for i in 0..k {
            let mut ab = a.clone();
            ab[i] = b[i];
            points.push(ab);
            labels.push(Label::SobolAB { row, factor: i });
        }
        points.push(a);
        labels.push(Label::SobolA { row });
        points.push(b);
        labels.push(Label::SobolB { row });
    }
    Design { points, labels }
}

/// Morris trajectories: `r` of them, `p` levels (even), `k` factors.
pub fn morris(r: usize, k: usize, p: usize, rng: &mut Rng) -> Design {
    let step = p as f64 / (2.0 * (p as f64 - 1.0));
    let mut points = Vec::with_capacity(r * (k + 1));
    let mut labels = Vec::with_capacity(r * (k + 1));
    let mut order: Vec<usize> = (0..k).collect();
    for t in 0..r {
        let mut x: Vec<f64> = (0..k)
            .map(|_| rng.random_range(0..p) as f64 / (p as f64 - 1.0))
            .collect();
        order.shuffle(rng);
        points.push(x.clone());
        labels.push(Label::Morris {
            trajectory: t,
            step: 0,
            moved: None,
        });
        for (s, &i) in order.iter().enumerate() {
            // Grid arithmetic in level units keeps the coordinates exact.
            let up = x[i] + step <= 1.0 + 1e-12;
            x[i] = if up { x[i] + step } else { x[i] - step }.clamp(0.0, 1.0);
            points.push(x.clone());
            labels.push(Label::Morris {
                trajectory: t,
                step: s + 1,
                moved: Some(i),
            });
        }
    }
    Design { points, labels }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grid_is_the_full_product() {
        let d = grid(&[vec![0.0, 1.0], vec![0.0, 0.5, 1.0]]);
        assert_eq!(d.points.len(), 6);
        assert_eq!(d.points[0], vec![0.0, 0.0]);
        assert_eq!(d.points[1], vec![0.0, 0.5]);
        assert_eq!(d.points[5], vec![1.0, 1.0]);
    }

    #[test]
    fn saltelli_rows_share_coordinates_as_the_estimators_need() {
        let (n, k) = (16, 3);
        let d = saltelli(n, k, 1);
        assert_eq!(d.points.len(), n * (k + 2));
        for row in 0..n {
            let at = |l: Label| d.points[d.labels.iter().position(|&x| x == l).unwrap()].clone();
            let (a, b) = (at(Label::SobolA { row }), at(Label::SobolB { row }));
            for i in 0..k {
                let ab = at(Label::SobolAB { row, factor: i });
                for j in 0..k {
                    assert_eq!(ab[j], if j == i { b[j] } else { a[j] });
                }
            }
        }
        assert!(d.points.iter().flatten().all(|u| (0.0..1.0).contains(u)));
    }

    #[test]
    fn morris_moves_one_factor_by_delta_per_step() {
        let mut rng = crate::model::rng::stream(1, crate::model::rng::StreamKind::Committee, 0);
        let (r, k, p) = (5, 4, 4);
        let d = morris(r, k, p, &mut rng);
        assert_eq!(d.points.len(), r * (k + 1));
        let delta = 4.0 / 6.0;
        for w in d.points.windows(2).zip(d.labels.iter().skip(1)) {
            let (pair, label) = w;
            if let Label::Morris { moved: Some(i), .. } = *label {
                for (j, (x1, x0)) in pair[1].iter().zip(&pair[0]).enumerate() {
                    let change = (x1 - x0).abs();
                    if j == i {
                        assert!((change - delta).abs() < 1e-12);
                    } else {
                        assert_eq!(change, 0.0);
                    }
                }
            }
        }
        assert!(d.points.iter().flatten().all(|u| (0.0..=1.0).contains(u)));
    }
}
