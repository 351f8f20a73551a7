//! What a sweep keeps while it runs, so that a killed or stopped sweep can
//! be continued with `sweep --resume`: `.shequ/sweep.json` (the sweep's
//! identity, `SweepIdentity`) and `.shequ/sweep_items.tsv` (the journal:
//! every finished (point, scenario, replication) item, exactly), both in the
//! output folder's hidden working folder (`out_dir.rs`).
//!
//! Format of `sweep_items.tsv`: a first line `# shequ sweep journal v1`,
//! then one line per finished item with six tab-separated fields: point,
//! scenario index, replication, person-months, the outcome-window values
//! (comma-separated, Rust's shortest round-trip form, so they read back to
//! the same bits) and a checksum: the first 16 hex digits of the SHA-256 of
//! the sweep's identity key and the line's first five fields (`line_check`).
//! A line that was edited, damaged, cut in the middle or copied from
//! another sweep's journal fails its checksum; a line for an item outside
//! the sweep (or shard), or a second line for the same item, is refused
//! too. Each refusal names the file and line. The order of the lines does
//! not matter (items finish in any order). A last line without its newline
//! (a killed writer) is ignored.

use crate::experiment::sweep::{ItemResult, SweepItem, Values};
use crate::files::atomic::{write_atomic, write_json};
use crate::files::error::{io_err, FileError, InputError};
use crate::files::out_dir::work_dir;
use crate::files::scenario_file::hash_hex;
use crate::model::metrics::N_METRICS;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::fs::File;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// The sweep's identity, in the working folder.
pub const IDENTITY: &str = "sweep.json";
/// The sweep's journal, in the working folder.
pub const JOURNAL: &str = "sweep_items.tsv";
/// The journal's first line.
pub const HEADER: &str = "# shequ sweep journal v1";

/// `dir/.shequ/sweep.json`.
pub fn identity_path(dir: &Path) -> PathBuf {
    work_dir(dir).join(IDENTITY)
}

/// `dir/.shequ/sweep_items.tsv`.
pub fn journal_path(dir: &Path) -> PathBuf {
    work_dir(dir).join(JOURNAL)
}

/// A scenario of the sweep as its identity records it: name and the
/// SHA-256 of every file it was read from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IdentityScenario {
    pub name: String,
    pub sha256: Vec<String>,
}

/// What identifies a sweep: written when it starts, checked by `--resume`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SweepIdentity {
    pub tool: String,
    pub version: String,
    pub experiment_sha256: String,
    pub scenarios: Vec<IdentityScenario>,
    /// SHA-256 of the `--parameters` table, `-` without one.
    pub parameters_sha256: String,
    pub replications: u32,
    pub seed: u64,
    /// `I/N` with `--shard`.
    pub shard: Option<String>,
    pub points: usize,
    /// Items this sweep (or shard) runs.
    pub items: usize,
}

impl SweepIdentity {
    /// The key every journal line's checksum includes: a line checks only
    /// in the journal of the sweep that wrote it.
    pub fn key(&self) -> String {
        let text = serde_json::to_string(self).unwrap_or_default();
        hash_hex(text.as_bytes())[..16].to_string()
    }
}

