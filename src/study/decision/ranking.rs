//! Ranking scenarios on one metric from paired replications
//! `values[scenario][replication]`.
//!
//! Common rules:
//! - rank 1 = best under the metric's [`Direction`]; exactly equal values
//!   share the average of their positions (R `rank(ties.method = "average")`);
//! - a replication is used only if every scenario's value in it is finite
//!   (complete cases); `n` is the number used;
//! - probability of being best: in each bootstrap draw / replication the k
//!   scenarios tied for best each get 1/k (ties split), so the
//!   probabilities sum to 1;
//! - rank interval: type-7 quantiles of the draw ranks at α/2 and 1 − α/2
//!   (α = 1 − `level`; 2.5 % and 97.5 % at level 0.95); may be fractional;
//! - `rank` is the rank of the scenario means over the n used replications;
//! - `Neutral` direction: every rank field is `None`; n = 0 likewise;
//!   zero resamples (bootstrap) or an invalid level: only `rank` (and, for an
//!   invalid level, `mean_rank`/`p_best`) is filled.

use super::common::{
    average_ranks, check_rect, complete_columns, quantile_sorted, sort_f64, valid_level, DecisionError, Direction,
};
use rand::{RngExt, SeedableRng};
use rand_pcg::Pcg64Mcg;
use serde::Serialize;

/// Rank summary of one scenario; see the module docs for the definitions.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ScenarioRank {
    /// Row index in `values`.
    pub scenario: usize,
    /// Rank of the scenario's mean over the used replications.
    pub rank: Option<f64>,
    /// Mean of the scenario's rank over bootstrap draws / replications.
    pub mean_rank: Option<f64>,
    pub rank_low: Option<f64>,
    pub rank_high: Option<f64>,
    /// Probability of being best (ties split).
    pub p_best: Option<f64>,
}

/// Ranking of all scenarios.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Ranking {
    /// Complete replications used.
    pub n: usize,
    /// Number of rankings summarised: bootstrap resamples, or n for
    /// [`rank_by_replication`].
    pub draws: usize,
    pub level: f64,
    pub rows: Vec<ScenarioRank>,
}

fn empty_rows(s: usize) -> Vec<ScenarioRank> {
    (0..s)
        .map(|scenario| ScenarioRank {
            scenario,
            rank: None,
            mean_rank: None,
            rank_low: None,
            rank_high: None,
            p_best: None,
        })
        .collect()
}

/// Splits one unit of "best" among the scenarios tied at rank-best.
fn add_best(ranks: &[f64], p_best: &mut [f64]) {
    let best = ranks.iter().copied().fold(f64::INFINITY, f64::min);
    let k = ranks.iter().filter(|&&r| r == best).count() as f64;
    for (p, &r) in p_best.iter_mut().zip(ranks) {
        if r == best {
            *p += 1.0 / k;
        }
    }
}

/// Summaries from the per-draw ranks `draw_ranks[scenario][draw]`.
fn summarise(
    point_ranks: &[f64],
    mut draw_ranks: Vec<Vec<f64>>,
    p_best_sum: &[f64],
    level: f64,
    rows: &mut [ScenarioRank],
) {
    let alpha = (1.0 - level) / 2.0;
    for (s, row) in rows.iter_mut().enumerate() {
        row.rank = Some(point_ranks[s]);
        let ranks = &mut draw_ranks[s];
        let draws = ranks.len();
        if draws == 0 {
            continue;
        }
        row.mean_rank = Some(ranks.iter().sum::<f64>() / draws as f64);
        row.p_best = Some(p_best_sum[s] / draws as f64);
        if valid_level(level) {
            sort_f64(ranks);
            row.rank_low = quantile_sorted(ranks, alpha);
            row.rank_high = quantile_sorted(ranks, 1.0 - alpha);
        }
    }
}

/// Complete replication indices and the point ranks of the scenario means.
type Prepared = (Vec<usize>, Vec<f64>);

/// Validated complete-case view, or `None` when ranks are undefined
/// (Neutral, no scenario, no complete replication).
fn prepare(values: &[Vec<f64>], direction: Direction) -> Result<Option<Prepared>, DecisionError> {
    let len = check_rect(values)?;
    let cols = complete_columns(values, len);
    if values.is_empty() || cols.is_empty() || direction == Direction::Neutral {
        return Ok(None);
    }
    let n = cols.len() as f64;
    let means: Vec<f64> = values
        .iter()
        .map(|row| cols.iter().map(|&r| row[r]).sum::<f64>() / n)
        .collect();
    Ok(average_ranks(&means, direction).map(|r| (cols, r)))
}

