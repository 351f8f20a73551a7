//! Exact, line-based storage of finished replications, so that a study can
//! be split into shards and merged (or resumed) with byte-identical final
//! outputs.
//!
//! Format of `replications.tsv`: a first line `# shequ replications v2`,
//! then one line per replication with tab-separated fields: scenario index,
//! scenario name, replication, seed, person-months, window values, monthly
//! values, group values, per-jurisdiction values, and a checksum chained
//! from the line before (`study::checksum`). Numbers are written in Rust's
//! shortest round-trip form, which parses back to the same bits (NaN
//! included); lists are comma-separated, rows of a matrix `;`-separated. A
//! last line without its newline (a killed writer) is ignored. Files of
//! version 1 (the same lines without the checksum) are still read; both are
//! checked field by field against the study (`check`).

use crate::model::metrics::N_METRICS;
use crate::model::rng;
use crate::model::scenario::Scenario;
use crate::model::state::GROUPS;
use crate::study::checksum::{shorten, Chain};
use crate::study::runner::RepResult;
use crate::study::shard::Shard;
use std::collections::HashMap;
use std::io::{self, Write};

pub const HEADER: &str = "# shequ replications v2";
/// The header of files written before lines carried a checksum.
pub const HEADER_V1: &str = "# shequ replications v1";
pub const FILE: &str = "replications.tsv";
/// Fields of a line (checksum not counted).
const FIELDS: usize = 9;

fn list(v: &[f64]) -> String {
    v.iter().map(|x| format!("{x}")).collect::<Vec<_>>().join(",")
}

fn matrix<const N: usize>(m: &[[f64; N]]) -> String {
    m.iter().map(|r| list(r)).collect::<Vec<_>>().join(";")
}

/// One replication's fields, without checksum or newline.
fn body(scenario: usize, name: &str, r: &RepResult) -> String {
    let groups: Vec<f64> = r.groups.iter().flatten().copied().collect();
    format!(
        "{scenario}\t{name}\t{}\t{}\t{}\t{}\t{}\t{}\t{}",
        r.replication,
        r.seed,
        r.person_months,
        list(&r.values),
        matrix(&r.monthly),
        list(&groups),
        matrix(&r.by_jurisdiction)
    )
}

/// The chain a file starts with, after its header.
pub fn chain() -> Chain {
    Chain::seed(HEADER)
}

/// One replication as a line (with its checksum and newline), following
/// the lines already sealed by `chain`.
pub fn line(chain: &mut Chain, scenario: usize, name: &str, r: &RepResult) -> String {
    let b = body(scenario, name, r);
    let sum = chain.seal(&b);
    format!("{b}\t{sum}\n")
}

/// Writes the header and the given replications; returns the chain for
/// lines appended after them.
pub fn write_all<'a>(
    w: &mut dyn Write,
    items: impl IntoIterator<Item = (usize, &'a str, &'a RepResult)>,
) -> io::Result<Chain> {
    writeln!(w, "{HEADER}")?;
    let mut c = chain();
    for (s, name, r) in items {
        w.write_all(line(&mut c, s, name, r).as_bytes())?;
    }
    Ok(c)
}

/// A stored replication, with the line it was read from.
#[derive(Debug, Clone)]
pub struct Stored {
    pub scenario: usize,
    pub name: String,
    pub result: RepResult,
    pub line: usize,
}

/// What a file read back holds.
#[derive(Debug, Clone)]
pub struct Contents {
    pub stored: Vec<Stored>,
    /// Complete lines (the header included): a cut last line is not counted.
    pub lines: usize,
}

fn parse_list(s: &str) -> Result<Vec<f64>, String> {
    if s.is_empty() {
        return Ok(Vec::new());
    }
    s.split(',')
        .map(|x| x.parse::<f64>().map_err(|e| format!("`{}`: {e}", shorten(x))))
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
    s.split(';')
        .enumerate()
        .map(|(i, row)| fixed::<N>(parse_list(row)?).map_err(|e| format!("row {}: {e}", i + 1)))
        .collect()
}

