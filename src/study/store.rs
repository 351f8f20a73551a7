//! Exact, line-based storage of finished replications, so that a study can
//! be split into shards and merged (or, later, resumed) with byte-identical
//! final outputs.
//!
//! Format of `replications.tsv`: a first line `# shequ replications v1`,
//! then one line per replication with tab-separated fields: scenario index,
//! scenario name, replication, seed, person-months, window values, monthly
//! values, group values, per-jurisdiction values. Numbers are written in
//! Rust's shortest round-trip form, which parses back to the same bits
//! (NaN included); lists are comma-separated, rows of a matrix `;`-separated.
//! A last line without its newline (a killed writer) is ignored.

use crate::model::metrics::N_METRICS;
use crate::model::state::GROUPS;
use crate::study::runner::RepResult;
use std::io::{self, Write};

pub const HEADER: &str = "# shequ replications v1";
pub const FILE: &str = "replications.tsv";

fn list(v: &[f64]) -> String {
    v.iter().map(|x| format!("{x}")).collect::<Vec<_>>().join(",")
}

fn matrix<const N: usize>(m: &[[f64; N]]) -> String {
    m.iter().map(|r| list(r)).collect::<Vec<_>>().join(";")
}

/// One replication as a line (with its newline).
pub fn line(scenario: usize, name: &str, r: &RepResult) -> String {
    let groups: Vec<f64> = r.groups.iter().flatten().copied().collect();
    format!(
        "{scenario}\t{name}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\n",
        r.replication,
        r.seed,
        r.person_months,
        list(&r.values),
        matrix(&r.monthly),
        list(&groups),
        matrix(&r.by_jurisdiction)
    )
}

/// Writes the header and the given replications.
pub fn write_all<'a>(
    w: &mut dyn Write,
    items: impl IntoIterator<Item = (usize, &'a str, &'a RepResult)>,
) -> io::Result<()> {
    writeln!(w, "{HEADER}")?;
    for (s, name, r) in items {
        w.write_all(line(s, name, r).as_bytes())?;
    }
    Ok(())
}

/// A stored replication.
#[derive(Debug, Clone)]
pub struct Stored {
    pub scenario: usize,
    pub name: String,
    pub result: RepResult,
}

fn parse_list(s: &str) -> Result<Vec<f64>, String> {
    if s.is_empty() {
        return Ok(Vec::new());
    }
    s.split(',')
        .map(|x| x.parse::<f64>().map_err(|e| format!("`{x}`: {e}")))
        .collect()
}

fn fixed<const N: usize>(v: Vec<f64>) -> Result<[f64; N], String> {
    let n = v.len();
    v.try_into().map_err(|_| format!("expected {N} numbers, found {n}"))
}

fn parse_matrix<const N: usize>(s: &str) -> Result<Vec<[f64; N]>, String> {
    if s.is_empty() {
        return Ok(Vec::new());
    }
    s.split(';').map(|row| fixed::<N>(parse_list(row)?)).collect()
}

fn parse_line(l: &str) -> Result<Stored, String> {
    let f: Vec<&str> = l.split('\t').collect();
    if f.len() != 9 {
        return Err(format!("expected 9 tab-separated fields, found {}", f.len()));
    }
    let int = |i: usize| f[i].parse::<u64>().map_err(|e| format!("field {}: {e}", i + 1));
    let groups: [f64; 2 * GROUPS.len()] = fixed(parse_list(f[7])?)?;
    let mut g = [[0.0; 2]; GROUPS.len()];
    for (k, pair) in g.iter_mut().enumerate() {
        *pair = [groups[2 * k], groups[2 * k + 1]];
    }
    Ok(Stored {
        scenario: int(0)? as usize,
        name: f[1].to_string(),
        result: RepResult {
            replication: u32::try_from(int(2)?).map_err(|e| e.to_string())?,
            seed: int(3)?,
            person_months: int(4)?,
            values: fixed::<N_METRICS>(parse_list(f[5])?)?,
            monthly: parse_matrix::<N_METRICS>(f[6])?,
            groups: g,
            by_jurisdiction: parse_matrix::<N_METRICS>(f[8])?,
        },
    })
}

/// Reads stored replications. Complete lines that do not parse are errors
/// (with their line number); an unterminated last line is dropped.
pub fn read(text: &str) -> Result<Vec<Stored>, (usize, String)> {
    let mut out = Vec::new();
    let complete = match text.rfind('\n') {
        Some(i) => &text[..=i],
        None => "",
    };
    for (i, l) in complete.lines().enumerate() {
        if i == 0 {
            if l != HEADER {
                return Err((1, format!("expected `{HEADER}`")));
            }
            continue;
        }
        out.push(parse_line(l).map_err(|e| (i + 1, e))?);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> RepResult {
        let mut values = [0.0; N_METRICS];
        values[0] = 0.1 + 0.2;
        values[1] = f64::NAN;
        values[2] = 1e-300;
        values[3] = -123_456_789.123_456_8;
        RepResult {
            replication: 7,
            seed: u64::MAX,
            values,
            monthly: vec![values, [1.0 / 3.0; N_METRICS]],
            groups: [[0.5, 2.0 / 3.0]; GROUPS.len()],
            by_jurisdiction: vec![values; 3],
            person_months: 42,
        }
    }

    #[test]
    fn round_trip_is_exact_to_the_bit() {
        let r = sample();
        let mut buf = Vec::new();
        write_all(&mut buf, [(3, "reform x", &r)]).unwrap();
        let text = String::from_utf8(buf).unwrap();
        let back = read(&text).unwrap();
        assert_eq!(back.len(), 1);
        let b = &back[0].result;
        assert_eq!((back[0].scenario, back[0].name.as_str()), (3, "reform x"));
        let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
        assert_eq!(bits(&b.values), bits(&r.values));
        assert_eq!(b.monthly.len(), 2);
        assert_eq!(bits(&b.monthly[1]), bits(&r.monthly[1]));
        assert_eq!(bits(&b.by_jurisdiction[2]), bits(&r.by_jurisdiction[2]));
        assert_eq!(b.groups, r.groups);
        assert_eq!((b.replication, b.seed, b.person_months), (7, u64::MAX, 42));
    }

    #[test]
    fn a_cut_last_line_is_dropped_and_bad_lines_are_located() {
        let r = sample();
        let mut text = format!("{HEADER}\n{}", line(0, "a", &r));
        let full = line(1, "b", &r);
        text.push_str(&full[..full.len() / 2]);
        assert_eq!(read(&text).unwrap().len(), 1);
        let bad = format!("{HEADER}\n{}0\tb\tx\n", line(0, "a", &r));
        assert_eq!(read(&bad).unwrap_err().0, 3);
    }
}
