//! Reading the sources of a probabilistic run: an uncertainty file
//! (`run --uncertainty FILE`: TOML with optional `name` and `description`
//! and `[[factors]]` in the factor syntax of experiment files) and a table
//! of weighted draws (`run --parameters FILE.csv`: a `weight` column and one
//! column per parameter path; `particle`, `distance` and `d_*` columns are
//! ignored; the format `shequ fit` writes as posterior.csv). Errors name the
//! file, line and key.
//!
//! ```toml
//! name = "lever_priors"
//! description = "Assumed sizes of the levers' direct effects"
//!
//! [[factors]]
//! path = "cadres.pay_elasticity"
//! distribution = "triangular"
//! min = 0.5
//! mode = 1.0
//! max = 1.5
//! ```

use crate::experiment::spec::Factor;
use crate::experiment::uncertainty::{At, DrawError, Uncertainty, WeightedTable};
use crate::files::error::InputError;
use crate::files::experiment_file::{factor_line, factors_of, FactorSpec};
use crate::files::scenario_file;
use crate::model::params::Params;
use crate::study::shard::{SourceKind, SourceRecord};
use serde::Deserialize;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct UncertaintyFile {
    name: Option<String>,
    description: Option<String>,
    #[serde(default)]
    factors: Vec<FactorSpec>,
}

/// Columns of a weighted-draws table that are not parameters.
pub fn ignored_column(name: &str) -> bool {
    name == "particle" || name == "distance" || name.starts_with("d_")
}

fn read(path: &Path) -> Result<String, InputError> {
    std::fs::read_to_string(path).map_err(|e| InputError::new(path, format!("cannot read file: {e}")))
}

fn record(kind: SourceKind, path: &Path, text: &str) -> SourceRecord {
    SourceRecord {
        kind,
        path: std::fs::canonicalize(path)
            .unwrap_or_else(|_| path.to_path_buf())
            .display()
            .to_string(),
        sha256: scenario_file::hash_hex(text.as_bytes()),
    }
}

/// Why a path cannot be drawn: not a parameter, part of the world's
/// structure (which fixes the random streams), or a `simulation.*` setting
/// (every replication must cover the same months at the same scale).
fn bad_path(path: &str) -> Option<String> {
    let root = path.split('.').next().unwrap_or("");
    if root == "world" || root == "generator" {
        return Some(
            "the world's structure cannot be drawn (it fixes the random streams); use separate scenarios".into(),
        );
    }
    if root == "simulation" {
        return Some(
            "the simulation's settings cannot be drawn (every replication covers the same months at the same scale)"
                .into(),
        );
    }
    let known = Params::default().describe().into_iter().any(|i| i.path == path);
    (!known).then(|| format!("no parameter `{path}` (see `shequ params`)"))
}

/// The factors of an uncertainty file, its name and description.
pub fn load_factors(path: &Path) -> Result<(String, String, Vec<Factor>, SourceRecord), InputError> {
    let text = read(path)?;
    let file: UncertaintyFile = toml::from_str(&text).map_err(|e| scenario_file::toml_error(path, &text, &e))?;
    let factors = factors_of(path, &text, &file.factors, |f| bad_path(&f.path).map_or(Ok(()), Err))?;
    if factors.is_empty() {
        let mut e = InputError::new(path, "list at least one [[factors]] entry")
            .key("factors")
            .at(1, 1);
        if text.trim().is_empty() {
            e.message = "the file is empty: list at least one [[factors]] entry".into();
        }
        return Err(e);
    }
    let name = file.name.clone().unwrap_or_else(|| {
        path.file_stem()
            .map_or_else(|| "uncertainty".into(), |s| s.to_string_lossy().into_owned())
    });
    Ok((
        name,
        file.description.clone().unwrap_or_default(),
        factors,
        record(SourceKind::Factors, path, &text),
    ))
}

