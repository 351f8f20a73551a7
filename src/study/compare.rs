//! Reform − baseline comparisons under common random numbers: paired
//! differences per replication, summarised with Student-t intervals (clamped
//! to [−1, 1] for a difference of shares), bootstrap intervals, paired t
//! and sign tests, and the p-values adjusted over the file's family.
//!
//! - `share_better`, `share_worse`, `share_tied`: shares of replications
//!   whose paired difference points in the metric's better direction, the
//!   worse one, or is exactly 0 (ties are neither better nor worse); the
//!   first two are empty for neutral metrics.
//! - `p_value`: two-sided paired t test of mean difference 0
//!   (`decision::paired::paired_t_test`: all tied → 1, constant non-zero →
//!   0); `p_sign`: the exact sign test, which ignores ties and the sizes of
//!   the differences.
//! - `p_holm`, `q_bh`: Holm and Benjamini–Hochberg adjustments of `p_value`
//!   over a family: every row of the same file with a defined `p_value`
//!   (`adjust`).
//! - `boot`: BCa bootstrap interval of the mean difference, `BOOT_RESAMPLES`
//!   resamples of the replications with a seed from the row's keys
//!   (`boot_seed`), falling back to the percentile interval where BCa is
//!   undefined.
//! - `rel_change`: mean difference / baseline mean (empty when that is 0).
//! - `fiscal_cost_net`: per replication, the consolidated public-sector
//!   outlay on reforms (district + streets − transfers between them) minus
//!   the revenue the reform induces (the paired difference in tax and
//!   enterprise fees), both relative to the baseline; see `net_costs`.
//! - `diff_per_million_yuan`: mean difference / (mean `fiscal_cost_net` /
//!   10^6); empty when the reform costs nothing net (or saves money).

use crate::model::metrics::{Direction, GROUP_METRICS, METRICS};
use crate::model::rng;
use crate::model::scenario::Scenario;
use crate::model::state::GROUPS;
use crate::study::decision::intervals::{self, Interval, RowNote};
use crate::study::decision::{multiplicity, paired, shares};
use crate::study::runner::RepResult;
use crate::study::stats::{self, Summary};

/// Bootstrap resamples behind `boot_low`/`boot_high`.
pub const BOOT_RESAMPLES: usize = 2000;

/// The seed of a row's bootstrap: FNV-1a (64-bit) of its keys joined by
/// U+001F, through the SplitMix64 finaliser. The keys name the row, so its
/// interval is the same whichever other rows, threads or shards there are.
pub fn boot_seed(keys: &[&str]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for (i, k) in keys.iter().enumerate() {
        if i > 0 {
            h = (h ^ 0x1f).wrapping_mul(0x0100_0000_01b3);
        }
        for b in k.bytes() {
            h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
    }
    rng::mix(h)
}

/// One comparison of a metric between a scenario and the baseline.
#[derive(Debug, Clone)]
pub struct CompareRow {
    pub scenario: String,
    pub baseline: String,
    /// `district`, `group` or `jurisdiction`.
    pub split: &'static str,
    /// The group or jurisdiction name (`all` for the district).
    pub unit: String,
    pub metric: &'static str,
    pub direction: Direction,
    pub baseline_mean: f64,
    pub scenario_mean: f64,
    /// The paired differences d_r: mean, sd, se, t-interval (clamped to
    /// [−1, 1] for shares) and its note.
    pub diff: Summary,
    /// Two-sided paired t test of E[d] = 0.
    pub p_value: Option<f64>,
    /// Holm-adjusted `p_value` over the file's family (see `adjust`).
    pub p_holm: Option<f64>,
    /// Benjamini–Hochberg q-value over the same family.
    pub q_bh: Option<f64>,
    /// Exact two-sided sign test (ties dropped).
    pub p_sign: Option<f64>,
    /// BCa (or, where undefined, percentile) bootstrap interval of the mean
    /// difference, clamped like the t-interval.
    pub boot: Interval,
    pub rel_change: Option<f64>,
    pub share_better: Option<f64>,
    pub share_worse: Option<f64>,
    pub share_tied: Option<f64>,
    /// The reform's net fiscal cost against the baseline, over replications.
    pub fiscal_cost_net: Summary,
    /// Paired mean difference in the gross reform flows (`reform_cost_gross`).
    pub reform_cost_gross_mean: f64,
    pub diff_per_million_yuan: Option<f64>,
}

/// Metrics split by jurisdiction in `compare_by_group.csv`.
pub const JURISDICTION_METRICS: [&str; 8] = [
    "satisfaction_mean",
    "needs_met_share",
    "elderly_service_coverage",
    "welfare_coverage",
    "unemployment_rate",
    "informal_intensity",
    "open_issues_per_10k",
    "enforcement_resolution_rate",
];

pub fn metric_index(name: &str) -> Option<usize> {
    METRICS.iter().position(|m| m.name == name)
}

fn index(name: &str) -> usize {
    metric_index(name).unwrap_or(0)
}

/// A reform's accounts against the baseline in one replication (yuan,
/// current prices, over the horizon): every figure is scenario − baseline.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct NetCost {
    pub replication: u32,
    pub district: f64,
    pub streets: f64,
    pub transfers: f64,
    /// district + streets − transfers: what the public sector as a whole paid out.
    pub consolidated: f64,
    /// Extra tax and enterprise fees the reform brings in.
    pub revenue_induced: f64,
    /// consolidated − revenue_induced.
    pub net: f64,
}

