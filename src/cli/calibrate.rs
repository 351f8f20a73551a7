//! `shequ calibrate`: this machine's roofline (`study::roofline`), a timed
//! run of a scenario, and the figures as markdown or JSON.

use crate::cli::{load_scenarios, AppError};
use crate::study::roofline::{self, Calibration, Options};
use std::path::Path;

/// `shequ calibrate` as typed: streams `stream_mib` MiB for the bandwidth,
/// then runs `reps` replications of `scenario` on `threads` threads.
pub fn command(
    scenario: &Path,
    stream_mib: usize,
    reps: u32,
    seed: u64,
    threads: usize,
    json: bool,
) -> Result<(), AppError> {
    let s = load_scenarios(&[scenario.to_path_buf()])?.remove(0);
    let opts = Options {
        stream_bytes: stream_mib << 20,
        draws: 200_000_000,
        reps,
        seed,
        threads,
    };
    let c = roofline::calibrate(&s, &opts).map_err(|e| AppError::Usage(format!("--threads: {e}")))?;
    if json {
        println!(
            "{}",
            serde_json::to_string_pretty(&c).map_err(|e| AppError::Usage(e.to_string()))?
        );
    } else {
        print!("{}", markdown(&c));
    }
    Ok(())
}

/// The figures as a two-column markdown table.
pub fn markdown(c: &Calibration) -> String {
    let rows = [
        ("scenario", c.scenario.clone()),
        ("threads", c.threads.to_string()),
        (
            "streaming bandwidth (read + write)",
            format!("{:.2} GB/s", c.bandwidth_bytes_per_s / 1e9),
        ),
        (
            "time per draw, one generator",
            format!("{:.2} ns", c.ns_per_draw_serial),
        ),
        ("time per draw, two interleaved", format!("{:.2} ns", c.ns_per_draw)),
        ("bytes per person", c.bytes_per_person.to_string()),
        ("person-months (horizon)", c.person_months.to_string()),
        (
            "person-months simulated (spin-up + horizon)",
            c.simulated_person_months.to_string(),
        ),
        ("draws per person-month", format!("{:.3}", c.draws_per_person_month)),
        ("bytes per person-month", format!("{:.0}", c.bytes_per_person_month)),
        ("wall time", format!("{:.2} s", c.seconds)),
        (
            "measured",
            format!("{:.2} ns per simulated person-month per thread", c.ns_per_person_month),
        ),
        ("memory floor", format!("{:.2} ns", c.floor_memory_ns)),
        ("draw floor", format!("{:.2} ns", c.floor_draws_ns)),
        ("roofline floor", format!("{:.2} ns", c.floor_ns)),
        ("measured / floor", format!("{:.2}", c.ratio)),
    ];
    let mut out = String::from("| figure | value |\n|---|---|\n");
    for (k, v) in rows {
        out.push_str(&format!("| {k} | {v} |\n"));
    }
    out
}
