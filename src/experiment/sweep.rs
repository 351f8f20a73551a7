//! `shequ sweep`: runs an experiment's design. Every design point runs the
//! same replications (seeds) of every scenario, so reforms are compared with
//! the reference at the same point under common random numbers, and points
//! differ only by their factor values. The sensitivity indices are computed
//! here from the runs; the sweep's files are written by
//! `files/sweep_files.rs` (see docs/outputs.md).

use crate::experiment::design::Design;
use crate::experiment::sensitivity::{self, MorrisIndex, SaltelliOutputs, SobolIndex};
use crate::experiment::spec::{DesignKind, Experiment};
use crate::experiment::uncertainty::{DrawError, DrawTable, Uncertainty};
use crate::model::metrics::N_METRICS;
use crate::model::rng;
use crate::model::scenario::Scenario;
use crate::study::decision::sensitivity::{sensitivity_notes, IndexEstimate, SensitivityNote};
use crate::study::runner;
use crate::study::stats;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

/// Outcome-window metrics of one replication.
pub type Values = [f64; N_METRICS];

/// Everything a sweep produced.
#[derive(Debug, Clone)]
pub struct SweepResult {
    pub design: Design,
    /// Factor values per point.
    pub values: Vec<Vec<f64>>,
    /// `runs[point][scenario][replication]`.
    pub runs: Vec<Vec<Vec<Values>>>,
    pub seeds: Vec<u64>,
    pub person_months: u64,
    /// `spinup_group[point][scenario]`: the number of its spin-up group
    /// (numbered in order of first member); pairs with the same number
    /// share one spin-up per replication (with `--parameters`, as
    /// replication 0 draws them).
    pub spinup_group: Vec<Vec<usize>>,
    /// With `--parameters`: the values replication r drew (the same at
    /// every point and for every scenario).
    pub draws: DrawTable,
    /// What they were drawn from (empty without `--parameters`).
    pub parameters: Uncertainty,
}

/// Why a sweep stopped.
#[derive(Debug)]
pub enum SweepError {
    /// A design point gives invalid parameters.
    Point(String),
    /// A replication failed.
    Failed(String),
    /// Asked to stop before the end.
    Stopped,
    Threads(rayon::ThreadPoolBuildError),
}

/// A work item of a sweep: (point, scenario, replication).
pub type SweepItem = (usize, usize, u32);

/// What a sweep will run: the design, each point's scenarios, every item.
pub struct Plan {
    pub design: Design,
    pub values: Vec<Vec<f64>>,
    pub scenarios: Vec<Vec<Scenario>>,
    /// In global order: point-major, then scenario, then replication.
    pub items: Vec<SweepItem>,
    pub reps: u32,
    /// Parameters drawn per replication on top of each point's factor
    /// values (`sweep --parameters`); empty otherwise.
    pub parameters: Uncertainty,
}

/// Lays out the design and checks that every point gives valid parameters.
pub fn plan(exp: &Experiment, reps: u32) -> Result<Plan, SweepError> {
    plan_with(exp, reps, Uncertainty::default())
}

/// `plan` with parameters drawn per replication on top of each point's
/// factor values (a posterior table, `sweep --parameters`): replication r
/// of every point and scenario draws the same row.
pub fn plan_with(exp: &Experiment, reps: u32, parameters: Uncertainty) -> Result<Plan, SweepError> {
    let design = exp.design();
    let values: Vec<Vec<f64>> = design.points.iter().map(|p| exp.values(p)).collect();
    let scenarios: Vec<Vec<Scenario>> = values
        .iter()
        .enumerate()
        .map(|(i, v)| {
            exp.scenarios_at(v)
                .map_err(|m| SweepError::Point(format!("design point {i}: {m}")))
        })
        .collect::<Result<_, _>>()?;
    let n_s = exp.scenarios.len();
    let items = (0..values.len())
        .flat_map(|p| (0..n_s).flat_map(move |s| (0..reps).map(move |r| (p, s, r))))
        .collect();
    Ok(Plan {
        design,
        values,
        scenarios,
        items,
        reps,
        parameters,
    })
}

/// Checks that every point × scenario × replication draws valid parameters.
pub fn check_draws(plan: &Plan, seed: u64) -> Result<(), DrawError> {
    let flat: Vec<&Scenario> = plan.scenarios.iter().flatten().collect();
    plan.parameters.check(&flat, seed, plan.reps)
}

/// One finished item: its window metrics and person-months.
pub type ItemResult = (Values, u64);