/// Net fiscal cost per aligned replication.
pub fn net_costs(base: &[&RepResult], scen: &[&RepResult]) -> Vec<NetCost> {
    let (d, s, t, rev) = (
        index("fiscal_cost_district"),
        index("fiscal_cost_streets"),
        index("transfers_district_to_streets"),
        index("public_revenue"),
    );
    base.iter()
        .zip(scen)
        .map(|(b, x)| {
            let diff = |k: usize| x.values[k] - b.values[k];
            let consolidated = diff(d) + diff(s) - diff(t);
            let revenue_induced = diff(rev);
            NetCost {
                replication: x.replication,
                district: diff(d),
                streets: diff(s),
                transfers: diff(t),
                consolidated,
                revenue_induced,
                net: consolidated - revenue_induced,
            }
        })
        .collect()
}

/// The pair of scenarios being compared, and the reform's costs.
struct Pair<'a> {
    scenario: &'a str,
    baseline: &'a str,
    net: Summary,
    gross_diff: f64,
}

impl<'a> Pair<'a> {
    /// The pair over replications aligned by `align`, with the reform's costs.
    fn new(scenario: &'a str, baseline: &'a str, base: &[&RepResult], scen: &[&RepResult]) -> Self {
        let net: Vec<f64> = net_costs(base, scen).iter().map(|c| c.net).collect();
        let g = index("reform_cost_gross");
        let gross: Vec<f64> = base.iter().zip(scen).map(|(b, s)| s.values[g] - b.values[g]).collect();
        Pair {
            scenario,
            baseline,
            net: stats::summarise(&net),
            gross_diff: stats::mean(&gross),
        }
    }

    /// Compares two equally long samples of metric `mi`, paired by replication.
    fn row(&self, split: &'static str, unit: &str, mi: usize, base: &[f64], scen: &[f64]) -> CompareRow {
        let def = &METRICS[mi];
        let (metric, direction) = (def.name, def.direction);
        let d = stats::paired(base, scen);
        let bounds = stats::difference_bounds(def);
        let diff = stats::summarise_within(&d, bounds);
        let seed = boot_seed(&[self.scenario, self.baseline, split, unit, metric]);
        let boot = intervals::bootstrap_bca(&d, 0.95, BOOT_RESAMPLES, seed, bounds);
        let sh = shares::shares(&d, direction);
        let baseline_mean = stats::mean(base);
        CompareRow {
            scenario: self.scenario.to_string(),
            baseline: self.baseline.to_string(),
            split,
            unit: unit.to_string(),
            metric,
            direction,
            baseline_mean,
            scenario_mean: stats::mean(scen),
            rel_change: (baseline_mean != 0.0).then(|| diff.mean / baseline_mean),
            share_better: sh.better,
            share_worse: sh.worse,
            share_tied: sh.tied,
            p_value: paired::paired_t_p(&d),
            p_holm: None,
            q_bh: None,
            p_sign: paired::sign_test_p(&d),
            boot,
            fiscal_cost_net: self.net.clone(),
            reform_cost_gross_mean: self.gross_diff,
            diff_per_million_yuan: (self.net.mean > 0.0 && !COST_METRICS.contains(&metric))
                .then(|| diff.mean / (self.net.mean / 1e6)),
            diff,
        }
    }
}

