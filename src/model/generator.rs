//! The synthetic world generator (issue: national scale): street offices,
//! towns and committees built from a few summary figures
//! (`[generator]`), in place of the jurisdictions data file.
//!
//! The map is deterministic: jurisdiction sizes and kinds follow additive
//! recurrences (Weyl sequences), which spread them evenly over their range
//! without a random stream, so the map is the same in every replication and
//! every scenario that shares the generator block.

use crate::model::jurisdictions::{JurisdictionSpec, Kind};
use crate::model::params::Generator;

/// Fractional parts of multiples of these irrationals give the sequences:
/// the golden ratio for sizes, √2 for kinds (independent of each other).
const SIZE_STEP: f64 = 0.618_033_988_749_894_9;
const KIND_STEP: f64 = 0.414_213_562_373_095;

/// The generated jurisdictions; empty when `street_offices` is 0.
pub fn jurisdictions(g: &Generator) -> Vec<JurisdictionSpec> {
    let n = g.street_offices as usize;
    if n == 0 {
        return Vec::new();
    }
    let weights: Vec<f64> = (0..n)
        .map(|i| 1.0 + g.size_spread * (2.0 * frac(i as f64 * SIZE_STEP) - 1.0))
        .collect();
    let persons = apportion(g.persons.round() as u64, &weights, 0);
    // Every jurisdiction keeps at least one committee; the rest follow population.
    let committees = apportion(u64::from(g.committees), &weights, 1);
    (0..n)
        .map(|i| {
            let fringe = frac(i as f64 * KIND_STEP + 0.5 * KIND_STEP) < g.fringe_share;
            JurisdictionSpec {
                name: format!("S{:06}", i + 1),
                kind: if fringe { Kind::Fringe } else { Kind::Urban },
                area_km2: if fringe { g.area_km2_fringe } else { g.area_km2_urban },
                population: u32::try_from(persons[i]).unwrap_or(u32::MAX),
                committees: u32::try_from(committees[i]).unwrap_or(u32::MAX),
                firms_per_10k: g.firms_per_10k,
                // The scenario's enforcement.authority / coordination, and
                // the merge rule.
                authority: None,
                coordination: None,
                merge_into: None,
                provenance: "generated ([generator])".into(),
            }
        })
        .collect()
}

fn frac(x: f64) -> f64 {
    x - x.floor()
}

/// Shares `total` out in proportion to `weights` (largest remainders), each
/// part at least `floor` when `total` allows; the parts sum to `total`.
fn apportion(total: u64, weights: &[f64], floor: u64) -> Vec<u64> {
    let n = weights.len() as u64;
    let base = floor.min(total / n.max(1));
    let rest = total - base * n;
    let sum: f64 = weights.iter().sum();
    let exact: Vec<f64> = weights.iter().map(|w| rest as f64 * w / sum).collect();
    let mut parts: Vec<u64> = exact.iter().map(|e| base + e.floor() as u64).collect();
    let given: u64 = parts.iter().sum();
    let mut order: Vec<usize> = (0..weights.len()).collect();
    order.sort_by(|&a, &b| {
        let (ra, rb) = (exact[a] - exact[a].floor(), exact[b] - exact[b].floor());
        rb.total_cmp(&ra).then(a.cmp(&b))
    });
    for &i in order.iter().take((total - given) as usize) {
        parts[i] += 1;
    }
    parts
}

#[cfg(test)]
mod tests {
    use super::*;

    fn national() -> Generator {
        Generator {
            street_offices: 9_000,
            ..Generator::default()
        }
    }

    #[test]
    fn totals_are_kept() {
        let g = national();
        let js = jurisdictions(&g);
        assert_eq!(js.len(), 9_000);
        let persons: u64 = js.iter().map(|j| u64::from(j.population)).sum();
        let committees: u64 = js.iter().map(|j| u64::from(j.committees)).sum();
        assert_eq!(persons, 902_000_000);
        assert_eq!(committees, 112_000);
        assert!(js.iter().all(|j| j.committees >= 1));
        let fringe = js.iter().filter(|j| j.kind == Kind::Fringe).count() as f64 / 9_000.0;
        assert!((fringe - g.fringe_share).abs() < 0.01, "fringe share {fringe}");
    }

    #[test]
    fn sizes_spread_as_asked() {
        let js = jurisdictions(&national());
        let mean = 902_000_000.0 / 9_000.0;
        let (lo, hi) = js.iter().fold((f64::MAX, 0f64), |(lo, hi), j| {
            (lo.min(f64::from(j.population)), hi.max(f64::from(j.population)))
        });
        assert!(lo >= 0.5 * mean * 0.99 && lo < 0.55 * mean, "smallest {lo}");
        assert!(hi <= 1.5 * mean * 1.01 && hi > 1.45 * mean, "largest {hi}");
    }

    #[test]
    fn off_means_no_jurisdictions() {
        assert!(jurisdictions(&Generator::default()).is_empty());
    }
}
