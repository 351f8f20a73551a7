//! The files of a sweep: design.csv, runs.csv, summary.csv and
//! sensitivity.csv (see docs/outputs.md), and the shard file that
//! `sweep --shard` writes and `sweep --merge` reads back. The manifest is in
//! `manifest.rs`.

use crate::experiment::design::Label;
use crate::experiment::spec::Experiment;
use crate::experiment::sweep::{Index, ItemResult, SensitivityRow, SweepItem, SweepResult, Values};
use crate::files::atomic::{num, seed_cell, write_atomic};
use crate::files::error::{io_err, line_col_bytes, FileError, InputError};
use crate::model::metrics::METRICS;
use crate::study::checksum::{shorten, Chain};
use crate::study::decision::sensitivity::join_notes;
use crate::study::stats;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// File of a sweep shard's results.
pub const SHARD_FILE: &str = "sweep_shard.tsv";
const SHARD_HEADER: &str = "# shequ sweep shard v2";
/// The first field of shard files written before lines carried checksums.
const SHARD_HEADER_V1: &str = "# shequ sweep shard v1";

/// Identity of a shard: the study it belongs to.
#[derive(Debug, Clone, PartialEq)]
pub struct ShardHeader {
    pub experiment_sha256: String,
    /// SHA-256 of the `--parameters` table, `-` without one (a seventh
    /// header field, absent in shards written before it existed).
    pub parameters_sha256: String,
    pub reps: u32,
    pub seed: u64,
    pub index: u32,
    pub count: u32,
    pub items: usize,
}

/// The header line's fields (without its checksum).
fn header_body(h: &ShardHeader) -> String {
    format!(
        "{SHARD_HEADER}\t{}\t{}\t{}\t{}/{}\t{}\t{}",
        h.experiment_sha256, h.reps, h.seed, h.index, h.count, h.items, h.parameters_sha256
    )
}

/// Writes a shard's results: a header line with the study's identity, then
/// one line per item (point, scenario, replication, person-months, values
/// in shortest round-trip form, so a merge reproduces them bit for bit),
/// each line ending with a checksum chained from the line before
/// (`study::checksum`). The header ends with its own checksum (of the
/// header's fields); the whole header line starts the chain.
pub fn write_shard(dir: &Path, h: &ShardHeader, items: &[SweepItem], results: &[ItemResult]) -> io::Result<PathBuf> {
    write_atomic(dir, SHARD_FILE, |w| {
        let body = header_body(h);
        let head = format!("{body}\t{}", Chain::seed(&body).last());
        let mut chain = Chain::seed(&head);
        writeln!(w, "{head}")?;
        for (&(p, s, r), (v, pm)) in items.iter().zip(results) {
            let vals: Vec<String> = v.iter().map(|x| format!("{x}")).collect();
            let body = format!("{p}\t{s}\t{r}\t{pm}\t{}", vals.join(","));
            writeln!(w, "{body}\t{}", chain.seal(&body))?;
        }
        Ok(())
    })
}

/// A shard file's contents: its identity and its items' results.
pub type ShardContents = (ShardHeader, Vec<(SweepItem, ItemResult)>);

