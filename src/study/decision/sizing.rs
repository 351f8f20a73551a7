//! Adaptive replication sizing: how many replications a target precision
//! needs, from a pilot run.

use super::common::{finite, norm_ppf, sd, valid_level};
use serde::Serialize;

/// Which limit set the answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SizingLimit {
    Floor,
    Cap,
}

/// Replications needed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Sizing {
    /// Recommended number of replications, within `[floor, cap]`.
    pub n: usize,
    /// (z · sd / h)² before rounding and limits; `None` when undefined.
    pub raw: Option<f64>,
    /// `Some` when the floor or the cap (rather than the formula) set `n`.
    pub limited_by: Option<SizingLimit>,
}

/// Replications needed for a confidence-interval half-width `half_width` (h)
/// given a standard deviation `sd`.
///
/// Definition: n = ⌈(z · sd / h)²⌉ with z = Φ⁻¹((1 + level)/2) the **normal**
/// quantile (1.959964 at level 0.95) — not Student's t, because the final run
/// is large; a pilot's t quantile would overstate n several-fold for tiny
/// pilots. Then n = min(cap, max(floor, n)) (the cap wins if floor > cap).
/// The ceiling ignores a relative excess below 1e−12 (floating-point noise:
/// a mathematically integral 16 computed as 16.000000000000004 stays 16).
///
/// Undefined inputs (sd not finite or < 0; h not finite or ≤ 0; level not in
/// (0, 1)) give the conservative answer n = cap with `raw = None`.
pub fn replications_needed(sd: f64, half_width: f64, level: f64, floor: usize, cap: usize) -> Sizing {
    let z = if valid_level(level) {
        norm_ppf(0.5 + level / 2.0)
    } else {
        None
    };
    let raw = match z {
        Some(z) if sd.is_finite() && sd >= 0.0 && half_width.is_finite() && half_width > 0.0 => {
            let r = (z * sd / half_width).powi(2);
            r.is_finite().then_some(r)
        }
        _ => None,
    };
    let Some(raw) = raw else {
        return Sizing {
            n: cap,
            raw: None,
            limited_by: Some(SizingLimit::Cap),
        };
    };
    // `as` saturates for huge values
    let formula = (raw * (1.0 - 1e-12)).ceil() as usize;
    let (n, limited_by) = if formula > cap || floor > cap {
        (cap, Some(SizingLimit::Cap))
    } else if formula < floor {
        (floor, Some(SizingLimit::Floor))
    } else {
        (formula, None)
    };
    Sizing {
        n,
        raw: Some(raw),
        limited_by,
    }
}

/// [`replications_needed`] with sd = the sample standard deviation (n − 1
/// denominator) of the finite pilot values. A pilot with fewer than 2 finite
/// values has no sd: n = cap, `raw = None`.
pub fn replications_from_pilot(pilot: &[f64], half_width: f64, level: f64, floor: usize, cap: usize) -> Sizing {
    match sd(&finite(pilot)) {
        Some(s) => replications_needed(s, half_width, level, floor, cap),
        None => Sizing {
            n: cap,
            raw: None,
            limited_by: Some(SizingLimit::Cap),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pilot_of_three_uses_the_normal_quantile() {
        // scipy: norm.ppf(0.975) = 1.959963984540054 (scripts/decision_ref/refs.py sizing lines)
        // pilot [1, 2, 3]: sd = 1, h = 0.5 → (1.95996·1/0.5)² = 15.365835282776501 → 16
        // (with t(0.975, 2) = 4.303 it would be 75)
        let s = replications_from_pilot(&[1.0, 2.0, 3.0], 0.5, 0.95, 2, 10_000);
        assert_eq!((s.n, s.limited_by), (16, None));
        assert!((s.raw.unwrap() - 15.365835282776501).abs() < 1e-10);
        // pilot [10, 12, 17]: sd = √13 = 3.605551275463989, h = 1 → 49.93896466902362 → 50
        let s = replications_from_pilot(&[10.0, 12.0, 17.0], 1.0, 0.95, 2, 10_000);
        assert_eq!(s.n, 50);
        assert!((s.raw.unwrap() - 49.93896466902362).abs() < 1e-9);
        // pilot [0.2, 0.25, 0.31], h = 0.01 → 116.5242508943884 → 117
        assert_eq!(
            replications_from_pilot(&[0.2, 0.25, 0.31], 0.01, 0.95, 2, 10_000).n,
            117
        );
        // level 0.90: (1.6448536269514722 · 1 / 0.5)² = 10.822173816381651 → 11
        assert_eq!(replications_needed(1.0, 0.5, 0.90, 2, 10_000).n, 11);
    }

    #[test]
    fn floor_cap_and_undefined() {
        let s = replications_needed(1.0, 0.5, 0.95, 30, 10_000);
        assert_eq!((s.n, s.limited_by), (30, Some(SizingLimit::Floor)));
        assert!((s.raw.unwrap() - 15.365835282776501).abs() < 1e-10);
        let s = replications_needed(1.0, 0.01, 0.95, 2, 1000); // 38415 > cap
        assert_eq!((s.n, s.limited_by), (1000, Some(SizingLimit::Cap)));
        // sd = 0: the floor
        assert_eq!(replications_from_pilot(&[4.0, 4.0, 4.0], 0.1, 0.95, 5, 100).n, 5);
        assert_eq!(replications_needed(0.0, 0.1, 0.95, 0, 100).n, 0);
        // floor > cap: the cap wins
        assert_eq!(replications_needed(1.0, 0.5, 0.95, 50, 20).n, 20);
        // undefined → cap
        for s in [
            replications_from_pilot(&[1.0], 0.5, 0.95, 2, 99),
            replications_from_pilot(&[1.0, f64::NAN], 0.5, 0.95, 2, 99),
            replications_needed(f64::NAN, 0.5, 0.95, 2, 99),
            replications_needed(-1.0, 0.5, 0.95, 2, 99),
            replications_needed(1.0, 0.0, 0.95, 2, 99),
            replications_needed(1.0, f64::INFINITY, 0.95, 2, 99),
            replications_needed(1.0, 0.5, 1.0, 2, 99),
            replications_needed(f64::MAX, 1e-300, 0.95, 2, 99),
        ] {
            assert_eq!((s.n, s.raw, s.limited_by), (99, None, Some(SizingLimit::Cap)));
        }
        // exact integer results are not bumped by rounding noise:
        // sd = 2/z, h = 0.5 → (z·(2/z)/0.5)² = 16 up to rounding
        let z = 1.959963984540054;
        assert_eq!(replications_needed(2.0 / z, 0.5, 0.95, 1, 1000).n, 16);
    }
}