const NAMES: [&str; FIELDS] = [
    "scenario index",
    "scenario name",
    "replication",
    "seed",
    "person-months",
    "window values",
    "monthly values",
    "group values",
    "per-jurisdiction values",
];

fn parse_line(l: &str, line: usize) -> Result<Stored, String> {
    let f: Vec<&str> = l.split('\t').collect();
    if f.len() != FIELDS {
        return Err(format!("expected {FIELDS} tab-separated fields, found {}", f.len()));
    }
    let field = |i: usize, e: String| format!("field {} ({}): {e}", i + 1, NAMES[i]);
    let int = |i: usize| {
        f[i].parse::<u64>()
            .map_err(|e| field(i, format!("`{}`: {e}", shorten(f[i]))))
    };
    let groups: [f64; 2 * GROUPS.len()] = fixed(parse_list(f[7]).map_err(|e| field(7, e))?).map_err(|e| field(7, e))?;
    let mut g = [[0.0; 2]; GROUPS.len()];
    for (k, pair) in g.iter_mut().enumerate() {
        *pair = [groups[2 * k], groups[2 * k + 1]];
    }
    let scenario = usize::try_from(int(0)?).map_err(|e| field(0, e.to_string()))?;
    if f[1].is_empty() {
        return Err(field(1, "empty".into()));
    }
    Ok(Stored {
        scenario,
        name: f[1].to_string(),
        result: RepResult {
            replication: u32::try_from(int(2)?).map_err(|e| field(2, e.to_string()))?,
            seed: int(3)?,
            person_months: int(4)?,
            values: fixed::<N_METRICS>(parse_list(f[5]).map_err(|e| field(5, e))?).map_err(|e| field(5, e))?,
            monthly: parse_matrix::<N_METRICS>(f[6]).map_err(|e| field(6, e))?,
            groups: g,
            by_jurisdiction: parse_matrix::<N_METRICS>(f[8]).map_err(|e| field(8, e))?,
        },
        line,
    })
}

/// Reads stored replications: the header, then complete lines, each with a
/// valid checksum (version 2) and fields that parse. Errors carry the line
/// (1-based). An unterminated last line (a killed writer) is dropped; every
/// complete line must be UTF-8.
pub fn read(bytes: &[u8]) -> Result<Contents, (usize, String)> {
    let complete = match bytes.iter().rposition(|&b| b == b'\n') {
        Some(i) => &bytes[..=i],
        None if bytes.is_empty() => return Err((1, format!("the file is empty (expected `{HEADER}`)"))),
        None => return Err((1, format!("the first line is cut or not `{HEADER}`"))),
    };
    let text = std::str::from_utf8(complete).map_err(|e| {
        let at = e.valid_up_to();
        let before = &complete[..at];
        let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
        let start = before.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
        (line, format!("not UTF-8 (byte {} of the line)", at - start + 1))
    })?;
    let mut lines = text.split_terminator('\n');
    let head = lines.next().unwrap_or("");
    let mut chain = match head {
        HEADER => Some(chain()),
        HEADER_V1 => None,
        _ => {
            return Err((
                1,
                format!("expected `{HEADER}` (or `{HEADER_V1}`), found `{}`", shorten(head)),
            ))
        }
    };
    let mut stored = Vec::new();
    let mut n = 1;
    for (i, l) in lines.enumerate() {
        n = i + 2;
        let fields = match chain.as_mut() {
            Some(c) => c.check(l).map_err(|e| (n, e))?,
            None => l,
        };
        stored.push(parse_line(fields, n).map_err(|e| (n, e))?);
    }
    Ok(Contents { stored, lines: n })
}

/// The study a file's replications must belong to, for `check`.
#[derive(Debug, Clone)]
pub struct Expected {
    /// The study's scenario names, in order.
    pub names: Vec<String>,
    pub reps: u32,
    pub seed: u64,
    /// The shard whose file it is: only its items may be there.
    pub shard: Option<Shard>,
    /// Per scenario, its horizon (`simulation.months`: the monthly rows of
    /// a replication); `None` where parameter draws may change it.
    pub months: Vec<Option<usize>>,
}

