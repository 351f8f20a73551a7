//! `shequ diff`: the resolved parameters that differ between two scenarios,
//! and, for each lever one of them switches on, what that lever sets: its
//! parameters usually keep their defaults, so they differ in no key although
//! they act only in the scenario that enables the lever.

use crate::cli::AppError;
use crate::files::scenario_file;
use crate::model::params::ParamInfo;
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

/// A lever enabled in one scenario and not in the other, with every value
/// it sets there (the parameters of its `[reforms.X]` block but `enabled`).
#[derive(Debug)]
pub struct SwitchedLever {
    pub lever: String,
    /// True when `b` enables it (and `a` does not).
    pub in_b: bool,
    pub settings: Vec<ParamInfo>,
}

/// The levers one scenario enables and the other does not.
pub fn switched_levers(a: &Path, b: &Path) -> Result<Vec<SwitchedLever>, AppError> {
    let pa = scenario_file::load(a)?.params.describe();
    let pb = scenario_file::load(b)?.params.describe();
    let enabled = |rows: &[ParamInfo], lever: &str| {
        rows.iter()
            .any(|r| r.path == format!("reforms.{lever}.enabled") && r.value == "true")
    };
    let levers: Vec<String> = pa
        .iter()
        .filter_map(|r| r.path.strip_prefix("reforms.")?.strip_suffix(".enabled"))
        .map(str::to_string)
        .collect();
    let mut out = Vec::new();
    for lever in levers {
        let (ea, eb) = (enabled(&pa, &lever), enabled(&pb, &lever));
        if ea == eb {
            continue;
        }
        let prefix = format!("reforms.{lever}.");
        let source = if eb { &pb } else { &pa };
        let settings = source
            .iter()
            .filter(|r| r.path.starts_with(&prefix) && !r.path.ends_with(".enabled"))
            .cloned()
            .collect();
        out.push(SwitchedLever {
            lever,
            in_b: eb,
            settings,
        });
    }
    Ok(out)
}

/// `shequ diff` as typed: one line per differing key, then what each lever
/// switched on or off sets.
pub fn command(a: &Path, b: &Path) -> Result<(), AppError> {
    let rows = diff(a, b)?;
    if rows.is_empty() {
        println!("no differences");
    }
    for (key, x, y) in rows {
        println!("{key}: {x} -> {y}");
    }
    let levers = switched_levers(a, b)?;
    if !levers.is_empty() {
        println!();
        println!("what the lever sets when enabled (defaults unless a file overrides them):");
    }
    for l in levers {
        let (on, off) = if l.in_b { (b, a) } else { (a, b) };
        println!(
            "reforms.{} (enabled in {}, off in {}):",
            l.lever,
            on.display(),
            off.display()
        );
        for s in l.settings {
            let default = if s.value == s.default {
                "default".to_string()
            } else {
                format!("default {}", s.default)
            };
            println!("  {} = {} {} ({default}): {}", s.path, s.value, s.unit, s.description);
        }
    }
    Ok(())
}