/// Ranking by **joint bootstrap over replications**.
///
/// Definition: with the n complete replications, draw `resamples` (B)
/// bootstrap samples of replication indices (n indices uniformly with
/// replacement, `Pcg64Mcg::seed_from_u64(seed)`, `random_range(0..n)`); the
/// **same** indices are used for every scenario, preserving the pairing.
/// In each draw compute every scenario's mean over the drawn replications and
/// rank the means (rank 1 = best, average ranks for ties). Report per
/// scenario: `mean_rank` = mean of its B ranks; `rank_low`/`rank_high` =
/// type-7 quantiles of its B ranks at α/2 and 1 − α/2; `p_best` = share of
/// draws in which it is best, ties split. Deterministic given `seed`.
///
/// Errors: a ragged matrix. See the module docs for degenerate cases.
pub fn rank_bootstrap(
    values: &[Vec<f64>],
    direction: Direction,
    resamples: usize,
    level: f64,
    seed: u64,
) -> Result<Ranking, DecisionError> {
    let s = values.len();
    let mut rows = empty_rows(s);
    let Some((cols, point)) = prepare(values, direction)? else {
        let n = check_rect(values).map(|len| complete_columns(values, len).len())?;
        return Ok(Ranking {
            n,
            draws: 0,
            level,
            rows,
        });
    };
    let n = cols.len();
    let mut rng = Pcg64Mcg::seed_from_u64(seed);
    let mut draw_ranks = vec![Vec::with_capacity(resamples); s];
    let mut p_best = vec![0.0; s];
    let mut sums = vec![0.0; s];
    for _ in 0..resamples {
        sums.iter_mut().for_each(|v| *v = 0.0);
        for _ in 0..n {
            let r = cols[rng.random_range(0..n)];
            for (sum, row) in sums.iter_mut().zip(values) {
                *sum += row[r];
            }
        }
        let means: Vec<f64> = sums.iter().map(|v| v / n as f64).collect();
        if let Some(ranks) = average_ranks(&means, direction) {
            add_best(&ranks, &mut p_best);
            for (dr, r) in draw_ranks.iter_mut().zip(ranks) {
                dr.push(r);
            }
        }
    }
    summarise(&point, draw_ranks, &p_best, level, &mut rows);
    Ok(Ranking {
        n,
        draws: resamples,
        level,
        rows,
    })
}

