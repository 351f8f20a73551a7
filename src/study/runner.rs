//! Monte Carlo runner: every (scenario, replication) pair is one work item.
//! Replication r of every scenario uses replication seed
//! `rng::replication_seed(seed, r)` (common random numbers).
//!
//! Scenarios whose spin-ups are the same simulation (`spinup_groups`: same
//! `schedule::spinup_key`, `simulation.spinup_months` > 0) form a spin-up
//! group. The items of one group and one replication are a unit: its spin-up
//! is simulated once, and each scenario's horizon runs from a copy of that
//! world (the last to start takes the world itself). Units run in parallel on
//! a rayon pool, and a unit's horizons run in parallel inside it; outcomes
//! are collected in item order, so the results do not depend on the thread
//! count, and a copied world carries its random streams, so a shared spin-up
//! gives the same bytes as a spin-up of each scenario's own.
//!
//! In a probabilistic run (`Varying`) replication r of every scenario runs
//! under parameters drawn for r. The groups are then formed per replication
//! from the parameters as drawn: the draws are the same for every scenario
//! of r, so a baseline and its reforms still share.

use crate::model::jurisdictions::JurisdictionSpec;
use crate::model::metrics::{self, N_METRICS};
use crate::model::params::Params;
use crate::model::rng;
use crate::model::scenario::Scenario;
use crate::model::schedule::{self, Replication, SpinupKey};
use crate::model::state::{World, GROUPS};
use rayon::prelude::*;
use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{PoisonError, RwLock};

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

fn rep_result(replication: u32, seed: u64, r: &Replication) -> RepResult {
    RepResult {
        replication,
        seed,
        values: metrics::values(&r.window),
        monthly: r.monthly.iter().map(metrics::values).collect(),
        groups: metrics::group_values(&r.window),
        by_jurisdiction: r.window_by_jurisdiction.iter().map(metrics::values).collect(),
        person_months: r.person_months,
    }
}

/// Runs one replication of one scenario, with a spin-up of its own.
pub fn replicate(s: &Scenario, seed: u64, replication: u32) -> RepResult {
    let rep_seed = rng::replication_seed(seed, u64::from(replication));
    let r = schedule::run(&s.params, &s.jurisdictions, rep_seed);
    rep_result(replication, rep_seed, &r)
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
    /// The replication (or its spin-up) panicked or produced an invalid state.
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

/// Runs `f`, turning a panic into its message.
fn catch<T>(f: impl FnOnce() -> T) -> Result<T, String> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).map_err(|payload| {
        payload
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
            .map_or_else(|| "the replication panicked".to_string(), |m| format!("panic: {m}"))
    })
}

/// Runs one replication, turning a panic or an invalid state into an error.
pub fn replicate_checked(s: &Scenario, seed: u64, replication: u32) -> Result<RepResult, String> {
    catch(|| replicate(s, seed, replication)).and_then(|r| check(&r).map(|_| r))
}

/// The spin-up group of each scenario: `groups[i]` is the index of the
/// first scenario whose spin-up is the same simulation as scenario i's
/// (equal `schedule::spinup_key`, confirmed by `schedule::same_spinup`). A
/// scenario without a spin-up (`simulation.spinup_months` = 0) has nothing
/// to share: it is its own group.
pub fn spinup_groups(scenarios: &[&Scenario]) -> Vec<usize> {
    let worlds: Vec<(&Params, &[JurisdictionSpec])> = scenarios
        .iter()
        .map(|s| (&s.params, s.jurisdictions.as_slice()))
        .collect();
    groups_of(&worlds)
}

/// `spinup_groups` of (params, jurisdictions) pairs.
fn groups_of(worlds: &[(&Params, &[JurisdictionSpec])]) -> Vec<usize> {
    let mut by_key: HashMap<SpinupKey, Vec<usize>> = HashMap::new();
    let mut groups = Vec::with_capacity(worlds.len());
    for (i, &(p, j)) in worlds.iter().enumerate() {
        if p.simulation.spinup_months == 0 {
            groups.push(i);
            continue;
        }
        let firsts = by_key.entry(schedule::spinup_key(p, j)).or_default();
        let same = firsts
            .iter()
            .copied()
            .find(|&f| schedule::same_spinup(worlds[f], (p, j)));
        groups.push(same.unwrap_or_else(|| {
            firsts.push(i);
            i
        }));
    }
    groups
}

