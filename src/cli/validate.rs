//! `shequ validate`: checks input files without running them. The kind of
//! each file (scenario, experiment or fit) is told by its content
//! (`files::input_kind`); each kind has its own loader, which checks
//! everything a run would check before it starts.

use crate::cli::{sweep, AppError};
use crate::files::error::InputWarning;
use crate::files::input_kind::{self, InputKind};
use crate::files::{fit_file, scenario_file};
use std::path::{Path, PathBuf};

/// What validating one file found.
#[derive(Debug)]
pub struct Checked {
    pub path: PathBuf,
    pub kind: InputKind,
    /// What the file describes, for the `ok` line.
    pub summary: String,
    /// The scenario name, for the duplicate check (scenarios only).
    pub scenario_name: Option<String>,
    pub warnings: Vec<InputWarning>,
}

/// Checks one file of any kind.
pub fn check(path: &Path) -> Result<Checked, AppError> {
    let kind = input_kind::detect(path)?;
    let (summary, scenario_name, warnings) = match kind {
        InputKind::Scenario => {
            let (s, w) = scenario_file::load_with_warnings(path)?;
            (
                format!("{} jurisdictions, {} residents", s.jurisdictions.len(), s.population()),
                Some(s.name),
                w,
            )
        }
        InputKind::Experiment => {
            let (e, w) = sweep::load_experiment_warned(path)?;
            let points = e.design().points.len();
            (
                format!(
                    "experiment `{}`: {} design, {} factor(s), {} point(s) × {} scenario(s)",
                    e.name,
                    e.plan.kind.name(),
                    e.factors.len(),
                    points,
                    e.scenarios.len()
                ),
                None,
                w,
            )
        }
        InputKind::Fit => {
            let f = fit_file::load(path)?;
            let (n, m, s) = (f.params.len(), f.targets.len(), &f.scenario.name);
            (
                format!("fit `{}`: {n} prior(s), {m} target(s), scenario `{s}`", f.name),
                None,
                Vec::new(),
            )
        }
    };
    Ok(Checked {
        path: path.to_path_buf(),
        kind,
        summary,
        scenario_name,
        warnings,
    })
}

/// Checks every file; scenario names must be unique among them, as in a run.
pub fn validate(paths: &[PathBuf]) -> Result<Vec<Checked>, AppError> {
    let mut out: Vec<Checked> = Vec::new();
    for p in paths {
        let c = check(p)?;
        if let Some(name) = &c.scenario_name {
            if let Some(prev) = out.iter().find(|o| o.scenario_name.as_ref() == Some(name)) {
                return Err(AppError::Usage(format!(
                    "two scenarios are named `{name}` ({} and {}): give one a different `name`",
                    prev.path.display(),
                    p.display()
                )));
            }
        }
        out.push(c);
    }
    Ok(out)
}

/// `shequ validate` as typed: one line per file, and its warnings.
pub fn command(files: &[PathBuf]) -> Result<(), AppError> {
    for c in validate(files)? {
        crate::cli::print_warnings(&c.warnings);
        println!("{}: ok ({})", c.path.display(), c.summary);
    }
    Ok(())
}