/// Reads a shard file written by `write_shard`; errors carry the line. The
/// header's and every line's checksum must hold (version 2; version 1
/// files, without checksums, are still read), and, field by field: the
/// shard `I/N` with 1 ≤ I ≤ N, `--reps` at least 1, each line's 5 fields
/// with the replication below `--reps` and N_METRICS values, the items in
/// the sweep's order (point, then scenario, then replication) each once,
/// as many as the header says, and a newline at the end (the file is
/// written whole, so a missing one means it was cut).
pub fn read_shard(text: &str) -> Result<ShardContents, (usize, String)> {
    let mut lines = text.split_terminator('\n');
    let first = lines.next().unwrap_or("");
    let tag = first.split('\t').next().unwrap_or("");
    let v2 = tag == SHARD_HEADER;
    let mut chain = None;
    let head_text = if v2 {
        let (body, given) = first
            .rsplit_once('\t')
            .ok_or((1, "the header line has no checksum".to_string()))?;
        let c = Chain::seed(body);
        if c.last() != given {
            return Err((
                1,
                format!(
                    "checksum mismatch in the header line (it says `{}`, its fields give {}): the line was edited or cut",
                    shorten(given),
                    c.last()
                ),
            ));
        }
        chain = Some(Chain::seed(first));
        body
    } else {
        first
    };
    let head: Vec<&str> = head_text.split('\t').collect();
    let fields_ok = if v2 {
        head.len() == 7
    } else {
        head.len() == 6 || head.len() == 7
    };
    if !fields_ok || !(v2 || tag == SHARD_HEADER_V1) {
        return Err((
            1,
            format!("not a sweep shard file (expected `{SHARD_HEADER}`, 6 fields and a checksum)"),
        ));
    }
    let bad = |line: usize, what: &str, got: &str| (line, format!("cannot read {what} from `{}`", shorten(got)));
    let (index, count) = head[4]
        .split_once('/')
        .ok_or_else(|| bad(1, "the shard I/N", head[4]))?;
    let header = ShardHeader {
        experiment_sha256: head[1].to_string(),
        parameters_sha256: head.get(6).copied().unwrap_or("-").to_string(),
        reps: head[2].parse().map_err(|_| bad(1, "reps", head[2]))?,
        seed: head[3].parse().map_err(|_| bad(1, "seed", head[3]))?,
        index: index.parse().map_err(|_| bad(1, "the shard index", index))?,
        count: count.parse().map_err(|_| bad(1, "the shard count", count))?,
        items: head[5].parse().map_err(|_| bad(1, "the item count", head[5]))?,
    };
    if header.count == 0 || header.index == 0 || header.index > header.count {
        return Err((1, format!("shard {}: need 1 ≤ I ≤ N", head[4])));
    }
    if header.reps == 0 {
        return Err((1, "reps is 0".into()));
    }
    let mut rows: Vec<(SweepItem, ItemResult)> = Vec::new();
    let mut n = 1;
    for (i, l) in lines.enumerate() {
        n = i + 2;
        let l = match chain.as_mut() {
            Some(c) => c.check(l).map_err(|e| (n, e))?,
            None => l,
        };
        let f: Vec<&str> = l.split('\t').collect();
        if f.len() != 5 {
            return Err((n, format!("expected 5 tab-separated fields, found {}", f.len())));
        }
        let vals: Vec<f64> = f[4]
            .split(',')
            .map(|x| x.parse::<f64>().map_err(|_| bad(n, "a value", x)))
            .collect::<Result<_, _>>()?;
        let found = vals.len();
        let values: Values = vals
            .try_into()
            .map_err(|_| (n, format!("{found} values, expected {}", METRICS.len())))?;
        let item: SweepItem = (
            f[0].parse().map_err(|_| bad(n, "the point", f[0]))?,
            f[1].parse().map_err(|_| bad(n, "the scenario", f[1]))?,
            f[2].parse().map_err(|_| bad(n, "the replication", f[2]))?,
        );
        if item.2 >= header.reps {
            return Err((
                n,
                format!("replication {} is beyond the header's --reps {}", item.2, header.reps),
            ));
        }
        if let Some((prev, _)) = rows.last() {
            if item <= *prev {
                return Err((
                    n,
                    format!(
                        "item (point {}, scenario {}, replication {}) comes after (point {}, scenario {}, \
                         replication {}): lines are duplicated or out of order",
                        item.0, item.1, item.2, prev.0, prev.1, prev.2
                    ),
                ));
            }
        }
        let pm = f[3].parse().map_err(|_| bad(n, "person-months", f[3]))?;
        rows.push((item, (values, pm)));
    }
    if !text.is_empty() && !text.ends_with('\n') {
        return Err((n, "the line is cut (no newline at the end of the file)".into()));
    }
    if rows.len() != header.items {
        return Err((
            n + 1,
            format!(
                "{} result lines, the header says {}: the file was cut or lines removed",
                rows.len(),
                header.items
            ),
        ));
    }
    Ok((header, rows))
}