impl Expected {
    /// The study of `scenarios` run with `--reps reps --seed seed` (and
    /// `--shard`); `probabilistic` when parameters are drawn per replication.
    pub fn of(scenarios: &[Scenario], reps: u32, seed: u64, shard: Option<Shard>, probabilistic: bool) -> Expected {
        Expected {
            names: scenarios.iter().map(|s| s.name.clone()).collect(),
            reps,
            seed,
            shard,
            months: scenarios
                .iter()
                .map(|s| (!probabilistic).then_some(s.params.simulation.months as usize))
                .collect(),
        }
    }
}

/// Checks stored replications field by field against their study: the
/// scenario index and its name, the replication within `--reps` and (for a
/// shard) in the shard's share, the seed the seed derivation gives, each
/// (scenario, replication) once, the monthly rows of the horizon, and the
/// same number of jurisdictions in every line of a scenario. The error
/// carries the line.
pub fn check(stored: &[Stored], e: &Expected) -> Result<(), (usize, String)> {
    let mut seen: HashMap<(usize, u32), usize> = HashMap::new();
    let mut jurisdictions: HashMap<usize, (usize, usize)> = HashMap::new();
    for st in stored {
        let err = |m: String| (st.line, m);
        let r = &st.result;
        let Some(name) = e.names.get(st.scenario) else {
            return Err(err(format!(
                "scenario index {} is not in this study ({} scenarios)",
                st.scenario,
                e.names.len()
            )));
        };
        if *name != st.name {
            return Err(err(format!(
                "scenario {} is `{name}` in this study, the line says `{}`",
                st.scenario,
                shorten(&st.name)
            )));
        }
        if r.replication >= e.reps {
            return Err(err(format!(
                "replication {} of `{name}` is beyond --reps {}",
                r.replication, e.reps
            )));
        }
        let want = rng::replication_seed(e.seed, u64::from(r.replication));
        if r.seed != want {
            return Err(err(format!(
                "replication {} has seed {}, but --seed {} gives it {want}",
                r.replication, r.seed, e.seed
            )));
        }
        if let Some(sh) = e.shard {
            let k = st.scenario as u64 * u64::from(e.reps) + u64::from(r.replication);
            if k % u64::from(sh.count) != u64::from(sh.index - 1) {
                return Err(err(format!(
                    "replication {} of `{name}` belongs to another shard than {}/{}",
                    r.replication, sh.index, sh.count
                )));
            }
        }
        if let Some(first) = seen.insert((st.scenario, r.replication), st.line) {
            return Err(err(format!(
                "replication {} of `{name}` is stored twice (first on line {first})",
                r.replication
            )));
        }
        if let Some(Some(m)) = e.months.get(st.scenario) {
            if r.monthly.len() != *m {
                return Err(err(format!(
                    "{} monthly rows, the horizon of `{name}` has {m} months",
                    r.monthly.len()
                )));
            }
        }
        let (j, at) = *jurisdictions
            .entry(st.scenario)
            .or_insert((r.by_jurisdiction.len(), st.line));
        if r.by_jurisdiction.len() != j {
            return Err(err(format!(
                "{} per-jurisdiction rows, line {at} of the same scenario has {j}",
                r.by_jurisdiction.len()
            )));
        }
    }
    Ok(())
}

