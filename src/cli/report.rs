//! `shequ report`: report.html from the output folder of a run, a merge or
//! a sweep.

use crate::cli::{io_err, AppError};
use crate::files::report::{self as report_file, Folder};
use std::path::{Path, PathBuf};

/// Builds `report.html` in an output folder; returns its path. For a study,
/// `fan` names the scenarios for fan charts (by default the baseline and
/// the three scenarios that move satisfaction most). A folder that does not
/// exist or holds no finished run or sweep is a usage error (exit 2).
pub fn report(dir: &Path, fan: Option<Vec<String>>) -> Result<PathBuf, AppError> {
    if !dir.is_dir() {
        return Err(AppError::Usage(format!(
            "{}: no such folder; give the --out folder of a finished run, merge or sweep",
            dir.display()
        )));
    }
    if !dir.join("manifest.json").is_file() {
        let hint = if dir.join(crate::study::shard::MANIFEST).is_file() {
            "it is a shard: merge the shards with `shequ merge` and report on the merged folder"
        } else {
            "is the run finished? A run writes manifest.json when all its replications are done"
        };
        return Err(AppError::Usage(format!(
            "{} holds no finished run or sweep (no manifest.json): {hint}",
            dir.display()
        )));
    }
    let html = match report_file::read_folder(dir)? {
        Folder::Sweep(sw) => report_file::render_sweep(&report_file::SweepInputs {
            manifest_json: &sw.manifest_json,
            sensitivity: sw.sensitivity.as_ref(),
            design: sw.design.as_ref(),
            summary: sw.summary.as_ref(),
        }),
        Folder::Run(run) => {
            let fan_scenarios = match fan {
                Some(list) => list,
                None => default_fan(&run.manifest_json, run.compare.as_ref()),
            };
            report_file::render(&report_file::Inputs {
                manifest_json: &run.manifest_json,
                summary: &run.summary,
                compare: run.compare.as_ref(),
                timeseries: run.timeseries.as_ref(),
                compare_timeseries: run.compare_timeseries.as_ref(),
                fan_scenarios,
            })
        }
    };
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
