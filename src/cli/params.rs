//! `shequ params`: every parameter with value, default, unit, range and
//! provenance, as markdown or CSV.

use crate::cli::{cell, AppError};
use crate::files::atomic::num;
use crate::files::scenario_file;
use crate::model::params::{ParamInfo, Params};
use std::path::{Path, PathBuf};

/// Every parameter of a scenario, or the defaults. File paths are shown
/// relative to the working directory when they lie below it.
pub fn params(path: Option<&Path>) -> Result<Vec<ParamInfo>, AppError> {
    let mut rows = match path {
        Some(p) => scenario_file::load(p)?.params.describe(),
        None => Params::default().describe(),
    };
    let cwd = std::env::current_dir().ok().and_then(|d| std::fs::canonicalize(d).ok());
    for r in rows.iter_mut().filter(|r| r.path == "world.jurisdictions_file") {
        let value = PathBuf::from(&r.value);
        if let Some(rel) = cwd.as_ref().and_then(|c| value.strip_prefix(c).ok()) {
            r.value = rel.display().to_string();
        }
    }
    Ok(rows)
}

/// The parameter table as markdown.
pub fn params_markdown(rows: &[ParamInfo]) -> String {
    let mut out = String::from(
        "| key | value | default | unit | range | provenance | description |\n|---|---|---|---|---|---|---|\n",
    );
    for r in rows {
        let range = if r.min == 0.0 && r.max == 0.0 {
            String::new()
        } else {
            format!("{} – {}", r.min, r.max)
        };
        out.push_str(&format!(
            "| `{}` | {} | {} | {} | {} | {} | {} |\n",
            r.path,
            cell(&r.value),
            cell(&r.default),
            cell(r.unit),
            range,
            r.provenance,
            cell(r.description)
        ));
    }
    out
}

/// The parameter table as CSV.
pub fn params_csv(rows: &[ParamInfo]) -> String {
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::Any(b'\n'))
        .from_writer(Vec::new());
    let _ = w.write_record([
        "key",
        "value",
        "default",
        "unit",
        "min",
        "max",
        "provenance",
        "description",
    ]);
    for r in rows {
        let _ = w.write_record([
            r.path.clone(),
            r.value.clone(),
            r.default.clone(),
            r.unit.to_string(),
            num(r.min),
            num(r.max),
            r.provenance.to_string(),
            r.description.to_string(),
        ]);
    }
    String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default()
}

/// `shequ params` as typed: the table of `scenario` (or the defaults), as
/// CSV or markdown.
pub fn command(scenario: Option<&Path>, csv: bool) -> Result<(), AppError> {
    let rows = params(scenario)?;
    print!("{}", if csv { params_csv(&rows) } else { params_markdown(&rows) });
    Ok(())
}