/// Reads the shard file in `dir` (written by `write_shard`).
pub fn read_shard_file(dir: &Path) -> Result<ShardContents, FileError> {
    let path = dir.join(SHARD_FILE);
    let bytes = std::fs::read(&path).map_err(io_err(&path))?;
    let text = std::str::from_utf8(&bytes).map_err(|e| {
        let (line, col) = line_col_bytes(&bytes, e.valid_up_to());
        InputError::new(&path, "not UTF-8").at(line, col)
    })?;
    read_shard(text).map_err(|(l, m)| InputError::new(&path, m).at(l, 1).into())
}

fn csv_writer(w: &mut dyn Write) -> csv::Writer<&mut dyn Write> {
    csv::WriterBuilder::new()
        .terminator(csv::Terminator::Any(b'\n'))
        .from_writer(w)
}

fn opt(v: Option<f64>) -> String {
    v.map(num).unwrap_or_default()
}

/// `design.csv`: point, role in the design, factor values.
pub fn write_design(dir: &Path, exp: &Experiment, res: &SweepResult) -> io::Result<PathBuf> {
    write_atomic(dir, "design.csv", |w| {
        let mut c = csv_writer(w);
        let mut header = vec!["point".to_string(), "block".into(), "index".into(), "factor".into()];
        header.extend(exp.factors.iter().map(|f| f.name.clone()));
        c.write_record(&header).map_err(io::Error::other)?;
        for (p, (label, v)) in res.design.labels.iter().zip(&res.values).enumerate() {
            let (block, index, factor) = label_columns(exp, label);
            let mut row = vec![p.to_string(), block, index, factor];
            row.extend(v.iter().map(|x| num(*x)));
            c.write_record(&row).map_err(io::Error::other)?;
        }
        c.flush()
    })
}

fn label_columns(exp: &Experiment, l: &Label) -> (String, String, String) {
    let (block, index, factor) = l.columns();
    (
        block,
        index.map(|i| i.to_string()).unwrap_or_default(),
        factor.map(|f| exp.factors[f].name.clone()).unwrap_or_default(),
    )
}

/// `runs.csv`: one row per point × scenario × replication.
pub fn write_runs(dir: &Path, exp: &Experiment, res: &SweepResult) -> io::Result<PathBuf> {
    write_atomic(dir, "runs.csv", |w| {
        let mut c = csv_writer(w);
        let mut header = vec![
            "point".to_string(),
            "scenario".into(),
            "replication".into(),
            "seed".into(),
        ];
        header.extend(exp.factors.iter().map(|f| f.name.clone()));
        header.extend(res.draws.names.iter().cloned());
        header.extend(METRICS.iter().map(|m| m.name.to_string()));
        c.write_record(&header).map_err(io::Error::other)?;
        for (p, by_s) in res.runs.iter().enumerate() {
            for (s, reps) in by_s.iter().enumerate() {
                for (r, v) in reps.iter().enumerate() {
                    let mut row = vec![
                        p.to_string(),
                        exp.scenarios[s].name.clone(),
                        r.to_string(),
                        seed_cell(res.seeds[r]),
                    ];
                    row.extend(res.values[p].iter().map(|x| num(*x)));
                    row.extend(res.draws.values(r as u32).iter().map(|x| num(*x)));
                    row.extend(v.iter().map(|x| num(*x)));
                    c.write_record(&row).map_err(io::Error::other)?;
                }
            }
        }
        c.flush()
    })
}

