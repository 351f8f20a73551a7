//! Monte Carlo runner: every (scenario, replication) pair is one work item;
//! items run in parallel on a rayon pool and are collected in order, so the
//! results do not depend on the thread count. Replication r of every
//! scenario uses replication seed `rng::replication_seed(seed, r)` (common
//! random numbers).

use crate::model::metrics::{self, N_METRICS};
use crate::model::rng;
use crate::model::scenario::Scenario;
use crate::model::schedule;
use crate::model::state::GROUPS;
use rayon::prelude::*;
use std::sync::atomic::{AtomicBool, Ordering};

/// What is kept of one replication.
#[derive(Debug, Clone)]
pub struct RepResult {
    pub replication: u32,
    pub seed: u64,
    /// Outcome-window metrics, in `metrics::METRICS` order.
    pub values: [f64; N_METRICS],
    /// Each month's metrics.
    pub monthly: Vec<[f64; N_METRICS]>,
    /// Group metrics (satisfaction, needs met) per resident group.
    pub groups: [[f64; 2]; GROUPS.len()],
    /// Outcome-window metrics per jurisdiction (data-file order).
    pub by_jurisdiction: Vec<[f64; N_METRICS]>,
    pub person_months: u64,
}

/// Runs one replication of one scenario.
pub fn replicate(s: &Scenario, seed: u64, replication: u32) -> RepResult {
    let rep_seed = rng::replication_seed(seed, u64::from(replication));
    let r = schedule::run(&s.params, &s.jurisdictions, rep_seed);
    RepResult {
        replication,
        seed: rep_seed,
        values: metrics::values(&r.window),
        monthly: r.monthly.iter().map(metrics::values).collect(),
        groups: metrics::group_values(&r.window),
        by_jurisdiction: r.window_by_jurisdiction.iter().map(metrics::values).collect(),
        person_months: r.person_months,
    }
}

/// A work item: (scenario index, replication).
pub type Item = (usize, u32);

/// Every work item of a study, in global order: item k = scenario × reps + r.
pub fn all_items(scenarios: usize, reps: u32) -> Vec<Item> {
    (0..scenarios).flat_map(|s| (0..reps).map(move |r| (s, r))).collect()
}

/// What became of a work item.
#[derive(Debug, Clone)]
pub enum Outcome {
    Done(Box<RepResult>),
    /// The replication panicked or produced an invalid state.
    Failed(String),
    /// Not started: the run was asked to stop.
    Skipped,
}

/// Checks a replication's outputs: every value finite, every share in [0, 1].
pub fn check(r: &RepResult) -> Result<(), String> {
    let rows = std::iter::once((0usize, &r.values)).chain(r.monthly.iter().enumerate().map(|(m, v)| (m + 1, v)));
    for (month, v) in rows {
        for (m, x) in crate::model::metrics::METRICS.iter().zip(v.iter()) {
            let bad = !x.is_finite() || (m.is_share() && !(0.0..=1.0).contains(x));
            if bad {
                let when = if month == 0 {
                    "the outcome window".to_string()
                } else {
                    format!("month {month}")
                };
                return Err(format!("invalid state: {} = {x} in {when}", m.name));
            }
        }
    }
    Ok(())
}

/// Runs one replication, turning a panic or an invalid state into an error.
pub fn replicate_checked(s: &Scenario, seed: u64, replication: u32) -> Result<RepResult, String> {
    let run = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| replicate(s, seed, replication)));
    match run {
        Ok(r) => check(&r).map(|_| r),
        Err(payload) => Err(payload
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
            .map_or_else(|| "the replication panicked".to_string(), |m| format!("panic: {m}"))),
    }
}

/// Runs the given items on `threads` threads (0 = all cores), returning
/// outcomes in item order whatever the thread count. Items not yet started
/// when `stop` is set are skipped. `on_done` sees each finished item as it
/// finishes (in completion order).
pub fn run_items(
    scenarios: &[Scenario],
    items: &[Item],
    seed: u64,
    threads: usize,
    stop: &AtomicBool,
    on_done: &(dyn Fn(Item, &Result<RepResult, String>) + Sync),
) -> Result<Vec<Outcome>, rayon::ThreadPoolBuildError> {
    let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build()?;
    Ok(pool.install(|| {
        items
            .par_iter()
            .map(|&(s, r)| {
                if stop.load(Ordering::Relaxed) {
                    return Outcome::Skipped;
                }
                let out = replicate_checked(&scenarios[s], seed, r);
                on_done((s, r), &out);
                match out {
                    Ok(r) => Outcome::Done(Box::new(r)),
                    Err(e) => Outcome::Failed(e),
                }
            })
            .collect()
    }))
}

/// Runs `reps` replications of every scenario on `threads` threads (0 = all
/// cores); failed replications are left out. `progress` is called once per
/// finished replication.
pub fn run(
    scenarios: &[Scenario],
    reps: u32,
    seed: u64,
    threads: usize,
    progress: &(dyn Fn() + Sync),
) -> Result<Vec<Vec<RepResult>>, rayon::ThreadPoolBuildError> {
    let items = all_items(scenarios.len(), reps);
    let flat = run_items(scenarios, &items, seed, threads, &AtomicBool::new(false), &|_, _| {
        progress()
    })?;
    Ok(group(
        scenarios.len(),
        reps,
        items.iter().zip(flat).filter_map(|(i, o)| match o {
            Outcome::Done(r) => Some((i.0, *r)),
            _ => None,
        }),
    ))
}

/// Groups (scenario, result) pairs into one vector per scenario, in order.
pub fn group(scenarios: usize, reps: u32, pairs: impl IntoIterator<Item = (usize, RepResult)>) -> Vec<Vec<RepResult>> {
    let mut out: Vec<Vec<RepResult>> = (0..scenarios).map(|_| Vec::with_capacity(reps as usize)).collect();
    for (s, r) in pairs {
        out[s].push(r);
    }
    out
}
