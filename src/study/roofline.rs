//! `shequ calibrate`: this machine's roofline for the model, measured in the
//! same process as a baseline run, so the two can be compared.
//!
//! The resident pass is the model's hot loop. Per person-month it streams the
//! resident's state in and out (`2 × BYTES_PER_PERSON` bytes) and makes a
//! handful of 64-bit draws. No implementation can beat
//! `max(bytes / bandwidth, draws × time per draw)`; the ratio of the measured
//! time to that floor says how much room is left.

use crate::model::rng::{self, StreamKind};
use crate::model::scenario::Scenario;
use crate::model::schedule;
use crate::model::state::BYTES_PER_PERSON;
use rand::Rng as _;
use serde::Serialize;
use std::hint::black_box;
use std::time::Instant;

/// What to measure.
#[derive(Debug, Clone)]
pub struct Options {
    /// Size of the buffer streamed for the bandwidth (bytes). Make it several
    /// times the last-level cache to measure main memory.
    pub stream_bytes: usize,
    /// Draws timed for the generator.
    pub draws: u64,
    /// Replications of the scenario to run.
    pub reps: u32,
    pub seed: u64,
    /// Threads for the scenario run (per-core figures divide by it).
    pub threads: usize,
}

/// The figures `calibrate` reports.
#[derive(Debug, Clone, Serialize)]
pub struct Calibration {
    pub scenario: String,
    pub threads: usize,
    /// Read-modify-write streaming bandwidth, bytes read + written per second.
    pub bandwidth_bytes_per_s: f64,
    /// ns per draw, one generator (each draw waits for the last).
    pub ns_per_draw_serial: f64,
    /// ns per draw, two generators interleaved as in the resident pass.
    pub ns_per_draw: f64,
    pub bytes_per_person: usize,
    /// Person-months of the horizon (what outputs and throughput count).
    pub person_months: u64,
    /// Person-months simulated, spin-up months included: the work timed.
    pub simulated_person_months: u64,
    pub draws_per_person_month: f64,
    pub bytes_per_person_month: f64,
    pub seconds: f64,
    /// Measured: seconds × threads / simulated person-months.
    pub ns_per_person_month: f64,
    pub floor_memory_ns: f64,
    pub floor_draws_ns: f64,
    /// max(floor_memory_ns, floor_draws_ns).
    pub floor_ns: f64,
    /// ns_per_person_month / floor_ns.
    pub ratio: f64,
}

/// Read-modify-write bandwidth over a buffer of `bytes` (best of 3 passes).
pub fn bandwidth(bytes: usize) -> f64 {
    let n = (bytes / 8).max(1);
    let mut buf = vec![1u64; n];
    let mut best = f64::INFINITY;
    for _ in 0..3 {
        let t = Instant::now();
        for x in buf.iter_mut() {
            *x = x.wrapping_mul(3).wrapping_add(1);
        }
        black_box(&mut buf);
        best = best.min(t.elapsed().as_secs_f64());
    }
    (2 * n * 8) as f64 / best
}

/// ns per draw: (one generator, two interleaved).
pub fn draw_time(draws: u64) -> (f64, f64) {
    let mut a = rng::stream(1, StreamKind::Committee, 0);
    let mut b = rng::stream(1, StreamKind::Residents, 0);
    let t = Instant::now();
    let mut acc = 0u64;
    for _ in 0..draws {
        acc ^= a.next_u64();
    }
    let serial = t.elapsed().as_secs_f64();
    let t = Instant::now();
    for _ in 0..draws / 2 {
        acc ^= a.next_u64().wrapping_add(b.next_u64());
    }
    let paired = t.elapsed().as_secs_f64();
    black_box(acc);
    let n = draws.max(1) as f64;
    (serial * 1e9 / n, paired * 1e9 / (2 * (draws / 2)).max(1) as f64)
}

/// Measures the roofline, then runs `s` and compares.
pub fn calibrate(s: &Scenario, o: &Options) -> Result<Calibration, rayon::ThreadPoolBuildError> {
    let bandwidth_bytes_per_s = bandwidth(o.stream_bytes);
    let (ns_per_draw_serial, ns_per_draw) = draw_time(o.draws);
    let pool = rayon::ThreadPoolBuilder::new().num_threads(o.threads).build()?;
    let threads = pool.current_num_threads();
    let t = Instant::now();
    let reps: Vec<schedule::Replication> = pool.install(|| {
        use rayon::prelude::*;
        (0..o.reps)
            .into_par_iter()
            .map(|r| schedule::run(&s.params, &s.jurisdictions, rng::replication_seed(o.seed, u64::from(r))))
            .collect()
    });
    let seconds = t.elapsed().as_secs_f64();
    let person_months: u64 = reps.iter().map(|r| r.person_months).sum();
    let simulated_person_months: u64 = reps.iter().map(|r| r.simulated_person_months).sum();
    // Draws are counted over the horizon; the spin-up draws at the same rate.
    let draws: u64 = reps.iter().map(|r| r.resident_draws).sum();
    let draws_per_person_month = draws as f64 / person_months.max(1) as f64;
    // The event pass reads every resident once a month (the age-crossing
    // compare) and writes only the few it visits.
    let bytes_per_person_month = BYTES_PER_PERSON as f64;
    let ns_per_person_month = seconds * 1e9 * threads as f64 / simulated_person_months.max(1) as f64;
    let floor_memory_ns = bytes_per_person_month / bandwidth_bytes_per_s * 1e9;
    let floor_draws_ns = draws_per_person_month * ns_per_draw;
    let floor_ns = floor_memory_ns.max(floor_draws_ns);
    Ok(Calibration {
        scenario: s.name.clone(),
        threads,
        bandwidth_bytes_per_s,
        ns_per_draw_serial,
        ns_per_draw,
        bytes_per_person: BYTES_PER_PERSON,
        person_months,
        simulated_person_months,
        draws_per_person_month,
        bytes_per_person_month,
        seconds,
        ns_per_person_month,
        floor_memory_ns,
        floor_draws_ns,
        floor_ns,
        ratio: ns_per_person_month / floor_ns,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roofline_measurements_are_positive_and_finite() {
        let bw = bandwidth(1 << 20);
        assert!(bw.is_finite() && bw > 0.0);
        let (serial, paired) = draw_time(100_000);
        assert!(serial.is_finite() && serial > 0.0);
        assert!(paired.is_finite() && paired > 0.0);
    }
}
