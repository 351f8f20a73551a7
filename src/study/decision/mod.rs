//! Decision-grade statistics for comparing reform scenarios against a
//! baseline under common random numbers (replication r of every scenario uses
//! the same seed and, in probabilistic runs, the same parameter draw).
//!
//! Pure functions, no I/O. Modules:
//! - [`paired`]: paired t test and exact sign test of paired differences;
//! - [`multiplicity`]: Holm and Benjamini–Hochberg adjustment;
//! - [`intervals`]: t, bootstrap percentile and BCa intervals, bounds, notes;
//! - [`shares`]: shares of replications better / worse / tied;
//! - [`ranking`]: ranks, rank intervals and probability of being best;
//! - [`pairwise`]: all pairwise paired comparisons with Holm adjustment;
//! - [`cea`]: ICER frontier (dampack semantics), NMB, CEAC/CEAF, EVPI;
//! - [`sensitivity`]: warnings for sensitivity indices;
//! - [`sizing`]: replications needed for a target CI half-width.
//!
//! See [`common`] for the conventions shared by all modules (missing values,
//! undefined results, quantiles, randomness). The reference values of the
//! tests come from scipy, statsmodels and dampack; the scripts that print
//! them are in `scripts/decision_ref/`. `study::stats` (the summaries every
//! output file uses) is built on [`common`] and [`intervals`].

pub mod cea;
pub mod common;
pub mod intervals;
pub mod multiplicity;
pub mod paired;
pub mod pairwise;
pub mod ranking;
pub mod sensitivity;
pub mod shares;
pub mod sizing;

pub use common::{Bounds, DecisionError, Direction};

#[cfg(test)]
mod robustness {
    //! Every public function on hostile inputs: no panic, and no NaN in any
    //! defined (Some) output.
    use super::*;

    fn nasty() -> Vec<Vec<f64>> {
        vec![
            vec![],
            vec![f64::NAN],
            vec![f64::INFINITY, f64::NEG_INFINITY],
            vec![0.0],
            vec![0.0, -0.0],
            vec![1.0, 1.0, 1.0],
            vec![f64::MIN_POSITIVE, 0.0, -f64::MIN_POSITIVE],
            vec![5e-324, 5e-324, 0.0],
            vec![1e308, -1e308, 1e308],
            vec![1e308, 1e308],
            vec![-1.0, f64::NAN, 2.0, f64::INFINITY, 0.5],
            vec![1e-300, 2e-300],
            vec![0.0, 1.0, 0.0, 1.0, 1.0],
        ]
    }

    fn ok(x: Option<f64>) {
        assert!(x.is_none_or(|v| !v.is_nan()), "NaN output");
    }

    #[test]
    fn sample_functions_never_panic_or_return_nan() {
        let bounds = [
            None,
            Some(Bounds::UNIT),
            Some(Bounds::UNIT_DIFFERENCE),
            Some(Bounds::NON_NEGATIVE),
        ];
        for x in nasty() {
            let t = paired::paired_t_test(&x);
            for v in [t.mean, t.sd, t.se, t.t, t.df, t.p_value] {
                ok(v);
            }
            ok(paired::sign_test_p(&x));
            for b in bounds {
                for lvl in [0.95, 0.5, 0.0, f64::NAN] {
                    for r in [
                        intervals::t_interval(&x, lvl, b),
                        intervals::bootstrap_percentile(&x, lvl, 200, 1, b),
                        intervals::bootstrap_bca(&x, lvl, 200, 1, b),
                    ] {
                        for v in [r.mean, r.low, r.high] {
                            ok(v);
                        }
                        if let (Some(l), Some(h), Some(b)) = (r.low, r.high, b) {
                            assert!(l >= b.lo && h <= b.hi && l <= h);
                        }
                    }
                }
            }
            for d in [Direction::Higher, Direction::Lower, Direction::Neutral] {
                let s = shares::shares(&x, d);
                for v in [s.better, s.worse, s.tied] {
                    ok(v);
                }
            }
            let p: Vec<Option<f64>> = x.iter().map(|&v| Some(v)).collect();
            multiplicity::holm(&p).into_iter().for_each(ok);
            multiplicity::benjamini_hochberg(&p).into_iter().for_each(ok);
            let s = sizing::replications_from_pilot(&x, 0.1, 0.95, 2, 1000);
            assert!(s.n <= 1000);
            ok(s.raw);
            let _ = sensitivity::sensitivity_notes(x.first().copied().unwrap_or(f64::NAN), 1.0, None, None);
        }
    }

    #[test]
    fn matrix_functions_never_panic_or_return_nan() {
        let all = nasty();
        for x in &all {
            for y in &all {
                let m = vec![x.clone(), y.clone()];
                for d in [Direction::Higher, Direction::Lower, Direction::Neutral] {
                    for r in [
                        ranking::rank_bootstrap(&m, d, 50, 0.95, 1),
                        ranking::rank_by_replication(&m, d, 0.95),
                    ]
                    .into_iter()
                    .flatten()
                    {
                        for row in r.rows {
                            for v in [row.rank, row.mean_rank, row.rank_low, row.rank_high, row.p_best] {
                                ok(v);
                            }
                        }
                    }
                }
                if let Ok(rows) = pairwise::pairwise(&m, 0.95, None) {
                    for r in rows {
                        for v in [r.mean, r.sd, r.se, r.ci_low, r.ci_high, r.p_value, r.p_holm] {
                            ok(v);
                        }
                    }
                }
                if let Ok(rows) = cea::ceac(&m, &m, &[0.0, 1.0, 1e4]) {
                    for r in rows {
                        r.mean_nmb.iter().chain(&r.p_best).for_each(|&v| ok(Some(v)));
                        ok(r.evpi);
                    }
                }
                let _ = cea::psa_means(&m, &m);
                if x.len() == y.len() {
                    for r in cea::calculate_icers(x, y).unwrap_or_default() {
                        for v in [r.cost, r.effect, r.inc_cost, r.inc_effect, r.icer] {
                            ok(v);
                        }
                    }
                }
            }
        }
    }
}
