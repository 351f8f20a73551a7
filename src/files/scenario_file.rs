//! Reading scenario files: TOML with `extends` (deep merge, conflict
//! detection), located errors, range checks and the SHA-256 of every source;
//! the jurisdictions come from the data file (`jurisdictions_file.rs`) or the
//! generator. This is the model's input edge; the model itself never touches
//! the file system.

use crate::files::error::{line_col, InputError, InputWarning};
use crate::files::jurisdictions_file::parse_jurisdictions;
use crate::model::params::Params;
use crate::model::scenario::{Scenario, Source};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// A scenario file as written: its own keys, before merging with parents.
struct FileDoc {
    path: PathBuf,
    text: String,
    table: toml::Table,
    parents: Vec<PathBuf>,
}

const META_KEYS: [&str; 3] = ["extends", "name", "description"];

pub fn hash_hex(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

fn read(path: &Path) -> Result<String, InputError> {
    std::fs::read_to_string(path).map_err(|e| InputError::new(path, format!("cannot read file: {e}")))
}

/// Dotted key path (`section.key`) at a byte offset, from the nearest table
/// header above it and the key on its line.
fn key_at(text: &str, offset: usize) -> Option<String> {
    let (line_no, _) = line_col(text, offset);
    let mut header = String::new();
    let mut key = None;
    for (i, line) in text.lines().enumerate() {
        if i + 1 > line_no {
            break;
        }
        let t = line.trim();
        if t.starts_with('[') {
            header = t.trim_matches(|c| c == '[' || c == ']').trim().to_string();
            key = None;
        } else if let Some((k, _)) = t.split_once('=') {
            if i + 1 == line_no {
                key = Some(k.trim().to_string());
            }
        }
    }
    match (header.is_empty(), key) {
        (_, None) if header.is_empty() => None,
        (_, None) => Some(header),
        (true, Some(k)) => Some(k),
        (false, Some(k)) => Some(format!("{header}.{k}")),
    }
}

/// Line and column where `path` (dotted) is set in a TOML text.
pub fn locate_key(text: &str, path: &str) -> Option<(usize, usize)> {
    let mut header = String::new();
    for (i, line) in text.lines().enumerate() {
        let t = line.trim_start();
        if t.starts_with('[') {
            header = t.trim().trim_matches(|c| c == '[' || c == ']').trim().to_string();
            continue;
        }
        if let Some((k, _)) = t.split_once('=') {
            let k = k.trim();
            let full = if header.is_empty() {
                k.to_string()
            } else {
                format!("{header}.{k}")
            };
            if full == path {
                return Some((i + 1, line.len() - t.len() + 1));
            }
        }
    }
    None
}

/// Edit distance (insertions, deletions, substitutions) between two keys.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diag = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let next = (row[j + 1] + 1).min(row[j] + 1).min(diag + usize::from(ca != *cb));
            diag = row[j + 1];
            row[j + 1] = next;
        }
    }
    row[b.len()]
}

/// The valid key closest to a misspelt one, when one is close enough: a
/// few edits away, or the misspelt key cut short or run on.
pub fn did_you_mean<'a>(wrong: &str, valid: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let limit = (wrong.chars().count() / 3).max(2);
    valid
        .into_iter()
        .map(|v| (edit_distance(wrong, v), v))
        .filter(|(d, v)| *d <= limit || (wrong.len() >= 4 && (v.starts_with(wrong) || wrong.starts_with(*v))))
        .min_by_key(|(d, _)| *d)
        .map(|(_, v)| v)
}