/// A table of weighted draws. `factors` are the paths already drawn by
/// factors (a column may not repeat one).
pub fn load_table(path: &Path, factors: &[Factor]) -> Result<(WeightedTable, SourceRecord), InputError> {
    let text = read(path)?;
    if text.trim().is_empty() {
        return Err(InputError::new(
            path,
            "the file is empty: expected a header with a `weight` column and one column per parameter path",
        )
        .at(1, 1)
        .key("weight"));
    }
    let mut rdr = csv::ReaderBuilder::new().from_reader(text.as_bytes());
    let header: Vec<String> = rdr
        .headers()
        .map_err(|e| InputError::new(path, format!("cannot read the header: {e}")).at(1, 1))?
        .iter()
        .map(|h| h.trim().to_string())
        .collect();
    let at_header = |key: &str, msg: String| {
        let col = header.iter().position(|h| h == key).map_or(1, |i| i + 1);
        InputError::new(path, msg).at(1, col).key(key)
    };
    let weight = header.iter().position(|h| h == "weight").ok_or_else(|| {
        InputError::new(
            path,
            format!("no `weight` column (the header has: {})", header.join(", ")),
        )
        .at(1, 1)
        .key("weight")
    })?;
    let mut params: Vec<usize> = Vec::new();
    for (i, h) in header.iter().enumerate() {
        if header[..i].contains(h) {
            return Err(at_header(h, "this column appears twice".into()));
        }
        if i == weight || ignored_column(h) {
            continue;
        }
        if let Some(why) = bad_path(h) {
            return Err(at_header(h, why));
        }
        if factors.iter().any(|f| f.path == *h) {
            return Err(at_header(
                h,
                "this parameter is also a factor of --uncertainty: draw it from one source".into(),
            ));
        }
        params.push(i);
    }
    if params.is_empty() {
        return Err(InputError::new(path, "no parameter column besides `weight`").at(1, 1));
    }
    let (mut rows, mut lines, mut weights) = (Vec::new(), Vec::new(), Vec::new());
    for rec in rdr.records() {
        let rec = rec.map_err(|e| {
            let line = e.position().map_or(0, |p| p.line() as usize);
            InputError::new(path, format!("cannot read the row: {e}")).at(line, 1)
        })?;
        let line = rec.position().map_or(0, |p| p.line() as usize);
        let cell = |i: usize| -> Result<f64, InputError> {
            let raw = rec.get(i).unwrap_or("").trim();
            raw.parse::<f64>().ok().filter(|v| v.is_finite()).ok_or_else(|| {
                InputError::new(path, format!("`{raw}` is not a finite number"))
                    .at(line, i + 1)
                    .key(header[i].clone())
            })
        };
        let w = cell(weight)?;
        if w < 0.0 {
            return Err(InputError::new(path, format!("weight {w} is negative"))
                .at(line, weight + 1)
                .key("weight"));
        }
        weights.push(w);
        rows.push(params.iter().map(|&i| cell(i)).collect::<Result<Vec<f64>, _>>()?);
        lines.push(line);
    }
    if rows.is_empty() {
        return Err(InputError::new(path, "no rows after the header").at(2, 1));
    }
    let total: f64 = weights.iter().sum();
    if !(total > 0.0 && total.is_finite()) {
        return Err(InputError::new(path, "the weights must sum to a positive finite number").key("weight"));
    }
    let columns = params.iter().map(|&i| header[i].clone()).collect();
    Ok((
        WeightedTable::new(columns, rows, lines, &weights),
        record(SourceKind::WeightedDraws, path, &text),
    ))
}

/// The uncertain parameters from `--uncertainty` and `--parameters`
/// (either or both; neither gives a plain run's empty `Uncertainty`).
pub fn load(uncertainty: Option<&Path>, parameters: Option<&Path>) -> Result<Uncertainty, InputError> {
    let mut u = Uncertainty::default();
    if let Some(p) = uncertainty {
        let (name, description, factors, rec) = load_factors(p)?;
        u.name = name;
        u.description = description;
        u.factors = factors;
        u.sources.push(rec);
    }
    if let Some(p) = parameters {
        let (table, rec) = load_table(p, &u.factors)?;
        u.table = Some(table);
        u.sources.push(rec);
    }
    Ok(u)
}

/// Reloads the sources recorded by a run (a merge), checking that the files
/// are unchanged (SHA-256).
pub fn reload(sources: &[SourceRecord]) -> Result<Uncertainty, InputError> {
    let find = |kind| sources.iter().find(|s| s.kind == kind).map(|s| PathBuf::from(&s.path));
    let u = load(
        find(SourceKind::Factors).as_deref(),
        find(SourceKind::WeightedDraws).as_deref(),
    )?;
    for (then, now) in sources.iter().zip(&u.sources) {
        if then.sha256 != now.sha256 {
            return Err(InputError::new(
                Path::new(&then.path),
                "changed since the study ran: its SHA-256 no longer matches",
            ));
        }
    }
    Ok(u)
}

/// A draw that gives invalid parameters, located in its source: the
/// factor's entry of the uncertainty file, or the table's row and column.
pub fn locate(u: &Uncertainty, e: &DrawError) -> InputError {
    let source = |kind| {
        u.sources
            .iter()
            .find(|s| s.kind == kind)
            .map_or_else(PathBuf::new, |s| PathBuf::from(&s.path))
    };
    let msg = format!("scenario `{}`: {}", e.scenario, e.message);
    match &e.at {
        At::Factor(k) => {
            let path = source(SourceKind::Factors);
            let mut err = InputError::new(&path, msg).key(format!("factors[{k}] ({})", u.factors[*k].path));
            if let Some(l) = std::fs::read_to_string(&path).ok().and_then(|t| factor_line(&t, *k)) {
                err = err.at(l, 1);
            }
            err
        }
        At::Cell { row, column } => {
            let t = u.table.as_ref();
            let line = t.and_then(|t| t.lines.get(*row).copied()).unwrap_or(0);
            let key = t.and_then(|t| t.columns.get(*column).cloned()).unwrap_or_default();
            InputError::new(&source(SourceKind::WeightedDraws), msg)
                .at(line, 1)
                .key(key)
        }
        At::Params => {
            let path = u.sources.first().map_or_else(PathBuf::new, |s| PathBuf::from(&s.path));
            InputError::new(&path, msg)
        }
    }
}
