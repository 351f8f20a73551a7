//! `shequ validate`: checks scenario files without running them.

use crate::cli::{load_scenarios, AppError};
use crate::files::fit_file;
use std::path::PathBuf;

/// `shequ validate` as typed: one line per scenario (or fit file) that loads.
pub fn command(scenarios: &[PathBuf]) -> Result<(), AppError> {
    let is_fit = |p: &&PathBuf| std::fs::read_to_string(p).is_ok_and(|t| fit_file::is_fit_text(&t));
    let (fits, scenarios): (Vec<PathBuf>, Vec<PathBuf>) = scenarios.iter().cloned().partition(|p| is_fit(&p));
    for p in &fits {
        let f = fit_file::load(p)?;
        let (n, m, s) = (f.params.len(), f.targets.len(), &f.scenario.name);
        println!(
            "{}: ok (fit `{}`: {n} prior(s), {m} target(s), scenario `{s}`)",
            p.display(),
            f.name
        );
    }
    for s in load_scenarios(&scenarios)? {
        println!(
            "{}: ok ({} jurisdictions, {} residents)",
            s.path.display(),
            s.jurisdictions.len(),
            s.population()
        );
    }
    Ok(())
}