/// The groups of `spinup_groups` as lists of members, in order of their
/// first member.
pub fn group_members(groups: &[usize]) -> Vec<Vec<usize>> {
    let mut out: Vec<Vec<usize>> = Vec::new();
    let mut slot: HashMap<usize, usize> = HashMap::new();
    for (i, &g) in groups.iter().enumerate() {
        let k = *slot.entry(g).or_insert_with(|| {
            out.push(Vec::new());
            out.len() - 1
        });
        out[k].push(i);
    }
    out
}

/// Parameters that vary by replication (a probabilistic run): scenario
/// parameters → the parameters replication r runs under, or why there are
/// none (the item then fails).
pub type Varying<'a> = dyn Fn(&Params, u32) -> Result<Params, String> + Sync + 'a;

/// Runs the given items on `threads` threads (0 = all cores), returning
/// outcomes in item order whatever the thread count. Items of one spin-up
/// group and replication share one spin-up. Items not yet started when
/// `stop` is set are skipped. `on_done` sees each finished item as it
/// finishes (in completion order).
pub fn run_items(
    scenarios: &[Scenario],
    items: &[Item],
    seed: u64,
    threads: usize,
    varying: Option<&Varying>,
    stop: &AtomicBool,
    on_done: &(dyn Fn(Item, &Result<RepResult, String>) + Sync),
) -> Result<Vec<Outcome>, rayon::ThreadPoolBuildError> {
    let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build()?;
    let refs: Vec<&Scenario> = scenarios.iter().collect();
    Ok(pool.install(|| run_shared(&refs, items, seed, varying, stop, &|k, out| on_done(items[k], out))))
}

/// Runs `items` (index into `scenarios`, replication) on the current rayon
/// pool, one spin-up per (spin-up group, replication); outcomes in item
/// order. The groups of a replication are those of `spinup_groups` over its
/// items' scenarios, with their parameters as `varying` draws them.
/// `on_done` gets the item's position in `items`.
pub fn run_shared(
    scenarios: &[&Scenario],
    items: &[Item],
    seed: u64,
    varying: Option<&Varying>,
    stop: &AtomicBool,
    on_done: &(dyn Fn(usize, &Result<RepResult, String>) + Sync),
) -> Vec<Outcome> {
    let reps = by_replication(items);
    let done: Vec<Vec<(usize, Outcome)>> = reps
        .par_iter()
        .map(|members| run_replication(scenarios, items, members, seed, varying, stop, on_done))
        .collect();
    let mut out: Vec<Outcome> = (0..items.len()).map(|_| Outcome::Skipped).collect();
    for (k, o) in done.into_iter().flatten() {
        out[k] = o;
    }
    out
}

/// Item positions by replication, in order of their first item.
fn by_replication(items: &[Item]) -> Vec<Vec<usize>> {
    let mut out: Vec<Vec<usize>> = Vec::new();
    let mut slot: HashMap<u32, usize> = HashMap::new();
    for (k, &(_, r)) in items.iter().enumerate() {
        let u = *slot.entry(r).or_insert_with(|| {
            out.push(Vec::new());
            out.len() - 1
        });
        out[u].push(k);
    }
    out
}

/// Runs the items `members` of one replication: their parameters (drawn
/// by `varying` in a probabilistic run), their spin-up groups, one spin-up
/// per group and each member's horizon from it. Every member is reported to
/// `on_done` unless skipped.
fn run_replication(
    scenarios: &[&Scenario],
    items: &[Item],
    members: &[usize],
    seed: u64,
    varying: Option<&Varying>,
    stop: &AtomicBool,
    on_done: &(dyn Fn(usize, &Result<RepResult, String>) + Sync),
) -> Vec<(usize, Outcome)> {
    if stop.load(Ordering::Relaxed) {
        return members.iter().map(|&k| (k, Outcome::Skipped)).collect();
    }
    let rep = items[members[0]].1;
    let params: Vec<Result<Cow<Params>, String>> = members
        .iter()
        .map(|&k| {
            let p = &scenarios[items[k].0].params;
            match varying {
                None => Ok(Cow::Borrowed(p)),
                Some(v) => v(p, rep)
                    .map(Cow::Owned)
                    .map_err(|e| format!("the parameters drawn for replication {rep}: {e}")),
            }
        })
        .collect();
    let mut out = Vec::with_capacity(members.len());
    let mut ok: Vec<(usize, &Params)> = Vec::with_capacity(members.len());
    for (&k, p) in members.iter().zip(&params) {
        match p {
            Ok(p) => ok.push((k, p.as_ref())),
            Err(e) => {
                on_done(k, &Err(e.clone()));
                out.push((k, Outcome::Failed(e.clone())));
            }
        }
    }
    let worlds: Vec<(&Params, &[JurisdictionSpec])> = ok
        .iter()
        .map(|&(k, p)| (p, scenarios[items[k].0].jurisdictions.as_slice()))
        .collect();
    let groups = group_members(&groups_of(&worlds));
    let done: Vec<Vec<(usize, Outcome)>> = groups
        .par_iter()
        .map(|g| {
            let unit: Vec<(usize, &Params)> = g.iter().map(|&i| ok[i]).collect();
            run_unit(scenarios, items, &unit, seed, stop, on_done)
        })
        .collect();
    out.extend(done.into_iter().flatten());
    out
}