/// The spin-up groups of the plan's scenarios flattened point-major (index
/// point × scenarios + scenario; `runner::spinup_groups`): a point's
/// scenarios share a spin-up when they differ only in reforms and horizon,
/// and so do points whose factors leave the spin-up unchanged. With
/// `--parameters`, the groups of the parameters replication 0 draws.
pub fn spinup_groups(plan: &Plan, seed: u64) -> Vec<usize> {
    let flat: Vec<Scenario> = plan
        .scenarios
        .iter()
        .flatten()
        .map(|s| {
            let mut s = s.clone();
            if !plan.parameters.is_empty() {
                if let Ok(p) = plan.parameters.apply(&s.params, seed, 0) {
                    s.params = p;
                }
            }
            s
        })
        .collect();
    runner::spinup_groups(&flat.iter().collect::<Vec<_>>())
}

/// Runs `items` of the plan on `threads` threads, results in item order;
/// the items of one spin-up group and replication share one spin-up.
/// `item_done` sees each item that finishes (its position in `items` and
/// its result) as it finishes, in completion order, so that a sweep can
/// keep them before the end; `point_done` is called when the last of a
/// point's items here finishes.
pub fn run_items(
    plan: &Plan,
    items: &[SweepItem],
    seed: u64,
    threads: usize,
    stop: &AtomicBool,
    item_done: &(dyn Fn(usize, &ItemResult) + Sync),
    point_done: &(dyn Fn() + Sync),
) -> Result<Vec<ItemResult>, SweepError> {
    let remaining: Vec<AtomicUsize> = (0..plan.values.len()).map(|_| AtomicUsize::new(0)).collect();
    for &(p, _, _) in items {
        remaining[p].fetch_add(1, Ordering::Relaxed);
    }
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .map_err(SweepError::Threads)?;
    let flat: Vec<&Scenario> = plan.scenarios.iter().flatten().collect();
    let n_s = plan.scenarios.first().map_or(0, |s| s.len());
    let flat_items: Vec<runner::Item> = items.iter().map(|&(p, s, r)| (p * n_s + s, r)).collect();
    let on_done = |k: usize, out: &Result<runner::RepResult, String>| {
        if let Ok(x) = out {
            item_done(k, &(x.values, x.person_months));
        }
        let p = items[k].0;
        if remaining[p].fetch_sub(1, Ordering::Relaxed) == 1 {
            point_done();
        }
    };
    let u = &plan.parameters;
    let draw = |p: &crate::model::params::Params, r: u32| u.apply(p, seed, r).map_err(|(_, m)| m);
    let varying = (!u.is_empty()).then_some(&draw as &runner::Varying);
    let outcomes = pool.install(|| runner::run_shared(&flat, &flat_items, seed, varying, stop, &on_done));
    if stop.load(Ordering::Relaxed) {
        return Err(SweepError::Stopped);
    }
    items
        .iter()
        .zip(outcomes)
        .map(|(&(p, s, r), o)| match o {
            runner::Outcome::Done(x) => Ok((x.values, x.person_months)),
            runner::Outcome::Failed(e) => Err(SweepError::Failed(format!(
                "design point {p}, scenario `{}`, replication {r}: {e}",
                plan.scenarios[p][s].name
            ))),
            runner::Outcome::Skipped => Err(SweepError::Stopped),
        })
        .collect()
}

/// Puts every item's result in its place (`results` in global item order).
pub fn assemble(plan: Plan, seed: u64, results: Vec<ItemResult>) -> SweepResult {
    let n_s = plan.scenarios.first().map_or(0, |s| s.len());
    let mut runs = vec![vec![Vec::with_capacity(plan.reps as usize); n_s]; plan.values.len()];
    let mut person_months = 0;
    for (&(p, s, _), (v, pm)) in plan.items.iter().zip(results) {
        runs[p][s].push(v);
        person_months += pm;
    }
    let spinup_group = {
        let groups = spinup_groups(&plan, seed);
        let mut number = vec![0; groups.len()];
        for (g, members) in runner::group_members(&groups).iter().enumerate() {
            for &i in members {
                number[i] = g;
            }
        }
        number.chunks(n_s.max(1)).map(<[usize]>::to_vec).collect()
    };
    SweepResult {
        design: plan.design,
        values: plan.values,
        runs,
        seeds: (0..plan.reps)
            .map(|r| rng::replication_seed(seed, u64::from(r)))
            .collect(),
        person_months,
        spinup_group,
        draws: plan.parameters.table_of(seed, plan.reps),
        parameters: plan.parameters,
    }
}

/// Runs every point × scenario × replication on `threads` threads.
/// `point_done` is called each time a point's last replication finishes.
pub fn run(
    exp: &Experiment,
    reps: u32,
    seed: u64,
    threads: usize,
    stop: &AtomicBool,
    point_done: &(dyn Fn() + Sync),
) -> Result<SweepResult, SweepError> {
    let plan = plan(exp, reps)?;
    let results = run_items(&plan, &plan.items, seed, threads, stop, &|_, _| {}, point_done)?;
    Ok(assemble(plan, seed, results))
}

