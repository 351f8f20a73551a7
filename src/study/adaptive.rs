//! The pure part of `run --target-ci`: how wide the 95% interval still is,
//! and how many replications the next batch should have. The batches
//! themselves are run by `cli/run.rs`.
//!
//! Sizing: for each row of the metric (every reform's paired difference
//! from the baseline, or the one scenario's mean) with sample sd s, the
//! replications a half-width W needs are n = ⌈(z · s / W)²⌉ with
//! z = Φ⁻¹(0.975) = 1.959964, the **normal** quantile
//! (`decision::sizing::replications_needed`): the final run is large, where
//! t(0.975, n − 1) ≈ z, and a small batch's t quantile would overstate n
//! several-fold. The next batch has the largest such n, at least one more
//! replication than now and at most `max_reps`. The loop stops when the
//! widest Student-t half-width is ≤ W (`widest_half_width`).

use crate::study::compare::CompareRow;
use crate::study::decision::sizing::replications_needed;
use crate::study::stats::Summary;
use serde::Serialize;

/// `--target-ci W --metric NAME`: replicate until the 95% half-width is ≤ W.
#[derive(Debug, Clone, Serialize)]
pub struct Adaptive {
    pub target_half_width: f64,
    pub metric: String,
    pub max_reps: u32,
}

/// The widest 95% half-width of `metric`: over every reform's paired
/// difference from the baseline, or of the one scenario's mean.
pub fn widest_half_width(compare: &[CompareRow], metric_summaries: &[(String, Summary)], metric: &str) -> f64 {
    let widths: Vec<f64> = if compare.is_empty() {
        metric_summaries
            .iter()
            .filter(|(m, _)| m == metric)
            .map(|(_, s)| half_width(s))
            .collect()
    } else {
        compare
            .iter()
            .filter(|r| r.split == "district" && r.metric == metric)
            .map(|r| half_width(&r.diff))
            .collect()
    };
    widths.into_iter().fold(0.0, f64::max)
}

fn half_width(s: &Summary) -> f64 {
    match (s.ci95_low, s.ci95_high) {
        (Some(lo), Some(hi)) => (hi - lo) / 2.0,
        _ => f64::INFINITY,
    }
}

/// How the next batch is sized, for the manifest.
pub const SIZING: &str = "n = ceil((z * sd / target_half_width)^2), z = normal quantile 0.975 = 1.959964, sd = the sample sd of each of the metric's rows (reform paired differences, or the one scenario), the largest n; at least one more replication than the last batch, at most max_reps";

/// The replication count of the next batch after one of `reps`: the
/// largest `sizing::replications_needed` over the metric's rows (see the
/// module docs), at least `reps + 1`, at most `max`.
pub fn next_reps(
    compare: &[CompareRow],
    metric_summaries: &[(String, Summary)],
    metric: &str,
    reps: u32,
    target_half_width: f64,
    max: u32,
) -> u32 {
    let sds: Vec<Option<f64>> = if compare.is_empty() {
        metric_summaries
            .iter()
            .filter(|(m, _)| m == metric)
            .map(|(_, s)| s.sd)
            .collect()
    } else {
        compare
            .iter()
            .filter(|r| r.split == "district" && r.metric == metric)
            .map(|r| r.diff.sd)
            .collect()
    };
    let (floor, cap) = ((reps + 1).min(max) as usize, max as usize);
    let n = sds
        .into_iter()
        .map(|sd| replications_needed(sd.unwrap_or(f64::NAN), target_half_width, 0.95, floor, cap).n)
        .max()
        .unwrap_or(floor);
    u32::try_from(n).unwrap_or(max).clamp(floor as u32, max)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::study::stats::summarise;

    #[test]
    fn the_next_batch_uses_the_normal_quantile() {
        // sd 1, target 0.5: (1.959964 / 0.5)² = 15.37 → 16 (a t quantile of 3
        // replications, 4.30, would ask for 75)
        let s = summarise(&[1.0, 2.0, 3.0]);
        let rows = vec![("m".to_string(), s)];
        assert_eq!(next_reps(&[], &rows, "m", 3, 0.5, 1000), 16);
        assert_eq!(next_reps(&[], &rows, "m", 3, 0.5, 10), 10);
        // already precise: one more replication
        assert_eq!(next_reps(&[], &rows, "m", 3, 100.0, 1000), 4);
    }
}
