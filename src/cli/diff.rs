//! `shequ diff`: the resolved parameters that differ between two scenarios.

use crate::cli::AppError;
use crate::files::scenario_file;
use std::path::Path;

/// Resolved parameters that differ between two scenarios: (key, a, b).
pub fn diff(a: &Path, b: &Path) -> Result<Vec<(String, String, String)>, AppError> {
    let pa = scenario_file::load(a)?.params.describe();
    let pb = scenario_file::load(b)?.params.describe();
    Ok(pa
        .into_iter()
        .zip(pb)
        .filter(|(x, y)| x.value != y.value)
        .map(|(x, y)| (x.path, x.value, y.value))
        .collect())
}

/// `shequ diff` as typed: one line per differing key.
pub fn command(a: &Path, b: &Path) -> Result<(), AppError> {
    let rows = diff(a, b)?;
    if rows.is_empty() {
        println!("no differences");
    }
    for (key, x, y) in rows {
        println!("{key}: {x} -> {y}");
    }
    Ok(())
}