/// serde's wording made plain: a suggestion for an unknown key, and types
/// in words with an example instead of Rust's names.
fn friendly(msg: &str) -> String {
    if let Some(rest) = msg.strip_prefix("unknown field `") {
        if let Some((wrong, expected)) = rest.split_once('`') {
            let valid: Vec<&str> = expected.split('`').skip(1).step_by(2).collect();
            if let Some(best) = did_you_mean(wrong, valid.iter().copied()) {
                return format!("unknown field `{wrong}`: did you mean `{best}`?");
            }
        }
        return msg.to_string();
    }
    let mut out = msg.to_string();
    for (rust, words) in [
        ("expected f64", "expected a number (e.g. 0.5)"),
        ("expected f32", "expected a number (e.g. 0.5)"),
        ("expected u32", "expected a whole number (e.g. 12)"),
        ("expected u64", "expected a whole number (e.g. 12)"),
        ("expected usize", "expected a whole number (e.g. 12)"),
        ("expected a boolean", "expected true or false"),
        ("expected a sequence", "expected a list (e.g. [0.1, 0.2])"),
        ("floating point `", "number `"),
    ] {
        out = out.replace(rust, words);
    }
    out
}

/// A TOML syntax or type error located at its line, column and key.
pub fn toml_error(path: &Path, text: &str, err: &toml::de::Error) -> InputError {
    let mut e = InputError::new(path, friendly(err.message().trim()));
    if let Some(span) = err.span() {
        let (line, col) = line_col(text, span.start);
        e = e.at(line, col);
        if let Some(k) = key_at(text, span.start) {
            e = e.key(k);
        }
    }
    e
}

/// Parses one file, type-checks its keys against the schema (so unknown keys
/// and wrong types are reported where they are written), and lists its parents.
fn parse_file(path: &Path) -> Result<FileDoc, InputError> {
    let text = read(path)?;
    let table: toml::Table = toml::from_str(&text).map_err(|e| toml_error(path, &text, &e))?;
    let mut own = table.clone();
    for k in META_KEYS {
        own.remove(k);
    }
    // Type-check this file's own keys against the schema, with spans.
    let stripped = strip_meta_lines(&text);
    if let Err(e) = toml::from_str::<Params>(&stripped) {
        return Err(with_range(toml_error(path, &text, &e)));
    }
    let dir = path.parent().unwrap_or(Path::new("."));
    let parents = match table.get("extends") {
        None => Vec::new(),
        Some(toml::Value::String(s)) => vec![dir.join(s)],
        Some(toml::Value::Array(items)) => {
            let mut v = Vec::new();
            for item in items {
                match item {
                    toml::Value::String(s) => v.push(dir.join(s)),
                    _ => {
                        return Err(meta_error(
                            path,
                            &text,
                            "extends",
                            "expected a path string or a list of path strings",
                        ))
                    }
                }
            }
            v
        }
        Some(_) => {
            return Err(meta_error(
                path,
                &text,
                "extends",
                "expected a path string or a list of path strings",
            ))
        }
    };
    for k in ["name", "description"] {
        if let Some(v) = table.get(k) {
            if !v.is_str() {
                return Err(meta_error(path, &text, k, "expected a string"));
            }
        }
    }
    // A data-file path is relative to the file that names it.
    if let Some(toml::Value::Table(world)) = own.get_mut("world") {
        if let Some(toml::Value::String(f)) = world.get_mut("jurisdictions_file") {
            *f = dir.join(&*f).to_string_lossy().into_owned();
        }
    }
    Ok(FileDoc {
        path: path.to_path_buf(),
        text,
        table: own,
        parents,
    })
}

/// A type error of a schema key also names the key's valid range and unit.
fn with_range(mut e: InputError) -> InputError {
    if !e.message.starts_with("invalid type") {
        return e;
    }
    let info = Params::default().describe();
    if let Some(i) = e.key.as_deref().and_then(|k| info.iter().find(|i| i.path == k)) {
        if (i.min != 0.0 || i.max != 0.0) && i.unit != "flag" {
            let plain = e.message.replace(" (e.g. 12)", "").replace(" (e.g. 0.5)", "");
            e.message = format!("{plain} in [{}, {}] ({})", i.min, i.max, i.unit);
        }
    }
    e
}

fn meta_error(path: &Path, text: &str, key: &str, msg: &str) -> InputError {
    let mut e = InputError::new(path, msg).key(key);
    if let Some((l, c)) = locate_key(text, key) {
        e = e.at(l, c);
    }
    e
}