impl CompareRow {
    /// The row's note: the t-interval's (`n<2`, `at bound`, `all tied`,
    /// `constant`, `censored at bound`), else `censored at bound` when only
    /// the bootstrap interval reaches a bound.
    pub fn note(&self) -> Option<RowNote> {
        self.diff.note.or(self.boot.note)
    }
}

/// Fills `p_holm` and `q_bh` of `rows`: the family is every row given with a
/// defined `p_value` (a file's rows: compare.csv's district rows over all
/// scenarios and metrics, or all of compare_by_group.csv's rows).
pub fn adjust(rows: &mut [CompareRow]) {
    let p: Vec<Option<f64>> = rows.iter().map(|r| r.p_value).collect();
    let holm = multiplicity::holm(&p);
    let bh = multiplicity::benjamini_hochberg(&p);
    for ((r, h), q) in rows.iter_mut().zip(holm).zip(bh) {
        r.p_holm = h;
        r.q_bh = q;
    }
}

/// The replications both scenarios finished, paired by replication number
/// (a failed replication drops out of both sides).
fn align<'a>(base: &'a [RepResult], scen: &'a [RepResult]) -> (Vec<&'a RepResult>, Vec<&'a RepResult>) {
    let mut pairs = (Vec::new(), Vec::new());
    for b in base {
        if let Some(s) = scen.iter().find(|s| s.replication == b.replication) {
            pairs.0.push(b);
            pairs.1.push(s);
        }
    }
    pairs
}

/// Money metrics that are costs themselves: no effect-per-yuan figure.
const COST_METRICS: [&str; 5] = [
    "reform_cost_gross",
    "fiscal_cost_district",
    "fiscal_cost_streets",
    "transfers_district_to_streets",
    "public_revenue",
];

/// Net fiscal costs of every scenario but the baseline, per aligned replication.
pub fn cost_rows(scenarios: &[Scenario], results: &[Vec<RepResult>], baseline: usize) -> Vec<(String, NetCost)> {
    let mut out = Vec::new();
    for (i, s) in scenarios.iter().enumerate().filter(|(i, _)| *i != baseline) {
        let (b, x) = align(&results[baseline], &results[i]);
        out.extend(net_costs(&b, &x).into_iter().map(|c| (s.name.clone(), c)));
    }
    out
}

/// District-level comparison of every metric.
pub fn compare(baseline: &str, base: &[RepResult], scenario: &str, scen: &[RepResult]) -> Vec<CompareRow> {
    let (base, scen) = align(base, scen);
    let pair = Pair::new(scenario, baseline, &base, &scen);
    (0..METRICS.len())
        .map(|k| {
            let b: Vec<f64> = base.iter().map(|r| r.values[k]).collect();
            let s: Vec<f64> = scen.iter().map(|r| r.values[k]).collect();
            pair.row("district", "all", k, &b, &s)
        })
        .collect()
}

/// Comparisons split by resident group and by jurisdiction (home area).
pub fn compare_by_group(
    baseline: &str,
    base: &[RepResult],
    scenario: &str,
    scen: &[RepResult],
    jurisdiction_names: &[String],
) -> Vec<CompareRow> {
    let (base, scen) = align(base, scen);
    let pair = Pair::new(scenario, baseline, &base, &scen);
    let mut out = Vec::new();
    for (g, group) in GROUPS.iter().enumerate() {
        for (k, name) in GROUP_METRICS.iter().enumerate() {
            let Some(mi) = metric_index(name) else { continue };
            let b: Vec<f64> = base.iter().map(|r| r.groups[g][k]).collect();
            let s: Vec<f64> = scen.iter().map(|r| r.groups[g][k]).collect();
            out.push(pair.row("group", group, mi, &b, &s));
        }
    }
    for (j, jname) in jurisdiction_names.iter().enumerate() {
        for name in JURISDICTION_METRICS {
            let Some(mi) = metric_index(name) else { continue };
            let b: Vec<f64> = base.iter().map(|r| r.by_jurisdiction[j][mi]).collect();
            let s: Vec<f64> = scen.iter().map(|r| r.by_jurisdiction[j][mi]).collect();
            // A street merged away has no street metrics: no row.
            if b.iter().chain(&s).any(|x| x.is_nan()) {
                continue;
            }
            out.push(pair.row("jurisdiction", jname, mi, &b, &s));
        }
    }
    out
}

