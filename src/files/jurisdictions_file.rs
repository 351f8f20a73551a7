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
    /// Optional columns: an absent column or an empty cell is `None`.
    #[serde(default)]
    authority: Option<f64>,
    #[serde(default)]
    coordination: Option<f64>,
    #[serde(default)]
    merge_into: Option<String>,
    provenance: String,
}

/// Parses the jurisdictions CSV; errors name the line and column. Lines
/// starting with `#` are skipped (the shipped file has none, so that other
/// tools read it with no options; a user's file may carry comments).
pub fn parse_jurisdictions(path: &Path, text: &str) -> Result<Vec<JurisdictionSpec>, InputError> {
    // Comment lines are dropped here, keeping each remaining line's number
    // in the file, so that errors point at the line as the file has it.
    let mut physical: Vec<usize> = Vec::new();
    let mut plain = String::with_capacity(text.len());
    for (i, line) in text.split_inclusive('\n').enumerate() {
        if !line.starts_with('#') {
            physical.push(i + 1);
            plain.push_str(line);
        }
    }
    let file_line = |csv_line: u64| {
        let k = (csv_line as usize).max(1) - 1;
        physical.get(k).copied().unwrap_or(k + 1)
    };
    let mut rdr = csv::ReaderBuilder::new().from_reader(plain.as_bytes());
    let headers = rdr
        .headers()
        .map_err(|e| InputError::new(path, format!("bad header: {e}")).at(file_line(1), 1))?
        .clone();
    let mut out = Vec::new();
    let mut lines = Vec::new();
    for rec in rdr.records() {
        let located = |e: csv::Error| {
            let line = e.position().map_or(0, |p| file_line(p.line()));
            InputError::new(path, format!("bad row: {e}")).at(line, 1)
        };
        let rec = rec.map_err(located)?;
        let line = rec.position().map_or(out.len() + 2, |p| file_line(p.line()));
        let row: Row = rec
            .deserialize(Some(&headers))
            .map_err(|e| InputError::new(path, format!("bad row: {e}")).at(line, 1))?;
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
        for (key, value) in [("authority", row.authority), ("coordination", row.coordination)] {
            if let Some(v) = value {
                if !(v.is_finite() && (0.0..=1.0).contains(&v)) {
                    return Err(bad(key, format!("{v}: expected a number in [0, 1] (or an empty cell)")));
                }
            }
        }
        let merge_into = row.merge_into.map(|m| m.trim().to_string()).filter(|m| !m.is_empty());
        out.push(JurisdictionSpec {
            name: row.name,
            kind,
            area_km2: row.area_km2,
            population: row.population,
            committees: row.committees,
            firms_per_10k: row.firms_per_10k,
            authority: row.authority,
            coordination: row.coordination,
            merge_into,
            provenance: row.provenance,
        });
        lines.push(line);
    }
    if out.is_empty() {
        return Err(InputError::new(
            path,
            "the jurisdiction list is empty: at least one row is needed",
        ));
    }
    for (i, spec) in out.iter().enumerate() {
        let Some(target) = &spec.merge_into else { continue };
        let bad = |msg: String| InputError::new(path, msg).at(lines[i], 1).key("merge_into");
        if spec.kind != Kind::Urban {
            return Err(bad(format!(
                "`{}` is a fringe town: only urban streets merge (leave the cell empty)",
                spec.name
            )));
        }
        if *target == spec.name {
            return Err(bad(format!("`{target}`: a street cannot merge into itself")));
        }
        let named: Vec<&JurisdictionSpec> = out.iter().filter(|s| s.name == *target).collect();
        match named.as_slice() {
            [] => return Err(bad(format!("`{target}`: no jurisdiction of that name in this file"))),
            [t] if t.kind != Kind::Urban => {
                return Err(bad(format!(
                    "`{target}` is a fringe town: streets merge only into urban streets"
                )))
            }
            [_] => {}
            _ => return Err(bad(format!("`{target}`: several rows have this name"))),
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: &str = "name,kind,area_km2,population,committees,firms_per_10k,provenance\n";

    #[test]
    fn comment_lines_are_skipped_and_rows_keep_their_line_numbers() {
        let text = format!("# a note\n{HEADER}A,urban,1.0,100,1,50,x\n# another\nB,urban,1.0,3,5,50,x\n");
        let e = parse_jurisdictions(Path::new("j.csv"), &text).unwrap_err();
        assert_eq!(e.line, Some(5), "{e}");
        let ok = format!("# a note\n{HEADER}A,urban,1.0,100,1,50,x\n");
        assert_eq!(parse_jurisdictions(Path::new("j.csv"), &ok).unwrap().len(), 1);
    }
}