/// Ranking **by replication** (for probabilistic runs, where replication r
/// of every scenario shares parameter draw r).
///
/// Definition: in each of the n complete replications rank the scenarios'
/// values (rank 1 = best, average ranks for ties). Report per scenario:
/// `mean_rank` = mean of its n ranks; `rank_low`/`rank_high` = type-7
/// quantiles of its n ranks at α/2 and 1 − α/2; `p_best` = share of
/// replications in which it is best, ties split. No randomness.
///
/// Errors: a ragged matrix. See the module docs for degenerate cases.
pub fn rank_by_replication(values: &[Vec<f64>], direction: Direction, level: f64) -> Result<Ranking, DecisionError> {
    let s = values.len();
    let mut rows = empty_rows(s);
    let Some((cols, point)) = prepare(values, direction)? else {
        let n = check_rect(values).map(|len| complete_columns(values, len).len())?;
        return Ok(Ranking {
            n,
            draws: 0,
            level,
            rows,
        });
    };
    let mut draw_ranks = vec![Vec::with_capacity(cols.len()); s];
    let mut p_best = vec![0.0; s];
    for &r in &cols {
        let v: Vec<f64> = values.iter().map(|row| row[r]).collect();
        if let Some(ranks) = average_ranks(&v, direction) {
            add_best(&ranks, &mut p_best);
            for (dr, rk) in draw_ranks.iter_mut().zip(ranks) {
                dr.push(rk);
            }
        }
    }
    summarise(&point, draw_ranks, &p_best, level, &mut rows);
    Ok(Ranking {
        n: cols.len(),
        draws: cols.len(),
        level,
        rows,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: Option<f64>, b: f64, tol: f64) -> bool {
        a.is_some_and(|a| (a - b).abs() <= tol)
    }

    fn example() -> Vec<Vec<f64>> {
        vec![
            vec![1.0, 5.0, 3.0, 2.0], // A
            vec![2.0, 4.0, 3.0, 1.0], // B
            vec![0.0, 6.0, 1.0, 3.0], // C
        ]
    }

    #[test]
    fn by_replication_hand_computed() {
        // Higher is better. Per replication (ranks A, B, C):
        //   r1: B2 > A1 > C0 → 2, 1, 3     r2: C6 > A5 > B4 → 2, 3, 1
        //   r3: A3 = B3 > C1 → 1.5, 1.5, 3  r4: C3 > A2 > B1 → 2, 3, 1
        // mean ranks: A 7.5/4 = 1.875, B 8.5/4 = 2.125, C 8/4 = 2
        // p_best: A 0.5/4 = 0.125, B 1.5/4 = 0.375, C 2/4 = 0.5
        // means A 2.75, B 2.5, C 2.5 → point ranks 1, 2.5, 2.5
        // type-7 quantiles (h = 3q): A sorted [1.5,2,2,2] → 1.5375, 2;
        //   B [1,1.5,3,3] → 1.0375, 3; C [1,1,3,3] → 1, 3
        let r = rank_by_replication(&example(), Direction::Higher, 0.95).unwrap();
        assert_eq!((r.n, r.draws), (4, 4));
        let want = [
            (1.0, 1.875, 1.5375, 2.0, 0.125),
            (2.5, 2.125, 1.0375, 3.0, 0.375),
            (2.5, 2.0, 1.0, 3.0, 0.5),
        ];
        for (row, w) in r.rows.iter().zip(want) {
            assert_eq!(row.rank, Some(w.0));
            assert!(close(row.mean_rank, w.1, 1e-12));
            assert!(close(row.rank_low, w.2, 1e-12));
            assert!(close(row.rank_high, w.3, 1e-12));
            assert!(close(row.p_best, w.4, 1e-12));
        }
        // Lower is better (ranks A, B, C): r1 2, 3, 1; r2 2, 1, 3; r3 2.5, 2.5, 1; r4 2, 1, 3
        // → mean ranks 2.125, 1.875, 2; best: C in r1, r3, B in r2, r4 → p_best 0, 0.5, 0.5
        let l = rank_by_replication(&example(), Direction::Lower, 0.95).unwrap();
        let mr: Vec<f64> = l.rows.iter().map(|x| x.mean_rank.unwrap()).collect();
        assert_eq!(mr, vec![2.125, 1.875, 2.0]);
        let pb: Vec<f64> = l.rows.iter().map(|x| x.p_best.unwrap()).collect();
        assert_eq!(pb, vec![0.0, 0.5, 0.5]);
    }

    #[test]
    fn bootstrap_dominant_and_identical() {
        // A beats B in every replication; C is an exact copy of B.
        let v = vec![
            vec![10.0, 11.0, 12.0, 13.0, 9.5],
            vec![1.0, 2.0, 3.0, 4.0, 5.0],
            vec![1.0, 2.0, 3.0, 4.0, 5.0],
        ];
        let r = rank_bootstrap(&v, Direction::Higher, 500, 0.95, 9).unwrap();
        assert_eq!((r.n, r.draws), (5, 500));
        let a = &r.rows[0];
        assert_eq!(
            (a.rank, a.mean_rank, a.rank_low, a.rank_high, a.p_best),
            (Some(1.0), Some(1.0), Some(1.0), Some(1.0), Some(1.0))
        );
        for row in &r.rows[1..] {
            assert_eq!((row.rank, row.mean_rank, row.p_best), (Some(2.5), Some(2.5), Some(0.0)));
        }
        // identical scenarios split "best" evenly
        let r = rank_bootstrap(&v[1..], Direction::Higher, 300, 0.95, 1).unwrap();
        assert_eq!(r.rows[0].p_best, Some(0.5));
        assert_eq!(r.rows[1].mean_rank, Some(1.5));
    }

    #[test]
    fn bootstrap_p_best_matches_reference() {
        // Two scenarios with paired differences d = A − B (scripts/decision_ref/rank.py): 11 odd
        // multiples of 0.1, so no resample mean of d is 0 and floating-point ties
        // cannot occur. P(A best) = P(mean of a bootstrap resample of d > 0); numpy,
        // 10⁶ resamples → 0.73174 (MC sd 0.00044). Here B = 20 000: MC sd =
        // √(p(1−p)/B) = 0.00313; tolerance 4·√(0.00313² + 0.00044²) = 0.0127.
        let b = vec![5.0, 3.2, 4.1, 6.3, 2.2, 4.8, 3.9, 5.5, 4.4, 3.1, 2.9];
        let d = [0.7, -0.5, 0.3, 1.1, -0.9, 0.1, 0.5, -0.3, 0.9, 0.1, -0.7];
        let a: Vec<f64> = b.iter().zip(d).map(|(x, d)| x + d).collect();
        let r = rank_bootstrap(&[a, b], Direction::Higher, 20_000, 0.95, 2024).unwrap();
        assert!(close(r.rows[0].p_best, 0.73174, 0.0127), "{:?}", r.rows[0]);
        // with two scenarios mean rank = 2 − p_best(A) exactly
        let pa = r.rows[0].p_best.unwrap();
        assert!(close(r.rows[0].mean_rank, 2.0 - pa, 1e-12));
        assert!(close(r.rows[1].p_best, 1.0 - pa, 1e-12));
        assert_eq!((r.rows[0].rank_low, r.rows[0].rank_high), (Some(1.0), Some(2.0)));
    }

    #[test]
    fn bootstrap_invariants_and_determinism() {
        let v = vec![
            vec![3.0, 2.5, 4.0, 3.3, 2.9, 3.8],
            vec![3.1, 2.4, 3.9, 3.5, 3.0, 3.6],
            vec![2.0, 3.5, 4.4, 3.0, 2.0, 4.1],
            vec![3.0, 2.6, 4.1, 3.2, 2.8, 3.9],
        ];
        let r1 = rank_bootstrap(&v, Direction::Lower, 2_000, 0.95, 5).unwrap();
        let r2 = rank_bootstrap(&v, Direction::Lower, 2_000, 0.95, 5).unwrap();
        assert_eq!(r1, r2);
        let r3 = rank_bootstrap(&v, Direction::Lower, 2_000, 0.95, 6).unwrap();
        assert_ne!(r1, r3);
        let total_p: f64 = r1.rows.iter().map(|x| x.p_best.unwrap()).sum();
        let total_rank: f64 = r1.rows.iter().map(|x| x.mean_rank.unwrap()).sum();
        assert!((total_p - 1.0).abs() < 1e-9);
        assert!((total_rank - 10.0).abs() < 1e-9); // 1 + 2 + 3 + 4
        for row in &r1.rows {
            let (l, h) = (row.rank_low.unwrap(), row.rank_high.unwrap());
            assert!((1.0..=4.0).contains(&l) && l <= h && h <= 4.0);
        }
    }

    #[test]
    fn degenerate_inputs() {
        // ragged
        let bad = vec![vec![1.0, 2.0], vec![1.0]];
        assert!(rank_bootstrap(&bad, Direction::Higher, 10, 0.95, 1).is_err());
        assert!(rank_by_replication(&bad, Direction::Higher, 0.95).is_err());
        // empty matrix and zero replications
        let r = rank_bootstrap(&[], Direction::Higher, 10, 0.95, 1).unwrap();
        assert!(r.rows.is_empty());
        let r = rank_by_replication(&[vec![], vec![]], Direction::Higher, 0.95).unwrap();
        assert_eq!((r.n, r.rows.len(), r.rows[0].rank), (0, 2, None));
        // neutral
        let r = rank_bootstrap(&example(), Direction::Neutral, 10, 0.95, 1).unwrap();
        assert!(r.rows.iter().all(|x| x.rank.is_none() && x.p_best.is_none()));
        assert_eq!(r.n, 4);
        // NaN in a replication drops it for every scenario (complete cases)
        let mut v = example();
        v[1][1] = f64::NAN; // drops r2
        let r = rank_by_replication(&v, Direction::Higher, 0.95).unwrap();
        assert_eq!(r.n, 3);
        // remaining r1, r3, r4: A ranks 2, 1.5, 2 → mean 5.5/3
        assert!(close(r.rows[0].mean_rank, 5.5 / 3.0, 1e-12));
        // one replication: every bootstrap draw is that replication
        let one = vec![vec![2.0], vec![1.0]];
        let r = rank_bootstrap(&one, Direction::Higher, 50, 0.95, 3).unwrap();
        assert_eq!(
            (r.rows[0].rank_low, r.rows[0].rank_high, r.rows[0].p_best),
            (Some(1.0), Some(1.0), Some(1.0))
        );
        // single scenario: rank 1, best always
        let r = rank_bootstrap(&[vec![1.0, 2.0]], Direction::Higher, 20, 0.95, 3).unwrap();
        assert_eq!((r.rows[0].rank, r.rows[0].p_best), (Some(1.0), Some(1.0)));
        // zero resamples: only the point rank
        let r = rank_bootstrap(&example(), Direction::Higher, 0, 0.95, 3).unwrap();
        assert_eq!((r.rows[0].rank, r.rows[0].mean_rank), (Some(1.0), None));
        // invalid level: no interval, the rest defined
        let r = rank_by_replication(&example(), Direction::Higher, f64::NAN).unwrap();
        assert!(r.rows[0].rank_low.is_none() && r.rows[0].p_best.is_some());
    }
}
