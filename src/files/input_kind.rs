//! Which kind of input file a path holds, told by its content rather than
//! its name or folder: a scenario, or an experiment (it has `[design]`,
//! `[[factors]]` or a `scenarios` list), or a fit (`priors`, `targets`,
//! `[algorithm]`). Adding a kind is a variant and its keys here, and one
//! match arm in `cli/validate.rs`.

use crate::files::error::InputError;
use std::path::Path;

/// The kinds of input file `shequ validate` checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputKind {
    Scenario,
    Experiment,
    /// A calibration (`shequ fit`): it has `priors`, `targets` or `[algorithm]`.
    Fit,
}

impl InputKind {
    pub fn name(self) -> &'static str {
        match self {
            InputKind::Scenario => "scenario",
            InputKind::Experiment => "experiment",
            InputKind::Fit => "fit",
        }
    }

    /// Top-level keys that only this kind of file has.
    fn keys(self) -> &'static [&'static str] {
        match self {
            InputKind::Scenario => &[],
            InputKind::Experiment => &["design", "factors", "scenarios"],
            InputKind::Fit => &crate::files::fit_file::FIT_KEYS,
        }
    }
}

/// The kinds that have keys of their own, tried in order; anything else is
/// read as a scenario (whose parser then reports what is wrong with it).
const KEYED: [InputKind; 2] = [InputKind::Fit, InputKind::Experiment];

/// The kind of the TOML text `text`.
pub fn detect_text(text: &str) -> InputKind {
    let Ok(table) = toml::from_str::<toml::Table>(text) else {
        return InputKind::Scenario;
    };
    KEYED
        .into_iter()
        .find(|k| k.keys().iter().any(|key| table.contains_key(*key)))
        .unwrap_or(InputKind::Scenario)
}

/// The kind of the file at `path`.
pub fn detect(path: &Path) -> Result<InputKind, InputError> {
    let text = std::fs::read_to_string(path).map_err(|e| InputError::new(path, format!("cannot read file: {e}")))?;
    Ok(detect_text(&text))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_are_told_by_content() {
        assert_eq!(
            detect_text("name = \"x\"\n[cadres]\nstipend_yuan_month = 1.0\n"),
            InputKind::Scenario
        );
        assert_eq!(
            detect_text("scenarios = [\"a.toml\"]\n[design]\nkind = \"lhs\"\n"),
            InputKind::Experiment
        );
        assert_eq!(detect_text("[[factors]]\npath = \"x\"\n"), InputKind::Experiment);
        assert_eq!(detect_text("this is [ not toml"), InputKind::Scenario);
        assert_eq!(
            detect_text("scenario = \"b.toml\"\n[[priors]]\npath = \"x\"\n"),
            InputKind::Fit
        );
    }
}