/// What sensitivity.csv rows are about: a scenario's metric, or a
/// scenario's paired effect against the reference.
#[derive(Debug, Clone)]
pub struct Target {
    pub label: String,
    scenario: usize,
    effect: bool,
}

/// The targets of an experiment: each scenario, then each paired effect.
pub fn targets(exp: &Experiment) -> Vec<Target> {
    let mut t: Vec<Target> = exp
        .scenarios
        .iter()
        .enumerate()
        .map(|(i, s)| Target {
            label: s.name.clone(),
            scenario: i,
            effect: false,
        })
        .collect();
    let reference = &exp.scenarios[exp.reference].name;
    for (i, s) in exp.scenarios.iter().enumerate() {
        if i != exp.reference {
            t.push(Target {
                label: format!("{} - {reference}", s.name),
                scenario: i,
                effect: true,
            });
        }
    }
    t
}

/// A point's output for a target and metric: the mean over replications
/// (of paired differences, for an effect).
pub fn point_output(exp: &Experiment, res: &SweepResult, point: usize, t: &Target, metric: usize) -> f64 {
    let runs = &res.runs[point];
    let of = |s: usize| -> Vec<f64> { runs[s].iter().map(|v| v[metric]).collect() };
    if t.effect {
        stats::mean(&stats::paired(&of(exp.reference), &of(t.scenario)))
    } else {
        stats::mean(&of(t.scenario))
    }
}

fn estimate(e: &sensitivity::Estimate) -> IndexEstimate {
    IndexEstimate {
        estimate: e.value,
        low: e.low,
        high: e.high,
    }
}

/// The indices of one row of sensitivity.csv.
#[derive(Debug, Clone)]
pub enum Index {
    Sobol(SobolIndex),
    Morris(MorrisIndex),
}

/// One row of sensitivity.csv: target label, metric, factor, the indices
/// and their warnings.
#[derive(Debug, Clone)]
pub struct SensitivityRow {
    pub target: String,
    pub metric: usize,
    pub factor: usize,
    pub index: Index,
    /// Sobol only (`decision::sensitivity::sensitivity_notes`): a
    /// near-constant output (its indices are then left empty), S > ST beyond
    /// their intervals, negative S beyond its interval.
    pub notes: Vec<SensitivityNote>,
}

impl SensitivityRow {
    /// Whether the output is near-constant, so the indices mean nothing.
    pub fn near_constant(&self) -> bool {
        self.notes.contains(&SensitivityNote::NearConstantOutput)
    }
}

/// Sensitivity indices per target × metric × factor (sobol and morris),
/// with the warnings of `SensitivityRow::notes`. The output's mean and
/// variance behind "near-constant output" are over every design point's
/// output (sample variance, n − 1).
pub fn sensitivity(exp: &Experiment, res: &SweepResult) -> Vec<SensitivityRow> {
    let k = exp.factors.len();
    let mut rows = Vec::new();
    let mut rng = rng::stream(exp.plan.seed, rng::StreamKind::Residents, 0);
    for t in targets(exp) {
        for &m in &exp.metrics {
            let y: Vec<f64> = (0..res.values.len())
                .map(|p| point_output(exp, res, p, &t, m))
                .collect();
            let idx: Vec<Index> = match exp.plan.kind {
                DesignKind::Sobol => {
                    let s = SaltelliOutputs::from_design(&res.design, k, &y);
                    sensitivity::sobol(&s, exp.plan.bootstrap, &mut rng)
                        .into_iter()
                        .map(Index::Sobol)
                        .collect()
                }
                DesignKind::Morris => {
                    let ee = sensitivity::elementary_effects(&res.design, k, &y);
                    sensitivity::morris(&ee, exp.plan.bootstrap, &mut rng)
                        .into_iter()
                        .map(Index::Morris)
                        .collect()
                }
                _ => Vec::new(),
            };
            let s = stats::summarise(&y);
            let variance = s.sd.map_or(0.0, |sd| sd * sd);
            for (f, index) in idx.into_iter().enumerate() {
                let notes = match &index {
                    Index::Sobol(si) => {
                        sensitivity_notes(s.mean, variance, Some(estimate(&si.first)), Some(estimate(&si.total)))
                    }
                    Index::Morris(_) => Vec::new(),
                };
                rows.push(SensitivityRow {
                    target: t.label.clone(),
                    metric: m,
                    factor: f,
                    index,
                    notes,
                });
            }
        }
    }
    rows
}