/// Blanks out top-level meta keys so the rest can be checked against the
/// schema while keeping every byte offset (and so every line) in place.
fn strip_meta_lines(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut in_top = true;
    let mut in_meta_array = false;
    for line in text.split_inclusive('\n') {
        let t = line.trim_start();
        if t.starts_with('[') && !in_meta_array {
            in_top = false;
        }
        let is_meta = in_top
            && META_KEYS
                .iter()
                .any(|k| t.strip_prefix(k).is_some_and(|rest| rest.trim_start().starts_with('=')));
        if is_meta || in_meta_array {
            let opens = line.matches('[').count();
            let closes = line.matches(']').count();
            if is_meta && opens > closes {
                in_meta_array = true;
            } else if in_meta_array && closes > opens {
                in_meta_array = false;
            }
            out.extend(line.chars().map(|c| if c == '\n' { '\n' } else { ' ' }));
        } else {
            out.push_str(line);
        }
    }
    out
}

/// Leaf keys set in a table, as dotted paths with their values.
fn leaves(table: &toml::Table, prefix: &str, out: &mut BTreeMap<String, toml::Value>) {
    for (k, v) in table {
        let path = if prefix.is_empty() {
            k.clone()
        } else {
            format!("{prefix}.{k}")
        };
        match v {
            toml::Value::Table(t) => leaves(t, &path, out),
            other => {
                out.insert(path, other.clone());
            }
        }
    }
}

/// Deep merge: `over`'s leaves replace `base`'s.
fn overlay(base: &mut toml::Table, over: &toml::Table) {
    for (k, v) in over {
        match (base.get_mut(k), v) {
            (Some(toml::Value::Table(b)), toml::Value::Table(o)) => overlay(b, o),
            _ => {
                base.insert(k.clone(), v.clone());
            }
        }
    }
}

/// Resolved keys of one file and everything it extends, plus the files used
/// (the file itself first) and the file that set each key last.
struct Resolved {
    table: toml::Table,
    docs: Vec<FileDoc>,
    origin: BTreeMap<String, usize>,
}

fn resolve(path: &Path, stack: &mut Vec<PathBuf>) -> Result<Resolved, InputError> {
    let canon = std::fs::canonicalize(path).map_err(|e| {
        let from = stack.last().cloned().unwrap_or_else(|| path.to_path_buf());
        InputError::new(&from, format!("cannot open `{}`: {e}", path.display())).key("extends")
    })?;
    if let Some(pos) = stack.iter().position(|p| *p == canon) {
        let chain: Vec<String> = stack[pos..]
            .iter()
            .chain(std::iter::once(&canon))
            .map(|p| p.display().to_string())
            .collect();
        let from = stack.last().cloned().unwrap_or_else(|| canon.clone());
        return Err(InputError::new(&from, format!("`extends` forms a cycle: {}", chain.join(" → "))).key("extends"));
    }
    let doc = parse_file(&canon)?;
    stack.push(canon.clone());
    let mut table = toml::Table::new();
    let mut docs: Vec<FileDoc> = Vec::new();
    let mut origin: BTreeMap<String, usize> = BTreeMap::new();
    // Parents are applied in order; two parents that set one key to different
    // values conflict unless this file settles it.
    let mut own_leaves = BTreeMap::new();
    leaves(&doc.table, "", &mut own_leaves);
    let mut set_by: BTreeMap<String, (toml::Value, PathBuf)> = BTreeMap::new();
    for parent in &doc.parents {
        let r = resolve(parent, stack).map_err(|e| {
            if e.key.as_deref() == Some("extends") && e.file == canon && e.line.is_none() {
                let mut e = e;
                if let Some((l, c)) = locate_key(&doc.text, "extends") {
                    e = e.at(l, c);
                }
                e
            } else {
                e
            }
        })?;
        let mut pl = BTreeMap::new();
        leaves(&r.table, "", &mut pl);
        for (k, v) in &pl {
            if let Some((prev, prev_file)) = set_by.get(k) {
                if prev != v && !own_leaves.contains_key(k) {
                    let mut e = InputError::new(
                        &canon,
                        format!(
                            "conflicting overrides: `{}` sets {} and `{}` sets {}; set the key in this file to choose",
                            prev_file.display(),
                            prev,
                            parent.display(),
                            v
                        ),
                    )
                    .key(k.clone());
                    if let Some((l, c)) = locate_key(&doc.text, "extends") {
                        e = e.at(l, c);
                    }
                    return Err(e);
                }
            }
            set_by.insert(k.clone(), (v.clone(), parent.clone()));
        }
        overlay(&mut table, &r.table);
        let offset = docs.len() + 1;
        for (k, idx) in r.origin {
            origin.insert(k, idx + offset);
        }
        docs.extend(r.docs);
    }
    stack.pop();
    overlay(&mut table, &doc.table);
    for k in own_leaves.keys() {
        origin.insert(k.clone(), 0);
    }
    docs.insert(0, doc);
    Ok(Resolved { table, docs, origin })
}

