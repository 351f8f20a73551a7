//! Shares of replications in which a scenario is better than, worse than, or
//! tied with the baseline.

use super::common::{finite, Direction};
use serde::Serialize;

/// Shares of the paired differences d_r = scenario_r − baseline_r.
///
/// Definition, on the n finite d_r (non-finite ones dropped):
/// - `tied` = #{d_r = 0} / n — a tie is an **exact** 0 (under common random
///   numbers an unaffected replication reproduces the baseline bit for bit);
/// - `better` = #{d_r > 0} / n when `Higher` is better, #{d_r < 0} / n when
///   `Lower` is better;
/// - `worse` = the opposite sign's share;
/// - `better + worse + tied = 1`.
///
/// `Neutral` direction: `better` and `worse` are `None`, `tied` is defined.
/// n = 0: all three `None`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Shares {
    pub n: usize,
    pub better: Option<f64>,
    pub worse: Option<f64>,
    pub tied: Option<f64>,
}

/// See [`Shares`] for the definition.
pub fn shares(d: &[f64], direction: Direction) -> Shares {
    let v = finite(d);
    let n = v.len();
    if n == 0 {
        return Shares {
            n,
            better: None,
            worse: None,
            tied: None,
        };
    }
    let nf = n as f64;
    let pos = v.iter().filter(|&&x| x > 0.0).count() as f64 / nf;
    let neg = v.iter().filter(|&&x| x < 0.0).count() as f64 / nf;
    let tied = v.iter().filter(|&&x| x == 0.0).count() as f64 / nf;
    let (better, worse) = match direction {
        Direction::Higher => (Some(pos), Some(neg)),
        Direction::Lower => (Some(neg), Some(pos)),
        Direction::Neutral => (None, None),
    };
    Shares {
        n,
        better,
        worse,
        tied: Some(tied),
    }
}

/// Share of replications in which the scenario is better; see [`Shares`].
pub fn share_better(d: &[f64], direction: Direction) -> Option<f64> {
    shares(d, direction).better
}

/// Share of replications in which the scenario is worse; see [`Shares`].
pub fn share_worse(d: &[f64], direction: Direction) -> Option<f64> {
    shares(d, direction).worse
}

/// Share of replications tied (d_r exactly 0); see [`Shares`].
pub fn share_tied(d: &[f64]) -> Option<f64> {
    shares(d, Direction::Neutral).tied
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_by_direction() {
        // 8 finite values: 4 positive, 2 negative, 2 zero (−0.0 counts as a tie)
        let d = [0.5, -0.1, 0.0, 2.0, f64::NAN, 0.3, -0.0, 1e-300, -4.0];
        let h = shares(&d, Direction::Higher);
        assert_eq!((h.n, h.better, h.worse, h.tied), (8, Some(0.5), Some(0.25), Some(0.25)));
        let l = shares(&d, Direction::Lower);
        assert_eq!((l.better, l.worse, l.tied), (Some(0.25), Some(0.5), Some(0.25)));
        let z = shares(&d, Direction::Neutral);
        assert_eq!((z.better, z.worse, z.tied), (None, None, Some(0.25)));
        assert_eq!(share_better(&d, Direction::Higher), Some(0.5));
        assert_eq!(share_worse(&d, Direction::Higher), Some(0.25));
        assert_eq!(share_tied(&d), Some(0.25));
    }

    #[test]
    fn degenerate() {
        let e = shares(&[], Direction::Higher);
        assert_eq!((e.n, e.better, e.worse, e.tied), (0, None, None, None));
        assert_eq!(shares(&[f64::NAN, f64::INFINITY], Direction::Lower).tied, None);
        let t = shares(&[0.0; 4], Direction::Higher);
        assert_eq!((t.better, t.worse, t.tied), (Some(0.0), Some(0.0), Some(1.0)));
        let one = shares(&[-1.0], Direction::Lower);
        assert_eq!((one.better, one.worse, one.tied), (Some(1.0), Some(0.0), Some(0.0)));
    }
}
