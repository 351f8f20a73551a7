//! `shequ validate`: checks scenario files without running them.

use crate::cli::{load_scenarios, AppError};
use std::path::PathBuf;

/// `shequ validate` as typed: one line per scenario that loads.
pub fn command(scenarios: &[PathBuf]) -> Result<(), AppError> {
    for s in load_scenarios(scenarios)? {
        println!(
            "{}: ok ({} jurisdictions, {} residents)",
            s.path.display(),
            s.jurisdictions.len(),
            s.population()
        );
    }
    Ok(())
}
