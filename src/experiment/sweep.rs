//! `shequ sweep`: runs an experiment's design. Every design point runs the
//! same replications (seeds) of every scenario, so reforms are compared with
//! the reference at the same point under common random numbers, and points
//! differ only by their factor values.
//!
//! Outputs (see docs/outputs.md): design.csv, runs.csv, summary.csv, for
//! sobol and morris designs sensitivity.csv, and manifest.json.

use crate::experiment::design::{Design, Label};
use crate::experiment::sensitivity::{self, MorrisIndex, SaltelliOutputs, SobolIndex};
use crate::experiment::spec::{DesignKind, Experiment};
use crate::model::metrics::{METRICS, N_METRICS};
use crate::model::rng;
use crate::model::scenario::Scenario;
use crate::output::{num, write_atomic};
use crate::study::runner;
use crate::study::stats;
use rayon::prelude::*;
use serde::Serialize;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
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
}

/// Lays out the design and checks that every point gives valid parameters.
pub fn plan(exp: &Experiment, reps: u32) -> Result<Plan, SweepError> {
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
    })
}

/// One finished item: its window metrics and person-months.
pub type ItemResult = (Values, u64);

/// Runs `items` of the plan on `threads` threads, results in item order.
/// `point_done` is called when the last of a point's items here finishes.
pub fn run_items(
    plan: &Plan,
    items: &[SweepItem],
    seed: u64,
    threads: usize,
    stop: &AtomicBool,
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
    let outcomes: Vec<Result<ItemResult, String>> = pool.install(|| {
        items
            .par_iter()
            .map(|&(p, s, r)| {
                if stop.load(Ordering::Relaxed) {
                    return Err(String::new());
                }
                let sc = &plan.scenarios[p][s];
                let out = runner::replicate_checked(sc, seed, r)
                    .map(|x| (x.values, x.person_months))
                    .map_err(|e| format!("design point {p}, scenario `{}`, replication {r}: {e}", sc.name));
                if remaining[p].fetch_sub(1, Ordering::Relaxed) == 1 {
                    point_done();
                }
                out
            })
            .collect()
    });
    if stop.load(Ordering::Relaxed) {
        return Err(SweepError::Stopped);
    }
    outcomes.into_iter().map(|o| o.map_err(SweepError::Failed)).collect()
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
    SweepResult {
        design: plan.design,
        values: plan.values,
        runs,
        seeds: (0..plan.reps)
            .map(|r| rng::replication_seed(seed, u64::from(r)))
            .collect(),
        person_months,
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
    let results = run_items(&plan, &plan.items, seed, threads, stop, point_done)?;
    Ok(assemble(plan, seed, results))
}

/// File of a sweep shard's results.
pub const SHARD_FILE: &str = "sweep_shard.tsv";
const SHARD_HEADER: &str = "# shequ sweep shard v1";

/// Identity of a shard: the study it belongs to.
#[derive(Debug, Clone, PartialEq)]
pub struct ShardHeader {
    pub experiment_sha256: String,
    pub reps: u32,
    pub seed: u64,
    pub index: u32,
    pub count: u32,
    pub items: usize,
}

/// Writes a shard's results: a header line with the study's identity, then
/// one line per item (point, scenario, replication, person-months, values
/// in shortest round-trip form, so a merge reproduces them bit for bit).
pub fn write_shard(dir: &Path, h: &ShardHeader, items: &[SweepItem], results: &[ItemResult]) -> io::Result<PathBuf> {
    write_atomic(dir, SHARD_FILE, |w| {
        writeln!(
            w,
            "{SHARD_HEADER}\t{}\t{}\t{}\t{}/{}\t{}",
            h.experiment_sha256, h.reps, h.seed, h.index, h.count, h.items
        )?;
        for (&(p, s, r), (v, pm)) in items.iter().zip(results) {
            let vals: Vec<String> = v.iter().map(|x| format!("{x}")).collect();
            writeln!(w, "{p}\t{s}\t{r}\t{pm}\t{}", vals.join(","))?;
        }
        Ok(())
    })
}

/// A shard file's contents: its identity and its items' results.
pub type ShardContents = (ShardHeader, Vec<(SweepItem, ItemResult)>);

/// Reads a shard file written by `write_shard`; errors carry the line.
pub fn read_shard(text: &str) -> Result<ShardContents, (usize, String)> {
    let mut lines = text.lines();
    let head: Vec<&str> = lines.next().unwrap_or("").split('\t').collect();
    if head.len() != 6 || head[0] != SHARD_HEADER {
        return Err((
            1,
            format!("not a sweep shard file (expected `{SHARD_HEADER}` and 5 fields)"),
        ));
    }
    let bad = |line: usize, what: &str| (line, format!("cannot read {what}"));
    let (index, count) = head[4].split_once('/').ok_or_else(|| bad(1, "the shard I/N"))?;
    let header = ShardHeader {
        experiment_sha256: head[1].to_string(),
        reps: head[2].parse().map_err(|_| bad(1, "reps"))?,
        seed: head[3].parse().map_err(|_| bad(1, "seed"))?,
        index: index.parse().map_err(|_| bad(1, "the shard index"))?,
        count: count.parse().map_err(|_| bad(1, "the shard count"))?,
        items: head[5].parse().map_err(|_| bad(1, "the item count"))?,
    };
    let mut rows = Vec::new();
    for (i, l) in lines.enumerate() {
        let n = i + 2;
        let f: Vec<&str> = l.split('\t').collect();
        if f.len() != 5 {
            return Err(bad(n, "a result line (5 tab-separated fields)"));
        }
        let vals: Vec<f64> = f[4]
            .split(',')
            .map(|x| x.parse::<f64>())
            .collect::<Result<_, _>>()
            .map_err(|_| bad(n, "the values"))?;
        let values: Values = vals.try_into().map_err(|_| bad(n, "the values (wrong count)"))?;
        rows.push((
            (
                f[0].parse().map_err(|_| bad(n, "the point"))?,
                f[1].parse().map_err(|_| bad(n, "the scenario"))?,
                f[2].parse().map_err(|_| bad(n, "the replication"))?,
            ),
            (values, f[3].parse().map_err(|_| bad(n, "person-months"))?),
        ));
    }
    if rows.len() != header.items {
        return Err((
            text.lines().count(),
            format!("{} result lines, the header says {}", rows.len(), header.items),
        ));
    }
    Ok((header, rows))
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

/// One row of sensitivity.csv.
#[derive(Debug, Clone)]
pub enum Index {
    Sobol(SobolIndex),
    Morris(MorrisIndex),
}

/// Sensitivity indices per target × metric × factor (sobol and morris).
pub fn sensitivity(exp: &Experiment, res: &SweepResult) -> Vec<(String, usize, usize, Index)> {
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
            for (f, i) in idx.into_iter().enumerate() {
                rows.push((t.label.clone(), m, f, i));
            }
        }
    }
    rows
}