/// `read`, then `check`.
pub fn read_checked(bytes: &[u8], e: &Expected) -> Result<Contents, (usize, String)> {
    let c = read(bytes)?;
    check(&c.stored, e)?;
    Ok(c)
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

    fn file(items: &[(usize, &str, &RepResult)]) -> String {
        let mut buf = Vec::new();
        write_all(&mut buf, items.iter().copied()).unwrap();
        String::from_utf8(buf).unwrap()
    }

    #[test]
    fn round_trip_is_exact_to_the_bit() {
        let r = sample();
        let text = file(&[(3, "reform x", &r)]);
        let back = read(text.as_bytes()).unwrap().stored;
        assert_eq!(back.len(), 1);
        let b = &back[0].result;
        assert_eq!(
            (back[0].scenario, back[0].name.as_str(), back[0].line),
            (3, "reform x", 2)
        );
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
        let whole = file(&[(0, "a", &r), (1, "b", &r)]);
        let cut = &whole[..whole.len() - 20];
        let c = read(cut.as_bytes()).unwrap();
        assert_eq!((c.stored.len(), c.lines), (1, 2));
        // An edited digit, a line without its checksum.
        let edited = whole.replacen("\t42\t", "\t43\t", 1);
        assert_eq!(read(edited.as_bytes()).unwrap_err().0, 2);
        let bad = format!("{whole}0\tb\tx\n");
        assert_eq!(read(bad.as_bytes()).unwrap_err().0, 4);
        assert_eq!(read(b"").unwrap_err().0, 1);
        assert_eq!(read(HEADER.as_bytes()).unwrap_err().0, 1);
        let mut bytes = whole.clone().into_bytes();
        let at = HEADER.len() + 5;
        bytes[at] = 0xff;
        assert_eq!(read(&bytes).unwrap_err().0, 2);
    }

    #[test]
    fn version_1_files_are_read_without_checksums() {
        let r = sample();
        let v1 = format!("{HEADER_V1}\n{}\n", body(0, "a", &r));
        assert_eq!(read(v1.as_bytes()).unwrap().stored.len(), 1);
        let with_sum = file(&[(0, "a", &r)]).replacen(HEADER, HEADER_V1, 1);
        assert!(read(with_sum.as_bytes()).unwrap_err().1.contains("fields"));
    }

    #[test]
    fn check_finds_foreign_duplicated_and_misseeded_replications() {
        let mut r = sample();
        r.replication = 1;
        r.seed = rng::replication_seed(5, 1);
        let e = Expected {
            names: vec!["a".into(), "b".into()],
            reps: 3,
            seed: 5,
            shard: None,
            months: vec![Some(2), Some(2)],
        };
        let ok = |items: &[(usize, &str, &RepResult)]| read_checked(file(items).as_bytes(), &e).map(|c| c.stored.len());
        assert_eq!(ok(&[(0, "a", &r), (1, "b", &r)]), Ok(2));
        let msg = |items: &[(usize, &str, &RepResult)]| ok(items).unwrap_err();
        assert!(msg(&[(0, "a", &r), (0, "a", &r)]).1.contains("twice (first on line 2)"));
        assert!(msg(&[(0, "b", &r)]).1.contains("`a` in this study"));
        assert!(msg(&[(2, "c", &r)]).1.contains("not in this study"));
        let mut far = r.clone();
        far.replication = 3;
        assert!(msg(&[(0, "a", &far)]).1.contains("beyond --reps 3"));
        let mut seeded = r.clone();
        seeded.seed ^= 1;
        assert_eq!(msg(&[(0, "a", &r), (1, "b", &seeded)]).0, 3);
        let mut short = r.clone();
        short.monthly.pop();
        assert!(msg(&[(0, "a", &short)]).1.contains("monthly rows"));
        let mut fewer = r.clone();
        fewer.by_jurisdiction.pop();
        fewer.replication = 2;
        fewer.seed = rng::replication_seed(5, 2);
        assert!(msg(&[(0, "a", &r), (0, "a", &fewer)]).1.contains("per-jurisdiction"));
        let shard = Expected {
            shard: Some(Shard { index: 1, count: 2 }),
            ..e.clone()
        };
        // Item 0 * 3 + 1 = 1 is shard 2's.
        let err = read_checked(file(&[(0, "a", &r)]).as_bytes(), &shard).unwrap_err();
        assert!(err.1.contains("another shard"), "{}", err.1);
    }
}