/// `summary.csv`: per point × scenario × metric, Student-t 95% intervals of
/// the mean and of the paired difference from the reference.
pub fn write_summary(dir: &Path, exp: &Experiment, res: &SweepResult) -> io::Result<PathBuf> {
    write_atomic(dir, "summary.csv", |w| {
        let mut c = csv_writer(w);
        c.write_record([
            "point",
            "scenario",
            "metric",
            "n",
            "mean",
            "sd",
            "ci95_low",
            "ci95_high",
            "diff_mean",
            "diff_ci95_low",
            "diff_ci95_high",
        ])
        .map_err(io::Error::other)?;
        for (p, by_s) in res.runs.iter().enumerate() {
            for (s, reps) in by_s.iter().enumerate() {
                for (m, def) in METRICS.iter().enumerate() {
                    let x: Vec<f64> = reps.iter().map(|v| v[m]).collect();
                    let sm = stats::summarise_within(&x, stats::level_bounds(def));
                    let diff = (s != exp.reference).then(|| {
                        let base: Vec<f64> = by_s[exp.reference].iter().map(|v| v[m]).collect();
                        stats::summarise_within(&stats::paired(&base, &x), stats::difference_bounds(def))
                    });
                    c.write_record([
                        p.to_string(),
                        exp.scenarios[s].name.clone(),
                        def.name.to_string(),
                        sm.n.to_string(),
                        num(sm.mean),
                        opt(sm.sd),
                        opt(sm.ci95_low),
                        opt(sm.ci95_high),
                        diff.as_ref().map(|d| num(d.mean)).unwrap_or_default(),
                        diff.as_ref().and_then(|d| d.ci95_low).map(num).unwrap_or_default(),
                        diff.as_ref().and_then(|d| d.ci95_high).map(num).unwrap_or_default(),
                    ])
                    .map_err(io::Error::other)?;
                }
            }
        }
        c.flush()
    })
}

/// `sensitivity.csv`: one row per target × metric × factor, with the
/// columns of the design's method only (Sobol: first and total order;
/// Morris: μ, μ*, σ), then `n` and the row's `note`.
pub fn write_sensitivity(dir: &Path, exp: &Experiment, rows: &[SensitivityRow]) -> io::Result<PathBuf> {
    const KEYS: [&str; 4] = ["method", "target", "metric", "factor"];
    const SOBOL: [&str; 6] = [
        "first_order",
        "first_order_ci95_low",
        "first_order_ci95_high",
        "total_order",
        "total_order_ci95_low",
        "total_order_ci95_high",
    ];
    const MORRIS: [&str; 5] = ["mu", "mu_star", "mu_star_ci95_low", "mu_star_ci95_high", "sigma"];
    let morris = matches!(rows.first().map(|r| &r.index), Some(Index::Morris(_)));
    write_atomic(dir, "sensitivity.csv", |w| {
        let mut c = csv_writer(w);
        let mut header: Vec<&str> = KEYS.to_vec();
        header.extend(if morris { &MORRIS[..] } else { &SOBOL[..] });
        header.extend(["n", "note"]);
        c.write_record(&header).map_err(io::Error::other)?;
        for row in rows {
            let (target, m, f, idx) = (&row.target, &row.metric, &row.factor, &row.index);
            let head = |method: &str| {
                vec![
                    method.to_string(),
                    target.clone(),
                    METRICS[*m].name.to_string(),
                    exp.factors[*f].name.clone(),
                ]
            };
            let mut cells: Vec<String> = match idx {
                Index::Sobol(s) => {
                    let mut r = head("sobol");
                    let cells = [
                        s.first.value,
                        s.first.low,
                        s.first.high,
                        s.total.value,
                        s.total.low,
                        s.total.high,
                    ];
                    // A near-constant output's indices are noise: left empty.
                    r.extend(cells.map(|v| if row.near_constant() { String::new() } else { num(v) }));
                    r.push(exp.plan.n.to_string());
                    r
                }
                Index::Morris(mi) => {
                    let mut r = head("morris");
                    r.extend([mi.mu, mi.mu_star.value, mi.mu_star.low, mi.mu_star.high, mi.sigma].map(num));
                    r.push(mi.trajectories.to_string());
                    r
                }
            };
            cells.push(join_notes(&row.notes));
            c.write_record(&cells).map_err(io::Error::other)?;
        }
        c.flush()
    })
}