fn csv_writer(w: &mut dyn Write) -> csv::Writer<&mut dyn Write> {
    csv::WriterBuilder::new()
        .terminator(csv::Terminator::Any(b'\n'))
        .from_writer(w)
}

fn opt(v: Option<f64>) -> String {
    v.map(num).unwrap_or_default()
}

/// `design.csv`: point, role in the design, factor values.
pub fn write_design(dir: &Path, exp: &Experiment, res: &SweepResult) -> io::Result<PathBuf> {
    write_atomic(dir, "design.csv", |w| {
        let mut c = csv_writer(w);
        let mut header = vec!["point".to_string(), "block".into(), "index".into(), "factor".into()];
        header.extend(exp.factors.iter().map(|f| f.name.clone()));
        c.write_record(&header).map_err(io::Error::other)?;
        for (p, (label, v)) in res.design.labels.iter().zip(&res.values).enumerate() {
            let (block, index, factor) = label_columns(exp, label);
            let mut row = vec![p.to_string(), block, index, factor];
            row.extend(v.iter().map(|x| num(*x)));
            c.write_record(&row).map_err(io::Error::other)?;
        }
        c.flush()
    })
}

fn label_columns(exp: &Experiment, l: &Label) -> (String, String, String) {
    let (block, index, factor) = l.columns();
    (
        block,
        index.map(|i| i.to_string()).unwrap_or_default(),
        factor.map(|f| exp.factors[f].name.clone()).unwrap_or_default(),
    )
}