/// Reads, resolves and validates a scenario file (its warnings are
/// dropped: see `load_with_warnings`).
pub fn load(path: &Path) -> Result<Scenario, InputError> {
    load_with_warnings(path).map(|(s, _)| s)
}

/// Reads, resolves and validates a scenario file, with what in it loads but
/// is probably a mistake.
pub fn load_with_warnings(path: &Path) -> Result<(Scenario, Vec<InputWarning>), InputError> {
    let mut stack = Vec::new();
    let resolved = resolve(path, &mut stack)?;
    let top = &resolved.docs[0];
    let params: Params = toml::Value::Table(resolved.table.clone())
        .try_into()
        .map_err(|e: toml::de::Error| InputError::new(&top.path, e.message().to_string()))?;
    validate(&params, &resolved)?;
    let warnings = lever_warnings(&params, &resolved);
    let name = meta_string(&resolved, "name").unwrap_or_else(|| {
        path.file_stem()
            .map_or_else(|| "scenario".into(), |s| s.to_string_lossy().into_owned())
    });
    let description = meta_string(&resolved, "description").unwrap_or_default();
    let mut sources: Vec<Source> = resolved
        .docs
        .iter()
        .map(|d| Source {
            path: d.path.clone(),
            sha256: hash_hex(d.text.as_bytes()),
        })
        .collect();
    let jurisdictions = if params.generator.street_offices > 0 {
        crate::model::generator::jurisdictions(&params.generator)
    } else {
        let data_path = PathBuf::from(&params.world.jurisdictions_file);
        let data_path = if data_path.is_absolute() {
            data_path
        } else {
            top.path.parent().unwrap_or(Path::new(".")).join(data_path)
        };
        let data_text = std::fs::read_to_string(&data_path)
            .map_err(|e| data_file_error(&resolved, &params.world.jurisdictions_file, &data_path, &e))?;
        let jurisdictions = parse_jurisdictions(&data_path, &data_text)?;
        sources.push(Source {
            path: data_path,
            sha256: hash_hex(data_text.as_bytes()),
        });
        jurisdictions
    };
    let scenario = Scenario {
        name,
        description,
        path: path.to_path_buf(),
        params,
        jurisdictions,
        sources,
    };
    Ok((scenario, warnings))
}

/// A `[reforms.X]` block whose keys are set (in this file or a parent) while
/// no file sets `enabled`: the lever stays off and the settings do nothing.
fn lever_warnings(params: &Params, r: &Resolved) -> Vec<InputWarning> {
    let info = params.describe();
    let mut out = Vec::new();
    for lever in info.iter().filter_map(|i| {
        let name = i.path.strip_prefix("reforms.")?.strip_suffix(".enabled")?;
        (i.value == "false").then_some(name)
    }) {
        let prefix = format!("reforms.{lever}.");
        if r.origin.contains_key(&format!("{prefix}enabled")) {
            continue; // `enabled = false` written out: meant
        }
        let set: Vec<&str> = info
            .iter()
            .filter_map(|i| i.path.strip_prefix(&prefix))
            .filter(|k| r.origin.contains_key(&format!("{prefix}{k}")))
            .collect();
        let Some(first) = set.first() else { continue };
        let key = format!("{prefix}{first}");
        let doc = &r.docs[r.origin[&key].min(r.docs.len() - 1)];
        out.push(InputWarning {
            file: doc.path.clone(),
            line: locate_key(&doc.text, &key).map(|(l, _)| l),
            key: format!("reforms.{lever}"),
            message: format!(
                "reforms.{lever} sets {} but is not enabled: add enabled = true or remove the block",
                set.join(", ")
            ),
        });
    }
    out
}

