//! `shequ report`: report.html from a run's output directory.

use crate::cli::{io_err, AppError};
use crate::files::report as report_file;
use std::path::{Path, PathBuf};

/// Builds `report.html` in a run's output directory; returns its path.
/// `fan` names the scenarios for fan charts; by default the baseline and
/// the three scenarios that move satisfaction most.
pub fn report(dir: &Path, fan: Option<Vec<String>>) -> Result<PathBuf, AppError> {
    let run = report_file::read_run(dir)?;
    let fan_scenarios = match fan {
        Some(list) => list,
        None => default_fan(&run.manifest_json, run.compare.as_ref()),
    };
    let html = report_file::render(&report_file::Inputs {
        manifest_json: &run.manifest_json,
        summary: &run.summary,
        compare: run.compare.as_ref(),
        timeseries: run.timeseries.as_ref(),
        fan_scenarios,
    });
    report_file::write_report(dir, &html).map_err(io_err(dir))
}

fn default_fan(manifest_json: &str, compare: Option<&report_file::Table>) -> Vec<String> {
    let manifest: serde_json::Value = serde_json::from_str(manifest_json).unwrap_or_default();
    let mut out: Vec<String> = manifest
        .get("baseline")
        .and_then(|b| b.as_str())
        .map(str::to_string)
        .into_iter()
        .collect();
    if let Some(c) = compare {
        let mut moves: Vec<(String, f64)> = c
            .rows
            .iter()
            .filter(|r| c.text(r, "metric") == "satisfaction_mean")
            .filter_map(|r| Some((c.text(r, "scenario").to_string(), c.num(r, "diff_mean")?.abs())))
            .collect();
        moves.sort_by(|a, b| b.1.total_cmp(&a.1));
        out.extend(moves.into_iter().take(3).map(|m| m.0));
    }
    out
}

/// `shequ report` as typed.
pub fn command(dir: &Path, scenarios: Option<Vec<String>>) -> Result<(), AppError> {
    let path = report(dir, scenarios)?;
    eprintln!("wrote {}", path.display());
    Ok(())
}