/// A spun-up world that several horizons start from: each takes a copy,
/// and the last to claim it takes the world itself.
struct Shared {
    world: RwLock<Option<World>>,
    left: AtomicUsize,
}

impl Shared {
    fn new(world: World, claims: usize) -> Shared {
        Shared {
            world: RwLock::new(Some(world)),
            left: AtomicUsize::new(claims),
        }
    }

    /// A copy of the world, or the world itself for the last claim. Each
    /// claim is counted under a read lock held until its copy is made, so
    /// the last claim's write lock waits for every other copy.
    fn take(&self) -> Option<World> {
        {
            let world = self.world.read().unwrap_or_else(PoisonError::into_inner);
            if self.left.fetch_sub(1, Ordering::AcqRel) > 1 {
                return world.clone();
            }
        }
        self.world.write().unwrap_or_else(PoisonError::into_inner).take()
    }
}

/// Runs one unit, the items of one spin-up group and replication with
/// their parameters: the spin-up, then each member's horizon from it.
/// Every member is reported to `on_done` unless skipped.
fn run_unit(
    scenarios: &[&Scenario],
    items: &[Item],
    members: &[(usize, &Params)],
    seed: u64,
    stop: &AtomicBool,
    on_done: &(dyn Fn(usize, &Result<RepResult, String>) + Sync),
) -> Vec<(usize, Outcome)> {
    if stop.load(Ordering::Relaxed) {
        return members.iter().map(|&(k, _)| (k, Outcome::Skipped)).collect();
    }
    let finish = |k: usize, out: Result<RepResult, String>| {
        on_done(k, &out);
        match out {
            Ok(r) => (k, Outcome::Done(Box::new(r))),
            Err(e) => (k, Outcome::Failed(e)),
        }
    };
    let (lead_k, lead_p) = members[0];
    let rep = items[lead_k].1;
    let rep_seed = rng::replication_seed(seed, u64::from(rep));
    // Every member's spin-up is the same simulation: the first one's serves.
    let lead = scenarios[items[lead_k].0];
    let world = match catch(|| schedule::spin_up(lead_p, &lead.jurisdictions, rep_seed)) {
        Ok(w) => w,
        Err(e) => {
            // Month 0 is all there is without a spin-up: the message stays as it was.
            let e = if lead_p.simulation.spinup_months > 0 {
                format!("in the spin-up: {e}")
            } else {
                e
            };
            return members.iter().map(|&(k, _)| finish(k, Err(e.clone()))).collect();
        }
    };
    let horizon = |p: &Params, world: World| {
        catch(|| rep_result(rep, rep_seed, &schedule::run_horizon(world, p))).and_then(|r| check(&r).map(|_| r))
    };
    if let [(k, p)] = members {
        return vec![finish(*k, horizon(p, world))];
    }
    let shared = Shared::new(world, members.len());
    members
        .par_iter()
        .map(|&(k, p)| {
            if stop.load(Ordering::Relaxed) {
                return (k, Outcome::Skipped);
            }
            let out = match shared.take() {
                Some(w) => horizon(p, w),
                None => Err("the shared spin-up was gone (a bug)".to_string()),
            };
            finish(k, out)
        })
        .collect()
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
    let flat = run_items(
        scenarios,
        &items,
        seed,
        threads,
        None,
        &AtomicBool::new(false),
        &|_, _| progress(),
    )?;
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