/// Why `old` (the sweep in the folder) is not `new` (the one asked to
/// resume it): the first field that differs, in words.
pub fn identity_mismatch(old: &SweepIdentity, new: &SweepIdentity) -> Option<String> {
    if old.tool != new.tool || old.version != new.version {
        return Some(format!(
            "it was run by {} {}, this is {} {}",
            old.tool, old.version, new.tool, new.version
        ));
    }
    if old.experiment_sha256 != new.experiment_sha256 {
        return Some("the experiment file has changed since (its SHA-256 differs)".into());
    }
    let names = |x: &SweepIdentity| x.scenarios.iter().map(|s| s.name.clone()).collect::<Vec<_>>();
    if names(old) != names(new) {
        return Some(format!(
            "its scenarios were {}, not {}",
            names(old).join(", "),
            names(new).join(", ")
        ));
    }
    if let Some(s) = old
        .scenarios
        .iter()
        .zip(&new.scenarios)
        .find(|(a, b)| a.sha256 != b.sha256)
    {
        return Some(format!("the files of scenario `{}` have changed since", s.0.name));
    }
    if old.parameters_sha256 != new.parameters_sha256 {
        let t = |h: &str| {
            if h == "-" {
                "no --parameters table".to_string()
            } else {
                format!("a --parameters table with SHA-256 {h}")
            }
        };
        return Some(format!(
            "it drew from {}, this from {}",
            t(&old.parameters_sha256),
            t(&new.parameters_sha256)
        ));
    }
    if old.replications != new.replications {
        return Some(format!("it used --reps {}, not {}", old.replications, new.replications));
    }
    if old.seed != new.seed {
        return Some(format!("it used --seed {}, not {}", old.seed, new.seed));
    }
    if old.shard != new.shard {
        let s = |x: &Option<String>| x.as_ref().map_or("no --shard".to_string(), |v| format!("--shard {v}"));
        return Some(format!("it ran {}, not {}", s(&old.shard), s(&new.shard)));
    }
    if old.points != new.points || old.items != new.items {
        return Some(format!(
            "it had {} points and {} items, this has {} and {}",
            old.points, old.items, new.points, new.items
        ));
    }
    None
}

/// The checksum of a journal line's first five fields (without the tab
/// before the checksum) under the sweep's `key`.
pub fn line_check(key: &str, content: &str) -> String {
    hash_hex(format!("{key}\t{content}").as_bytes())[..16].to_string()
}

/// One finished item as a journal line (with its newline).
pub fn line(key: &str, (p, s, r): SweepItem, (values, pm): &ItemResult) -> String {
    let vals: Vec<String> = values.iter().map(|x| format!("{x}")).collect();
    let content = format!("{p}\t{s}\t{r}\t{pm}\t{}", vals.join(","));
    let check = line_check(key, &content);
    format!("{content}\t{check}\n")
}

/// Parses one complete journal line (without its newline).
fn parse_line(key: &str, l: &str) -> Result<(SweepItem, ItemResult), String> {
    let (content, check) = l
        .rsplit_once('\t')
        .ok_or_else(|| "expected 6 tab-separated fields, found 1".to_string())?;
    let f: Vec<&str> = content.split('\t').collect();
    if f.len() != 5 {
        return Err(format!("expected 6 tab-separated fields, found {}", f.len() + 1));
    }
    if check != line_check(key, content) {
        return Err(format!(
            "checksum `{check}` does not match the line's content: the line was edited or damaged, \
             or comes from another sweep's journal"
        ));
    }
    let int = |i: usize, what: &str| -> Result<u64, String> {
        f[i].parse::<u64>()
            .map_err(|_| format!("field {}: `{}` is not a {what}", i + 1, f[i]))
    };
    let p = usize::try_from(int(0, "point")?).map_err(|e| e.to_string())?;
    let s = usize::try_from(int(1, "scenario index")?).map_err(|e| e.to_string())?;
    let r = u32::try_from(int(2, "replication")?).map_err(|e| format!("field 3: {e}"))?;
    let pm = int(3, "count of person-months")?;
    let vals: Vec<f64> = f[4]
        .split(',')
        .map(|x| x.parse::<f64>().map_err(|_| format!("field 5: `{x}` is not a number")))
        .collect::<Result<_, _>>()?;
    let n = vals.len();
    let values: Values = vals
        .try_into()
        .map_err(|_| format!("field 5: expected {N_METRICS} values, found {n}"))?;
    Ok(((p, s, r), (values, pm)))
}

