//! The files a run keeps while it runs, so that an interrupted run can be
//! resumed and shards merged: `run.json` (the study's identity),
//! `replications.tsv` (the journal: every finished replication, exactly, in
//! the line format of `study::store`), both in the output folder's hidden
//! working folder `.shequ/` (`out_dir.rs`), and the runs.csv that grows with
//! them in the output folder itself.

use crate::experiment::uncertainty::DrawTable;
use crate::files::atomic::{num, seed_cell, write_atomic, write_json};
use crate::files::error::{io_err, line_col_bytes, FileError, InputError};
use crate::files::out_dir::work_dir;
use crate::model::metrics::METRICS;
use crate::study::checksum::Chain;
use crate::study::identity::{self, StudyIdentity};
use crate::study::runner::RepResult;
use crate::study::store::{self, Contents, Expected};
use std::fs::File;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// The study's identity, written when a run starts and checked by `--resume`.
pub const IDENTITY: &str = "run.json";

/// Where the identity of the run in output folder `dir` is kept.
pub fn identity_path(dir: &Path) -> PathBuf {
    work_dir(dir).join(IDENTITY)
}

/// Where the journal of the run in output folder `dir` is kept.
pub fn journal_path(dir: &Path) -> PathBuf {
    work_dir(dir).join(store::FILE)
}

/// `path` in the working folder, or, for a folder written before the working
/// folder existed, the same name at the top of `dir`.
fn existing(path: PathBuf, dir: &Path, name: &str) -> PathBuf {
    let legacy = dir.join(name);
    if !path.exists() && legacy.exists() {
        legacy
    } else {
        path
    }
}

/// Where the identity of `dir` is read from (the working folder, or the top
/// of a folder written before it existed).
pub fn existing_identity(dir: &Path) -> PathBuf {
    existing(identity_path(dir), dir, IDENTITY)
}

/// The identity an earlier run left in `dir`; `None` when there is none.
/// A file that is there but cannot be read, is not UTF-8 JSON, misses a
/// field, has one it should not, or a field of the wrong type is an error
/// naming the file and, where it can, the line and column.
pub fn read_identity(dir: &Path) -> Result<Option<StudyIdentity>, FileError> {
    let p = existing_identity(dir);
    let bytes = match std::fs::read(&p) {
        Ok(b) => b,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(io_err(&p)(e)),
    };
    parse_identity(&bytes).map(Some).map_err(|e| {
        let mut err = InputError::new(&p, e.message);
        if let Some((l, c)) = e.at {
            err = err.at(l, c);
        }
        err.into()
    })
}

/// Why `run.json`'s bytes are not a study identity.
#[derive(Debug, Clone, PartialEq)]
pub struct IdentityError {
    /// Line and column (1-based) where the problem is, when known.
    pub at: Option<(usize, usize)>,
    pub message: String,
}

/// Parses `run.json` and checks what serde cannot: that it is shequ's, and
/// its replications, shard, baseline, scenarios and SHA-256 digests make sense.
pub fn parse_identity(bytes: &[u8]) -> Result<StudyIdentity, IdentityError> {
    let text = std::str::from_utf8(bytes).map_err(|e| {
        let (l, c) = line_col_bytes(bytes, e.valid_up_to());
        IdentityError {
            at: Some((l, c)),
            message: "not UTF-8".into(),
        }
    })?;
    let id: StudyIdentity = serde_json::from_str(text).map_err(|e| IdentityError {
        at: (e.line() > 0).then(|| (e.line(), e.column())),
        message: format!("not a run identity: {e}"),
    })?;
    identity::check_identity(&id).map_err(|m| IdentityError {
        at: None,
        message: format!("not a run identity: {m}"),
    })?;
    Ok(id)
}

/// Writes `run.json` in the working folder of `dir` (creating it).
pub fn write_identity(dir: &Path, identity: &StudyIdentity) -> io::Result<PathBuf> {
    let work = work_dir(dir);
    std::fs::create_dir_all(&work)?;
    let written = write_json(&work, IDENTITY, identity)?;
    let legacy = dir.join(IDENTITY);
    if legacy.is_file() {
        std::fs::remove_file(&legacy)?;
    }
    Ok(written)
}

/// Where the journal of `dir` is read from (the working folder, or the top
/// of a folder written before it existed).
pub fn existing_journal(dir: &Path) -> PathBuf {
    existing(journal_path(dir), dir, store::FILE)
}

/// The replications stored in the journal in `dir`, checked line by line
/// (checksums, fields) and against the study `expected`; errors name the
/// file and the line. `Ok(None)` when there is no journal.
pub fn read_journal(dir: &Path, expected: &Expected) -> Result<Option<Contents>, FileError> {
    let p = existing_journal(dir);
    let bytes = match std::fs::read(&p) {
        Ok(b) => b,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(io_err(&p)(e)),
    };
    store::read_checked(&bytes, expected)
        .map(Some)
        .map_err(|(line, e)| InputError::new(&p, e).at(line, 1).into())
}

