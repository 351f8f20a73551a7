//! The pure part of `run --target-ci`: how wide the 95% interval still is,
//! and how many replications the next batch should have. The batches
//! themselves are run by `cli/run.rs`.

use crate::study::compare::CompareRow;
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

/// The replication count of the next batch after one of `reps` ended at
/// `half_width`: at least one more, at most `max`.
pub fn next_reps(reps: u32, half_width: f64, target_half_width: f64, max: u32) -> u32 {
    // The half-width shrinks as 1/√n: aim 10% past the projected need.
    let projected = (f64::from(reps) * (half_width / target_half_width).powi(2) * 1.1).ceil();
    (projected.min(f64::from(max)) as u32).max(reps + 1).min(max)
}