/// Reads a journal's text: its items in line order. `allowed` says why an
/// item is not part of the sweep (or shard), if it is not. Errors carry the
/// 1-based line number. A last line without its newline is ignored.
pub fn read(
    text: &[u8],
    key: &str,
    allowed: impl Fn(SweepItem) -> Result<(), String>,
) -> Result<Vec<(SweepItem, ItemResult)>, (usize, String)> {
    let complete = match text.iter().rposition(|&b| b == b'\n') {
        Some(i) => &text[..i],
        None => return Ok(Vec::new()),
    };
    let mut out = Vec::new();
    let mut seen: HashMap<SweepItem, usize> = HashMap::new();
    for (i, raw) in complete.split(|&b| b == b'\n').enumerate() {
        let n = i + 1;
        let l = std::str::from_utf8(raw).map_err(|_| (n, "not UTF-8 text: the file is damaged".to_string()))?;
        if n == 1 {
            if l != HEADER {
                return Err((1, format!("expected `{HEADER}`: not a sweep journal")));
            }
            continue;
        }
        let (item, result) = parse_line(key, l).map_err(|e| (n, e))?;
        allowed(item).map_err(|e| (n, e))?;
        if let Some(first) = seen.insert(item, n) {
            let (p, s, r) = item;
            return Err((
                n,
                format!("point {p}, scenario {s}, replication {r} is already on line {first} (a duplicated line)"),
            ));
        }
        out.push((item, result));
    }
    Ok(out)
}

/// The identity of the sweep in `dir`; `None` when there is none.
pub fn read_identity(dir: &Path) -> Result<Option<SweepIdentity>, FileError> {
    let p = identity_path(dir);
    let text = match std::fs::read_to_string(&p) {
        Ok(t) => t,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(io_err(&p)(e)),
    };
    serde_json::from_str(&text)
        .map(Some)
        .map_err(|e| InputError::new(&p, format!("not a sweep identity: {e}")).into())
}

/// The items in the journal of the sweep `identity` in `dir` (none when
/// there is no journal), checked line by line as `read` does.
pub fn read_journal(
    dir: &Path,
    identity: &SweepIdentity,
    allowed: impl Fn(SweepItem) -> Result<(), String>,
) -> Result<Vec<(SweepItem, ItemResult)>, FileError> {
    let p = journal_path(dir);
    let bytes = match std::fs::read(&p) {
        Ok(b) => b,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(io_err(&p)(e)),
    };
    read(&bytes, &identity.key(), allowed).map_err(|(line, m)| InputError::new(&p, m).at(line, 1).into())
}

/// The open journal of a running sweep.
pub struct SweepJournal {
    file: File,
    key: String,
    path: PathBuf,
    /// Set by a failed write: nothing more is appended, so a line cut by a
    /// full disk is never followed by another (it stays the unterminated
    /// last line, which a resume ignores).
    broken: bool,
}

impl SweepJournal {
    /// Starts the journal of sweep `identity` in `dir`: rewrites it with the
    /// items kept (so a half-written last line is dropped), then writes the
    /// identity, and opens the journal to grow as items finish. Errors name
    /// the file.
    pub fn open(dir: &Path, identity: &SweepIdentity, kept: &[(SweepItem, &ItemResult)]) -> Result<Self, FileError> {
        let work = work_dir(dir);
        std::fs::create_dir_all(&work).map_err(io_err(&work))?;
        let key = identity.key();
        let path = journal_path(dir);
        write_atomic(&work, JOURNAL, |w| {
            writeln!(w, "{HEADER}")?;
            for &(item, r) in kept {
                w.write_all(line(&key, item, r).as_bytes())?;
            }
            Ok(())
        })
        .map_err(io_err(&path))?;
        write_json(&work, IDENTITY, identity).map_err(io_err(&identity_path(dir)))?;
        let file = std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .map_err(io_err(&path))?;
        Ok(SweepJournal {
            file,
            key,
            path,
            broken: false,
        })
    }

    /// Appends a finished item (written straight to the file, unbuffered).
    pub fn append(&mut self, item: SweepItem, r: &ItemResult) -> io::Result<()> {
        if self.broken {
            return Err(io::Error::other("an earlier write to the journal failed"));
        }
        let result = self.file.write_all(line(&self.key, item, r).as_bytes());
        if result.is_err() {
            self.broken = true;
        }
        result
    }