/// The data file named by `world.jurisdictions_file` cannot be read: say
/// where the value came from (a file and line, or the schema default), the
/// path it resolved to, and how to fix it.
fn data_file_error(r: &Resolved, value: &str, resolved_path: &Path, e: &std::io::Error) -> InputError {
    const KEY: &str = "world.jurisdictions_file";
    let fix_default = "set world.jurisdictions_file in this file (a path relative to it), or extend the \
                       shipped baseline (extends = \"<path to>/scenarios/baseline.toml\"), which names its data file";
    match r.origin.get(KEY).and_then(|&i| r.docs.get(i)) {
        Some(doc) => {
            let mut err = InputError::new(
                &doc.path,
                format!(
                    "cannot read the jurisdictions file {} ({e}); the path is relative to the folder of {}: fix it there, \
                     or remove the key to use the schema default",
                    resolved_path.display(),
                    doc.path.display()
                ),
            )
            .key(KEY);
            if let Some((l, c)) = locate_key(&doc.text, KEY) {
                err = err.at(l, c);
            }
            err
        }
        None => InputError::new(
            &r.docs[0].path,
            format!(
                "cannot read the jurisdictions file {} ({e}): no file sets world.jurisdictions_file, so it \
                 has the schema default `{value}`, taken relative to this scenario file; {fix_default}",
                resolved_path.display()
            ),
        )
        .key(KEY),
    }
}

/// `name` and `description` belong to the file itself, never inherited.
fn meta_string(r: &Resolved, key: &str) -> Option<String> {
    let text = &r.docs[0].text;
    let table: toml::Table = toml::from_str(text).ok()?;
    table.get(key).and_then(|v| v.as_str()).map(str::to_string)
}

fn validate(params: &Params, r: &Resolved) -> Result<(), InputError> {
    let locate = |key: &str, msg: String| {
        let idx = r.origin.get(key).copied().unwrap_or(0);
        let doc = &r.docs[idx.min(r.docs.len() - 1)];
        let mut e = InputError::new(&doc.path, msg).key(key);
        if let Some((l, c)) = locate_key(&doc.text, key) {
            e = e.at(l, c);
        }
        e
    };
    for info in params.describe() {
        if !info.valid {
            return Err(locate(
                &info.path,
                format!(
                    "value {} is out of range: expected a finite number in [{}, {}] ({})",
                    info.value, info.min, info.max, info.unit
                ),
            ));
        }
    }
    if let Some((key, msg)) = params.cross_checks().into_iter().next() {
        return Err(locate(&key, msg));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn misspelt_keys_get_the_nearest_valid_one() {
        let valid = ["stipend_yuan_month", "insurance_yuan_month", "pay_elasticity"];
        assert_eq!(did_you_mean("stipend_yuan", valid), Some("stipend_yuan_month"));
        assert_eq!(did_you_mean("pay_elastisity", valid), Some("pay_elasticity"));
        assert_eq!(did_you_mean("something_else", valid), None);
        let m = friendly("unknown field `stipnd_yuan_month`, expected one of `stipend_yuan_month`, `pay_elasticity`");
        assert_eq!(
            m,
            "unknown field `stipnd_yuan_month`: did you mean `stipend_yuan_month`?"
        );
    }

    #[test]
    fn type_errors_are_in_words() {
        let m = friendly("invalid type: string \"six\", expected f64");
        assert_eq!(m, "invalid type: string \"six\", expected a number (e.g. 0.5)");
        let m = friendly("invalid type: floating point `1.5`, expected u32");
        assert_eq!(m, "invalid type: number `1.5`, expected a whole number (e.g. 12)");
    }
}