/// District comparisons of every scenario but the baseline, with `p_holm`
/// and `q_bh` over all of them (the family of compare.csv).
pub fn comparisons(scenarios: &[Scenario], results: &[Vec<RepResult>], baseline: usize) -> Vec<CompareRow> {
    let base = &scenarios[baseline];
    let mut rows: Vec<CompareRow> = scenarios
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != baseline)
        .flat_map(|(i, s)| compare(&base.name, &results[baseline], &s.name, &results[i]))
        .collect();
    adjust(&mut rows);
    rows
}

/// Group and jurisdiction comparisons of every scenario but the baseline,
/// with `p_holm` and `q_bh` over all of them (the family of
/// compare_by_group.csv).
pub fn group_comparisons(scenarios: &[Scenario], results: &[Vec<RepResult>], baseline: usize) -> Vec<CompareRow> {
    let base = &scenarios[baseline];
    let names: Vec<String> = base.jurisdictions.iter().map(|j| j.name.clone()).collect();
    let mut rows: Vec<CompareRow> = scenarios
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != baseline)
        .flat_map(|(i, s)| compare_by_group(&base.name, &results[baseline], &s.name, &results[i], &names))
        .collect();
    adjust(&mut rows);
    rows
}

/// One month's paired difference of a metric between a scenario and the
/// baseline (a row of `compare_timeseries.csv`).
#[derive(Debug, Clone)]
pub struct MonthRow {
    pub scenario: String,
    pub baseline: String,
    /// Horizon month, 1 … `simulation.months`.
    pub month: usize,
    pub metric: &'static str,
    pub unit: &'static str,
    pub direction: Direction,
    pub baseline_mean: f64,
    pub scenario_mean: f64,
    /// d_r = scenario_r(month) − baseline_r(month) over paired replications
    /// (t-interval clamped to [−1, 1] for shares, with its note).
    pub diff: Summary,
    /// Two-sided paired t test of E[d] = 0 that month (not adjusted: the
    /// months of one effect are a trajectory, not a family of decisions).
    pub p_value: Option<f64>,
}

/// The effect over time: for each horizon month both scenarios have, and
/// each metric, the paired difference over the replications both finished
/// (aligned as in `compare`).
pub fn compare_timeseries(baseline: &str, base: &[RepResult], scenario: &str, scen: &[RepResult]) -> Vec<MonthRow> {
    let (base, scen) = align(base, scen);
    let months = base.iter().chain(&scen).map(|r| r.monthly.len()).min().unwrap_or(0);
    let mut out = Vec::with_capacity(months * METRICS.len());
    for month in 0..months {
        for (k, m) in METRICS.iter().enumerate() {
            let b: Vec<f64> = base.iter().map(|r| r.monthly[month][k]).collect();
            let s: Vec<f64> = scen.iter().map(|r| r.monthly[month][k]).collect();
            let d = stats::paired(&b, &s);
            out.push(MonthRow {
                scenario: scenario.to_string(),
                baseline: baseline.to_string(),
                month: month + 1,
                metric: m.name,
                unit: m.unit,
                direction: m.direction,
                baseline_mean: stats::mean(&b),
                scenario_mean: stats::mean(&s),
                diff: stats::summarise_within(&d, stats::difference_bounds(m)),
                p_value: paired::paired_t_p(&d),
            });
        }
    }
    out
}

/// Monthly comparisons of every scenario but the baseline.
pub fn timeseries_comparisons(scenarios: &[Scenario], results: &[Vec<RepResult>], baseline: usize) -> Vec<MonthRow> {
    let base = &scenarios[baseline];
    scenarios
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != baseline)
        .flat_map(|(i, s)| compare_timeseries(&base.name, &results[baseline], &s.name, &results[i]))
        .collect()
}