/// `runs.csv`: one row per point × scenario × replication.
pub fn write_runs(dir: &Path, exp: &Experiment, res: &SweepResult) -> io::Result<PathBuf> {
    write_atomic(dir, "runs.csv", |w| {
        let mut c = csv_writer(w);
        let mut header = vec![
            "point".to_string(),
            "scenario".into(),
            "replication".into(),
            "seed".into(),
        ];
        header.extend(exp.factors.iter().map(|f| f.name.clone()));
        header.extend(METRICS.iter().map(|m| m.name.to_string()));
        c.write_record(&header).map_err(io::Error::other)?;
        for (p, by_s) in res.runs.iter().enumerate() {
            for (s, reps) in by_s.iter().enumerate() {
                for (r, v) in reps.iter().enumerate() {
                    let mut row = vec![
                        p.to_string(),
                        exp.scenarios[s].name.clone(),
                        r.to_string(),
                        res.seeds[r].to_string(),
                    ];
                    row.extend(res.values[p].iter().map(|x| num(*x)));
                    row.extend(v.iter().map(|x| num(*x)));
                    c.write_record(&row).map_err(io::Error::other)?;
                }
            }
        }
        c.flush()
    })
}

/// `summary.csv`: per point × scenario × metric, Student-t 95% intervals of
/// the mean and of the paired difference from the reference.
pub fn write_summary(dir: &Path, exp: &Experiment, res: &SweepResult) -> io::Result<PathBuf> {
    write_atomic(dir, "summary.csv", |w| {
        let mut c = csv_writer(w);
        c.write_record([
            "point",
            "scenario",
            "metric",
            "n",
            "mean",
            "sd",
            "ci95_low",
            "ci95_high",
            "diff_mean",
            "diff_ci95_low",
            "diff_ci95_high",
        ])
        .map_err(io::Error::other)?;
        for (p, by_s) in res.runs.iter().enumerate() {
            for (s, reps) in by_s.iter().enumerate() {
                for (m, def) in METRICS.iter().enumerate() {
                    let x: Vec<f64> = reps.iter().map(|v| v[m]).collect();
                    let sm = stats::summarise(&x);
                    let diff = (s != exp.reference).then(|| {
                        let base: Vec<f64> = by_s[exp.reference].iter().map(|v| v[m]).collect();
                        stats::summarise(&stats::paired(&base, &x))
                    });
                    c.write_record([
                        p.to_string(),
                        exp.scenarios[s].name.clone(),
                        def.name.to_string(),
                        sm.n.to_string(),
                        num(sm.mean),
                        opt(sm.sd),
                        opt(sm.ci95_low),
                        opt(sm.ci95_high),
                        diff.as_ref().map(|d| num(d.mean)).unwrap_or_default(),
                        diff.as_ref().and_then(|d| d.ci95_low).map(num).unwrap_or_default(),
                        diff.as_ref().and_then(|d| d.ci95_high).map(num).unwrap_or_default(),
                    ])
                    .map_err(io::Error::other)?;
                }
            }
        }
        c.flush()
    })
}

