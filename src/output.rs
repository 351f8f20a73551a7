//! Writing results: tidy CSV files and a JSON manifest. Every file is written
//! to a temporary name in the output directory and renamed when complete, so
//! an interrupted run never leaves a truncated file under a final name.

use crate::model::metrics::{METRICS, N_METRICS};
use crate::model::rng;
use crate::model::scenario::Scenario;
use crate::study::compare::{self, CompareRow};
use crate::study::runner::RepResult;
use crate::study::stats;
use serde::Serialize;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// Version of the output file layout (bump when a column changes).
pub const SCHEMA_VERSION: u32 = 1;

/// Writes `name` in `dir` through a temporary file and a rename.
pub fn write_atomic(
    dir: &Path,
    name: &str,
    body: impl FnOnce(&mut dyn Write) -> io::Result<()>,
) -> io::Result<PathBuf> {
    let final_path = dir.join(name);
    let tmp = dir.join(format!(".{name}.tmp-{}", std::process::id()));
    let result = (|| {
        let file = std::fs::File::create(&tmp)?;
        let mut w = io::BufWriter::new(file);
        body(&mut w)?;
        let file = w.into_inner().map_err(|e| e.into_error())?;
        file.sync_all()?;
        std::fs::rename(&tmp, &final_path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result.map(|_| final_path)
}

/// Writes `value` as pretty JSON to `name` in `dir` (atomically).
pub fn write_json(dir: &Path, name: &str, value: &impl Serialize) -> io::Result<PathBuf> {
    write_atomic(dir, name, |w| {
        serde_json::to_writer_pretty(&mut *w, value).map_err(io::Error::other)?;
        w.write_all(b"\n")
    })
}

/// Shortest decimal that reads back to the same f64 (byte-stable).
pub fn num(v: f64) -> String {
    format!("{v}")
}

fn opt(v: Option<f64>) -> String {
    v.map(num).unwrap_or_default()
}

fn csv_writer(w: &mut dyn Write) -> csv::Writer<&mut dyn Write> {
    csv::WriterBuilder::new()
        .terminator(csv::Terminator::Any(b'\n'))
        .from_writer(w)
}

fn to_io(e: csv::Error) -> io::Error {
    io::Error::other(e)
}

/// `runs.csv`: one row per scenario × replication.
pub fn write_runs(dir: &Path, scenarios: &[Scenario], results: &[Vec<RepResult>]) -> io::Result<PathBuf> {
    write_atomic(dir, "runs.csv", |w| {
        let mut c = csv_writer(w);
        let mut header = vec!["scenario".to_string(), "replication".into(), "seed".into()];
        header.extend(METRICS.iter().map(|m| m.name.to_string()));
        c.write_record(&header).map_err(to_io)?;
        for (s, reps) in scenarios.iter().zip(results) {
            for r in reps {
                let mut row = vec![s.name.clone(), r.replication.to_string(), r.seed.to_string()];
                row.extend(r.values.iter().map(|v| num(*v)));
                c.write_record(&row).map_err(to_io)?;
            }
        }
        c.flush()
    })
}

/// `summary.csv`: one row per scenario × metric.
/// `failed[s]` replications of scenario s failed (see failures.csv).
pub fn write_summary(
    dir: &Path,
    scenarios: &[Scenario],
    results: &[Vec<RepResult>],
    failed: &[usize],
) -> io::Result<PathBuf> {
    write_atomic(dir, "summary.csv", |w| {
        let mut c = csv_writer(w);
        c.write_record([
            "scenario",
            "metric",
            "unit",
            "direction",
            "n",
            "failed",
            "mean",
            "sd",
            "se",
            "ci95_low",
            "ci95_high",
            "p05",
            "p25",
            "p50",
            "p75",
            "p95",
        ])
        .map_err(to_io)?;
        for (i, (s, reps)) in scenarios.iter().zip(results).enumerate() {
            for (k, m) in METRICS.iter().enumerate() {
                let x: Vec<f64> = reps.iter().map(|r| r.values[k]).collect();
                let sum = stats::summarise(&x);
                let sorted = stats::sorted(&x);
                let q = |p| num(stats::quantile_sorted(&sorted, p));
                c.write_record([
                    s.name.clone(),
                    m.name.into(),
                    m.unit.into(),
                    m.direction.as_str().into(),
                    sum.n.to_string(),
                    failed.get(i).copied().unwrap_or(0).to_string(),
                    num(sum.mean),
                    opt(sum.sd),
                    opt(sum.se),
                    opt(sum.ci95_low),
                    opt(sum.ci95_high),
                    q(0.05),
                    q(0.25),
                    q(0.5),
                    q(0.75),
                    q(0.95),
                ])
                .map_err(to_io)?;
            }
        }
        c.flush()
    })
}

/// `timeseries.csv`: one row per scenario × month × metric.
pub fn write_timeseries(dir: &Path, scenarios: &[Scenario], results: &[Vec<RepResult>]) -> io::Result<PathBuf> {
    write_atomic(dir, "timeseries.csv", |w| {
        let mut c = csv_writer(w);
        c.write_record(["scenario", "month", "metric", "mean", "p05", "p50", "p95"])
            .map_err(to_io)?;
        for (s, reps) in scenarios.iter().zip(results) {
            let months = reps.first().map_or(0, |r| r.monthly.len());
            for month in 0..months {
                for (k, m) in METRICS.iter().enumerate() {
                    let x: Vec<f64> = reps.iter().map(|r| r.monthly[month][k]).collect();
                    let sorted = stats::sorted(&x);
                    c.write_record([
                        s.name.clone(),
                        (month + 1).to_string(),
                        m.name.into(),
                        num(stats::mean(&x)),
                        num(stats::quantile_sorted(&sorted, 0.05)),
                        num(stats::quantile_sorted(&sorted, 0.5)),
                        num(stats::quantile_sorted(&sorted, 0.95)),
                    ])
                    .map_err(to_io)?;
                }
            }
        }
        c.flush()
    })
}

fn write_compare_rows(dir: &Path, name: &str, rows: &[CompareRow], with_split: bool) -> io::Result<PathBuf> {
    write_atomic(dir, name, |w| {
        let mut c = csv_writer(w);
        let mut header = vec!["scenario", "baseline"];
        if with_split {
            header.extend(["split", "unit"]);
        }
        header.extend([
            "metric",
            "direction",
            "n",
            "baseline_mean",
            "scenario_mean",
            "diff_mean",
            "diff_sd",
            "diff_se",
            "ci95_low",
            "ci95_high",
            "rel_change",
            "share_better",
            "reform_cost_mean",
            "diff_per_million_yuan",
        ]);
        c.write_record(&header).map_err(to_io)?;
        for r in rows {
            let mut row = vec![r.scenario.clone(), r.baseline.clone()];
            if with_split {
                row.extend([r.split.to_string(), r.unit.clone()]);
            }
            row.extend([
                r.metric.to_string(),
                r.direction.as_str().to_string(),
                r.diff.n.to_string(),
                num(r.baseline_mean),
                num(r.scenario_mean),
                num(r.diff.mean),
                opt(r.diff.sd),
                opt(r.diff.se),
                opt(r.diff.ci95_low),
                opt(r.diff.ci95_high),
                opt(r.rel_change),
                opt(r.share_better),
                num(r.reform_cost_mean),
                opt(r.diff_per_million_yuan),
            ]);
            c.write_record(&row).map_err(to_io)?;
        }
        c.flush()
    })
}

/// District comparisons of every scenario but the baseline.
pub fn comparisons(scenarios: &[Scenario], results: &[Vec<RepResult>], baseline: usize) -> Vec<CompareRow> {
    let base = &scenarios[baseline];
    scenarios
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != baseline)
        .flat_map(|(i, s)| compare::compare(&base.name, &results[baseline], &s.name, &results[i]))
        .collect()
}

/// `compare.csv` and `compare_by_group.csv`.
pub fn write_compare(
    dir: &Path,
    scenarios: &[Scenario],
    results: &[Vec<RepResult>],
    baseline: usize,
) -> io::Result<()> {
    let rows = comparisons(scenarios, results, baseline);
    write_compare_rows(dir, "compare.csv", &rows, false)?;
    let base = &scenarios[baseline];
    let names: Vec<String> = base.jurisdictions.iter().map(|j| j.name.clone()).collect();
    let by_group: Vec<CompareRow> = scenarios
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != baseline)
        .flat_map(|(i, s)| compare::compare_by_group(&base.name, &results[baseline], &s.name, &results[i], &names))
        .collect();
    write_compare_rows(dir, "compare_by_group.csv", &by_group, true)?;
    Ok(())
}

/// Headline metrics shown on the terminal after a run.
pub const HEADLINE: [&str; 8] = [
    "satisfaction_mean",
    "needs_met_share",
    "committee_admin_share",
    "cadre_turnover_rate",
    "informal_intensity",
    "enforcement_resolution_rate",
    "street_cash_balance",
    "reform_cost",
];

/// A markdown table of each scenario's headline differences from the
/// baseline: mean [95% CI].
pub fn headline_table(rows: &[CompareRow]) -> String {
    let mut scenarios: Vec<&str> = Vec::new();
    for r in rows {
        if !scenarios.contains(&r.scenario.as_str()) {
            scenarios.push(&r.scenario);
        }
    }
    let mut out = String::from("| scenario |");
    for h in HEADLINE {
        out.push_str(&format!(" Δ {h} |"));
    }
    out.push_str("\n|---|");
    out.push_str(&"---|".repeat(HEADLINE.len()));
    out.push('\n');
    for s in scenarios {
        out.push_str(&format!("| {s} |"));
        for h in HEADLINE {
            let cell = rows
                .iter()
                .find(|r| r.scenario == s && r.metric == h)
                .map(|r| match (r.diff.ci95_low, r.diff.ci95_high) {
                    (Some(lo), Some(hi)) => format!("{} [{}, {}]", sig(r.diff.mean), sig(lo), sig(hi)),
                    _ => sig(r.diff.mean),
                })
                .unwrap_or_default();
            out.push_str(&format!(" {cell} |"));
        }
        out.push('\n');
    }
    out
}

/// Four significant digits for tables meant for eyes.
pub fn sig(v: f64) -> String {
    if v == 0.0 || !v.is_finite() {
        return format!("{v}");
    }
    let digits = (3 - v.abs().log10().floor() as i32).max(0) as usize;
    format!("{v:.digits$}")
}

/// A file that went into the run.
#[derive(Debug, Serialize)]
pub struct ManifestSource {
    pub path: String,
    pub sha256: String,
}

/// One scenario in the manifest.
#[derive(Debug, Serialize)]
pub struct ManifestScenario {
    pub name: String,
    pub path: String,
    pub sha256: String,
    pub sources: Vec<ManifestSource>,
    pub persons_initial: u64,
    pub population_scale: f64,
    pub months: u32,
}

/// What the adaptive loop did, recorded in the manifest.
#[derive(Debug, Clone, Serialize)]
pub struct AdaptiveRecord {
    pub target_half_width: f64,
    pub metric: String,
    pub max_reps: u32,
    /// Replication counts after each batch.
    pub batches: Vec<u32>,
    pub replications: u32,
    /// The widest half-width at the end (over scenarios or reform effects).
    pub half_width: f64,
    pub met: bool,
}

/// `manifest.json`: provenance and performance of a run.
#[derive(Debug, Serialize)]
pub struct Manifest {
    pub schema_version: u32,
    pub tool: &'static str,
    pub version: &'static str,
    pub git_commit: String,
    pub command_line: Vec<String>,
    pub start_time_utc: String,
    pub end_time_utc: String,
    pub wall_seconds: f64,
    pub seed: u64,
    pub seed_derivation: &'static str,
    pub replications: u32,
    /// Replications that failed (listed in failures.csv); not in the statistics.
    pub failed_replications: usize,
    pub threads: usize,
    pub baseline: String,
    pub scenarios: Vec<ManifestScenario>,
    pub metrics: usize,
    pub person_months: u64,
    pub person_months_per_second: f64,
    pub ns_per_person_month_per_thread: f64,
    /// Present when `--target-ci` chose the replication count.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub adaptive: Option<AdaptiveRecord>,
}

impl Manifest {
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        scenarios: &[Scenario],
        results: &[Vec<RepResult>],
        seed: u64,
        reps: u32,
        threads: usize,
        baseline: usize,
        command_line: Vec<String>,
        start: std::time::SystemTime,
        end: std::time::SystemTime,
    ) -> Manifest {
        let wall = end.duration_since(start).map(|d| d.as_secs_f64()).unwrap_or(0.0);
        let person_months: u64 = results.iter().flatten().map(|r| r.person_months).sum();
        let pm = person_months as f64;
        Manifest {
            schema_version: SCHEMA_VERSION,
            tool: "shequ",
            version: env!("CARGO_PKG_VERSION"),
            git_commit: option_env!("SHEQU_GIT_COMMIT").unwrap_or("unknown").to_string(),
            command_line,
            start_time_utc: utc(start),
            end_time_utc: utc(end),
            wall_seconds: wall,
            seed,
            seed_derivation: rng::SEED_DERIVATION,
            replications: reps,
            failed_replications: 0,
            threads,
            baseline: scenarios.get(baseline).map(|s| s.name.clone()).unwrap_or_default(),
            scenarios: scenarios
                .iter()
                .map(|s| ManifestScenario {
                    name: s.name.clone(),
                    path: s.path.display().to_string(),
                    sha256: s.sha256().to_string(),
                    sources: s
                        .sources
                        .iter()
                        .map(|src| ManifestSource {
                            path: src.path.display().to_string(),
                            sha256: src.sha256.clone(),
                        })
                        .collect(),
                    persons_initial: (s.population() as f64 * s.params.simulation.population_scale).round() as u64,
                    population_scale: s.params.simulation.population_scale,
                    months: s.params.simulation.months,
                })
                .collect(),
            metrics: N_METRICS,
            person_months,
            person_months_per_second: if wall > 0.0 { pm / wall } else { 0.0 },
            ns_per_person_month_per_thread: if pm > 0.0 {
                wall * 1e9 * threads as f64 / pm
            } else {
                0.0
            },
            adaptive: None,
        }
    }

    pub fn write(&self, dir: &Path) -> io::Result<PathBuf> {
        write_json(dir, "manifest.json", self)
    }
}

/// RFC 3339 UTC time, second precision.
pub fn utc(t: std::time::SystemTime) -> String {
    let secs = t
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0) as i64;
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem / 60 % 60,
        rem % 60
    )
}