/// The header of runs.csv: scenario, replication, seed, the drawn
/// parameters of a probabilistic run, then every metric.
pub fn runs_header(draws: &DrawTable) -> Vec<String> {
    let mut header = vec!["scenario".to_string(), "replication".into(), "seed".into()];
    header.extend(draws.names.iter().cloned());
    header.extend(METRICS.iter().map(|m| m.name.to_string()));
    header
}

/// A row of runs.csv: scenario, replication, seed, the replication's drawn
/// parameters (none in a plain run), then every metric.
pub fn runs_row(name: &str, r: &RepResult, draws: &DrawTable) -> Vec<String> {
    let mut row = vec![name.to_string(), r.replication.to_string(), seed_cell(r.seed)];
    row.extend(draws.values(r.replication).iter().map(|v| num(*v)));
    row.extend(r.values.iter().map(|v| num(*v)));
    row
}

/// What a run appends to as replications finish: the journal and, for a
/// whole study (not a shard), runs.csv.
pub struct Streams {
    journal: File,
    chain: Chain,
    runs: Option<csv::Writer<File>>,
    draws: DrawTable,
}

impl Streams {
    /// Rewrites the journal in `dir` with the replications kept (so a
    /// half-written last line is dropped) and opens it to grow as
    /// replications finish; with `runs`, starts runs.csv with the kept rows.
    pub fn open(dir: &Path, kept: &[(usize, &str, &RepResult)], runs: bool, draws: &DrawTable) -> io::Result<Streams> {
        let work = work_dir(dir);
        std::fs::create_dir_all(&work)?;
        let mut chain = store::chain();
        write_atomic(&work, store::FILE, |w| {
            chain = store::write_all(w, kept.iter().copied())?;
            Ok(())
        })?;
        // A journal left at the top by an older version has been read; the
        // working folder's copy replaces it.
        let legacy = dir.join(store::FILE);
        if legacy.is_file() {
            std::fs::remove_file(&legacy)?;
        }
        let journal = std::fs::OpenOptions::new().append(true).open(journal_path(dir))?;
        let streaming_runs = if runs {
            let f = File::create(dir.join("runs.csv"))?;
            let mut w = csv::WriterBuilder::new()
                .terminator(csv::Terminator::Any(b'\n'))
                .from_writer(f);
            w.write_record(runs_header(draws)).map_err(io::Error::other)?;
            for (_, name, r) in kept {
                w.write_record(runs_row(name, r, draws)).map_err(io::Error::other)?;
            }
            w.flush()?;
            Some(w)
        } else {
            None
        };
        Ok(Streams {
            journal,
            chain,
            runs: streaming_runs,
            draws: draws.clone(),
        })
    }

    /// Appends a finished replication of scenario `scenario` (named `name`).
    pub fn append(&mut self, scenario: usize, name: &str, r: &RepResult) -> io::Result<()> {
        let journal = &mut self.journal;
        let line = store::line(&mut self.chain, scenario, name, r);
        let mut result = journal.write_all(line.as_bytes()).and_then(|_| journal.flush());
        if let Some(w) = self.runs.as_mut() {
            result = result
                .and_then(|_| w.write_record(runs_row(name, r, &self.draws)).map_err(io::Error::other))
                .and_then(|_| w.flush());
        }
        result
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::metrics::N_METRICS;
    use crate::model::state::GROUPS;

    #[test]
    fn a_resumed_journal_keeps_what_was_kept_and_grows() {
        let dir = std::env::temp_dir().join(format!("shequ-journal-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let r = |replication| RepResult {
            replication,
            seed: crate::model::rng::replication_seed(0, u64::from(replication)),
            values: [0.5; N_METRICS],
            monthly: vec![[0.25; N_METRICS]],
            groups: [[1.0, 0.0]; GROUPS.len()],
            by_jurisdiction: vec![],
            person_months: 3,
        };
        let (a, b) = (r(0), r(1));
        let mut s = Streams::open(&dir, &[(1, "x", &a)], true, &DrawTable::default()).unwrap();
        s.append(0, "y", &b).unwrap();
        drop(s);
        let expected = Expected {
            names: vec!["y".into(), "x".into()],
            reps: 2,
            seed: 0,
            shard: None,
            months: vec![None, None],
        };
        let stored = read_journal(&dir, &expected).unwrap().unwrap().stored;
        let names: Vec<(usize, &str, u32)> = stored
            .iter()
            .map(|st| (st.scenario, st.name.as_str(), st.result.replication))
            .collect();
        assert_eq!(names, [(1, "x", 0), (0, "y", 1)]);
        let runs = std::fs::read_to_string(dir.join("runs.csv")).unwrap();
        assert_eq!(runs.lines().count(), 3);
        assert!(runs.lines().nth(2).unwrap().starts_with(&format!(
            "y,1,{},0.5,",
            seed_cell(crate::model::rng::replication_seed(0, 1))
        )));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
