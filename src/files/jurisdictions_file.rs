//! Reading the jurisdictions data file (CSV, one row per street office or
//! town); errors name the line, column and key.

use crate::files::error::InputError;
use crate::model::jurisdictions::{JurisdictionSpec, Kind};
use serde::Deserialize;
use std::path::Path;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Row {
    name: String,
    kind: String,
    area_km2: f64,
    population: u32,
    committees: u32,
    firms_per_10k: f64,
    provenance: String,
}

/// Parses the jurisdictions CSV; errors name the line and column.
pub fn parse_jurisdictions(path: &Path, text: &str) -> Result<Vec<JurisdictionSpec>, InputError> {
    let mut rdr = csv::ReaderBuilder::new()
        .comment(Some(b'#'))
        .from_reader(text.as_bytes());
    let mut out = Vec::new();
    for rec in rdr.deserialize::<Row>() {
        let row = rec.map_err(|e| {
            let line = e.position().map_or(0, |p| p.line() as usize);
            InputError::new(path, format!("bad row: {e}")).at(line, 1)
        })?;
        let line = out.len() + 2;
        let bad = |key: &str, msg: String| InputError::new(path, msg).at(line, 1).key(key);
        let kind = match row.kind.as_str() {
            "urban" => Kind::Urban,
            "fringe" => Kind::Fringe,
            other => return Err(bad("kind", format!("`{other}`: expected `urban` or `fringe`"))),
        };
        if !(row.area_km2.is_finite() && row.area_km2 > 0.0) {
            return Err(bad("area_km2", format!("{}: expected a positive number", row.area_km2)));
        }
        if row.committees == 0 {
            return Err(bad("committees", "a jurisdiction needs at least 1 committee".into()));
        }
        if row.population < row.committees {
            return Err(bad(
                "population",
                format!(
                    "{} residents cannot fill {} committees: every committee needs persons",
                    row.population, row.committees
                ),
            ));
        }
        if !(row.firms_per_10k.is_finite() && (0.0..=1e5).contains(&row.firms_per_10k)) {
            return Err(bad(
                "firms_per_10k",
                format!("{}: expected a number in [0, 100000]", row.firms_per_10k),
            ));
        }
        out.push(JurisdictionSpec {
            name: row.name,
            kind,
            area_km2: row.area_km2,
            population: row.population,
            committees: row.committees,
            firms_per_10k: row.firms_per_10k,
            provenance: row.provenance,
        });
    }
    if out.is_empty() {
        return Err(InputError::new(
            path,
            "the jurisdiction list is empty: at least one row is needed",
        ));
    }
    Ok(out)
}