/// `sensitivity.csv`: one row per target × metric × factor.
pub fn write_sensitivity(dir: &Path, exp: &Experiment, rows: &[(String, usize, usize, Index)]) -> io::Result<PathBuf> {
    write_atomic(dir, "sensitivity.csv", |w| {
        let mut c = csv_writer(w);
        c.write_record([
            "method",
            "target",
            "metric",
            "factor",
            "first_order",
            "first_order_ci95_low",
            "first_order_ci95_high",
            "total_order",
            "total_order_ci95_low",
            "total_order_ci95_high",
            "mu",
            "mu_star",
            "mu_star_ci95_low",
            "mu_star_ci95_high",
            "sigma",
            "n",
        ])
        .map_err(io::Error::other)?;
        for (target, m, f, idx) in rows {
            let head = |method: &str| {
                vec![
                    method.to_string(),
                    target.clone(),
                    METRICS[*m].name.to_string(),
                    exp.factors[*f].name.clone(),
                ]
            };
            let row: Vec<String> = match idx {
                Index::Sobol(s) => {
                    let mut r = head("sobol");
                    r.extend(
                        [
                            s.first.value,
                            s.first.low,
                            s.first.high,
                            s.total.value,
                            s.total.low,
                            s.total.high,
                        ]
                        .map(num),
                    );
                    r.extend(["", "", "", "", ""].map(String::from));
                    r.push(exp.plan.n.to_string());
                    r
                }
                Index::Morris(mi) => {
                    let mut r = head("morris");
                    r.extend(["", "", "", "", "", ""].map(String::from));
                    r.extend([mi.mu, mi.mu_star.value, mi.mu_star.low, mi.mu_star.high, mi.sigma].map(num));
                    r.push(mi.trajectories.to_string());
                    r
                }
            };
            c.write_record(&row).map_err(io::Error::other)?;
        }
        c.flush()
    })
}

/// A factor in the manifest.
#[derive(Debug, Serialize)]
pub struct ManifestFactor {
    pub name: String,
    pub path: String,
    pub form: String,
}

/// `manifest.json` of a sweep.
#[derive(Debug, Serialize)]
pub struct SweepManifest {
    pub schema_version: u32,
    pub tool: &'static str,
    pub version: &'static str,
    pub git_commit: String,
    pub command_line: Vec<String>,
    pub experiment: String,
    pub experiment_path: String,
    pub experiment_sha256: String,
    pub design: &'static str,
    pub design_seed: u64,
    pub base_samples: usize,
    pub levels: usize,
    pub trajectories: usize,
    pub bootstrap_resamples: usize,
    pub points: usize,
    pub factors: Vec<ManifestFactor>,
    pub scenarios: Vec<String>,
    pub reference: String,
    pub replications: u32,
    pub seed: u64,
    pub seed_derivation: &'static str,
    pub threads: usize,
    pub start_time_utc: String,
    pub end_time_utc: String,
    pub wall_seconds: f64,
    pub person_months: u64,
}

impl SweepManifest {
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        exp: &Experiment,
        res: &SweepResult,
        reps: u32,
        seed: u64,
        threads: usize,
        command_line: Vec<String>,
        start: std::time::SystemTime,
        end: std::time::SystemTime,
    ) -> SweepManifest {
        SweepManifest {
            schema_version: crate::output::SCHEMA_VERSION,
            tool: "shequ",
            version: env!("CARGO_PKG_VERSION"),
            git_commit: option_env!("SHEQU_GIT_COMMIT").unwrap_or("unknown").to_string(),
            command_line,
            experiment: exp.name.clone(),
            experiment_path: exp.path.display().to_string(),
            experiment_sha256: exp.sha256.clone(),
            design: exp.plan.kind.name(),
            design_seed: exp.plan.seed,
            base_samples: exp.plan.n,
            levels: exp.plan.levels,
            trajectories: exp.plan.trajectories,
            bootstrap_resamples: exp.plan.bootstrap,
            points: res.values.len(),
            factors: exp
                .factors
                .iter()
                .map(|f| ManifestFactor {
                    name: f.name.clone(),
                    path: f.path.clone(),
                    form: f.describe(),
                })
                .collect(),
            scenarios: exp.scenarios.iter().map(|s| s.name.clone()).collect(),
            reference: exp.scenarios[exp.reference].name.clone(),
            replications: reps,
            seed,
            seed_derivation: rng::SEED_DERIVATION,
            threads,
            start_time_utc: crate::output::utc(start),
            end_time_utc: crate::output::utc(end),
            wall_seconds: end.duration_since(start).map(|d| d.as_secs_f64()).unwrap_or(0.0),
            person_months: res.person_months,
        }
    }

    pub fn write(&self, dir: &Path) -> io::Result<PathBuf> {
        crate::output::write_json(dir, "manifest.json", self)
    }
}