    /// The journal's path (for messages).
    pub fn path(&self) -> &Path {
        &self.path
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn identity() -> SweepIdentity {
        SweepIdentity {
            tool: "shequ".into(),
            version: "0.1.0".into(),
            experiment_sha256: "ab".into(),
            scenarios: vec![IdentityScenario {
                name: "a".into(),
                sha256: vec!["cd".into()],
            }],
            parameters_sha256: "-".into(),
            replications: 3,
            seed: 1,
            shard: None,
            points: 2,
            items: 6,
        }
    }

    fn result(x: f64) -> ItemResult {
        let mut v = [x; N_METRICS];
        v[1] = f64::NAN;
        v[2] = 0.1 + 0.2;
        (v, 42)
    }

    fn any(_: SweepItem) -> Result<(), String> {
        Ok(())
    }

    #[test]
    fn lines_round_trip_to_the_bit_and_a_cut_last_line_is_ignored() {
        let key = identity().key();
        let mut text = format!("{HEADER}\n{}", line(&key, (1, 0, 2), &result(-1e-300)));
        let next = line(&key, (0, 0, 0), &result(3.0));
        text.push_str(&next[..next.len() / 2]);
        let back = read(text.as_bytes(), &key, any).unwrap();
        assert_eq!(back.len(), 1);
        let ((item, (v, pm)), (w, _)) = (back[0], result(-1e-300));
        assert_eq!((item, pm), ((1, 0, 2), 42));
        let bits = |x: &Values| x.iter().map(|f| f.to_bits()).collect::<Vec<_>>();
        assert_eq!(bits(&v), bits(&w));
    }

    #[test]
    fn damaged_duplicated_foreign_and_stray_lines_are_located() {
        let id = identity();
        let key = id.key();
        let good = line(&key, (0, 0, 1), &result(0.5));
        let err = |text: String| {
            read(text.as_bytes(), &key, |(p, _, _)| {
                if p < 2 {
                    Ok(())
                } else {
                    Err(format!("point {p} is not part of this sweep"))
                }
            })
            .unwrap_err()
        };
        // An edited digit.
        let edited = good.replacen("0.5", "0.6", 1);
        let e = err(format!("{HEADER}\n{good}{edited}"));
        assert!(e.0 == 3 && e.1.contains("checksum"), "{e:?}");
        // A line cut in the middle, with another line after it.
        let e = err(format!("{HEADER}\n{}{good}", &good[..10]));
        assert_eq!(e.0, 2, "{e:?}");
        // A duplicated line.
        let e = err(format!("{HEADER}\n{good}{good}"));
        assert!(e.0 == 3 && e.1.contains("already on line 2"), "{e:?}");
        // A line of another sweep's journal.
        let mut other = id.clone();
        other.seed = 2;
        let e = err(format!("{HEADER}\n{}", line(&other.key(), (0, 0, 1), &result(0.5))));
        assert!(e.0 == 2 && e.1.contains("another sweep"), "{e:?}");
        // An item outside the sweep, with a good checksum.
        let e = err(format!("{HEADER}\n{}", line(&key, (5, 0, 1), &result(0.5))));
        assert!(e.0 == 2 && e.1.contains("not part"), "{e:?}");
        // Not a journal at all.
        assert_eq!(err("x\n".into()).0, 1);
        let mut bytes = format!("{HEADER}\n").into_bytes();
        bytes.extend([0xff, 0xfe, b'\n']);
        let e = read(&bytes, &key, any).unwrap_err();
        assert!(e.0 == 2 && e.1.contains("UTF-8"), "{e:?}");
    }

    #[test]
    fn the_first_differing_field_is_named() {
        let a = identity();
        let mut b = a.clone();
        assert_eq!(identity_mismatch(&a, &b), None);
        b.replications = 4;
        b.seed = 9;
        assert_eq!(identity_mismatch(&a, &b).unwrap(), "it used --reps 3, not 4");
        b = a.clone();
        b.experiment_sha256 = "ff".into();
        assert!(identity_mismatch(&a, &b)
            .unwrap()
            .contains("experiment file has changed"));
        b = a.clone();
        b.shard = Some("1/2".into());
        assert_eq!(identity_mismatch(&a, &b).unwrap(), "it ran no --shard, not --shard 1/2");
    }
}
