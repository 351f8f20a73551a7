//! The source layout, checked. Every `src/**/*.rs` file is read for the paths
//! it uses: `use crate::…` and `crate::a::b` anywhere in code, `super::…`,
//! `self::…`, paths through its own child modules (`use world::X` in a
//! `mod.rs`), and `shequ::…` in `main.rs`. Comments and string literals are
//! left out, and `mod x;` declarations are not uses. Each path is resolved to
//! the file that defines the module it names, which gives a graph of files.
//! The test fails on
//!
//! (a) any cycle between files, naming the files of the cycle and where each
//!     one uses the next;
//! (b) any use between folders against the layering
//!     `main.rs → cli → files → experiment → study → model`: a folder may use
//!     the folders after it (cli the four others, files experiment, study and
//!     model, experiment study and model, study model), model none, and
//!     `main.rs` only cli. `lib.rs` is the module list and uses nothing.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// The folders in layer order: each may use only the ones after it.
const LAYERS: [&str; 5] = ["cli", "files", "experiment", "study", "model"];

/// Where a file uses another: line and the path as written.
#[derive(Debug, Clone)]
struct Use {
    line: usize,
    path: String,
}

/// `graph[file][used file]`: where `file` uses `used file`.
type Graph = BTreeMap<String, BTreeMap<String, Vec<Use>>>;

/// A file under src/: its path relative to src/ and its module path.
struct Source {
    file: String,
    module: Vec<String>,
    text: String,
}

fn module_of(file: &str) -> Vec<String> {
    let mut parts: Vec<String> = file.trim_end_matches(".rs").split('/').map(str::to_string).collect();
    match parts.last().map(String::as_str) {
        Some("lib") | Some("main") if parts.len() == 1 => Vec::new(),
        Some("mod") => {
            parts.pop();
            parts
        }
        _ => parts,
    }
}

fn folder_of(file: &str) -> &str {
    match file.split_once('/') {
        Some((folder, _)) => folder,
        None => file.trim_end_matches(".rs"),
    }
}

fn is_ident(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// The code of a file with comments and the contents of string and char
/// literals blanked out (newlines kept, so line numbers stay).
fn strip(src: &str) -> String {
    let s: Vec<char> = src.chars().collect();
    let mut out = String::with_capacity(src.len());
    let blank = |out: &mut String, c: char| out.push(if c == '\n' { '\n' } else { ' ' });
    let mut i = 0;
    while i < s.len() {
        let c = s[i];
        let prev_ident = i > 0 && is_ident(s[i - 1]);
        if c == '/' && s.get(i + 1) == Some(&'/') {
            while i < s.len() && s[i] != '\n' {
                blank(&mut out, s[i]);
                i += 1;
            }
        } else if c == '/' && s.get(i + 1) == Some(&'*') {
            let mut depth = 0;
            while i < s.len() {
                if s[i] == '/' && s.get(i + 1) == Some(&'*') {
                    depth += 1;
                    out.push_str("  ");
                    i += 2;
                } else if s[i] == '*' && s.get(i + 1) == Some(&'/') {
                    depth -= 1;
                    out.push_str("  ");
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    blank(&mut out, s[i]);
                    i += 1;
                }
            }
        } else if !prev_ident && (c == 'r' || (c == 'b' && s.get(i + 1) == Some(&'r'))) && {
            // A raw string: r"…", r#"…"#, br"…".
            let mut j = i + if c == 'b' { 2 } else { 1 };
            while s.get(j) == Some(&'#') {
                j += 1;
            }
            s.get(j) == Some(&'"')
        } {
            let start = i;
            i += if c == 'b' { 2 } else { 1 };
            let mut hashes = 0;
            while s[i] == '#' {
                hashes += 1;
                i += 1;
            }
            i += 1; // the opening quote
            while i < s.len() {
                if s[i] == '"' && (0..hashes).all(|k| s.get(i + 1 + k) == Some(&'#')) {
                    i += 1 + hashes;
                    break;
                }
                i += 1;
            }
            for &ch in &s[start..i.min(s.len())] {
                blank(&mut out, ch);
            }
        } else if c == '"' {
            blank(&mut out, c);
            i += 1;
            while i < s.len() && s[i] != '"' {
                if s[i] == '\\' {
                    blank(&mut out, s[i]);
                    i += 1;
                }
                if i < s.len() {
                    blank(&mut out, s[i]);
                    i += 1;
                }
            }
            if i < s.len() {
                blank(&mut out, s[i]);
                i += 1;
            }
        } else if c == '\'' && (!prev_ident || (s[i - 1] == 'b' && (i < 2 || !is_ident(s[i - 2])))) {
            // A char literal ('x', '\n', '\u{..}', b'x') or a lifetime ('a).
            let end = if s.get(i + 1) == Some(&'\\') {
                (i + 3..s.len()).find(|&k| s[k] == '\'')
            } else if s.get(i + 2) == Some(&'\'') {
                Some(i + 2)
            } else {
                None
            };
            match end {
                Some(e) => {
                    for &ch in &s[i..=e] {
                        blank(&mut out, ch);
                    }
                    i = e + 1;
                }
                None => {
                    out.push(c);
                    i += 1;
                }
            }
        } else {
            out.push(c);
            i += 1;
        }
    }
    out
}

/// Inline modules (`mod tests { … }`): their name and the char range of their body.
fn inline_modules(s: &[char]) -> Vec<(String, usize, usize)> {
    let mut out = Vec::new();
    let mut i = 0;
    while i + 3 < s.len() {
        let at_word = (i == 0 || !is_ident(s[i - 1])) && s[i..i + 3] == ['m', 'o', 'd'] && !is_ident(s[i + 3]);
        if at_word {
            let mut j = i + 3;
            while j < s.len() && s[j].is_whitespace() {
                j += 1;
            }
            let name_start = j;
            while j < s.len() && is_ident(s[j]) {
                j += 1;
            }
            let name: String = s[name_start..j].iter().collect();
            while j < s.len() && s[j].is_whitespace() {
                j += 1;
            }
            if !name.is_empty() && s.get(j) == Some(&'{') {
                let mut depth = 0;
                let mut k = j;
                while k < s.len() {
                    match s[k] {
                        '{' => depth += 1,
                        '}' => {
                            depth -= 1;
                            if depth == 0 {
                                break;
                            }
                        }
                        _ => {}
                    }
                    k += 1;
                }
                out.push((name, j, k));
            }
        }
        i += 1;
    }
    out
}

fn skip_ws(s: &[char], i: &mut usize) {
    while *i < s.len() && s[*i].is_whitespace() {
        *i += 1;
    }
}

/// A path of a use tree, and the name it is imported as when renamed.
type TreePath = (Vec<String>, Option<String>);

/// The full paths of a use tree or a path in code starting at `i`:
/// `a::b::{c, d::{e, self}, f::*, g as h}` gives a::b::c, a::b::d::e,
/// a::b::d, a::b::f and a::b::g (as h).
fn tree(s: &[char], i: &mut usize, prefix: Vec<String>) -> Vec<TreePath> {
    skip_ws(s, i);
    if *i < s.len() && s[*i] == '{' {
        *i += 1;
        let mut out = Vec::new();
        loop {
            skip_ws(s, i);
            if *i >= s.len() || s[*i] == '}' {
                *i += 1;
                break;
            }
            out.extend(tree(s, i, prefix.clone()));
            skip_ws(s, i);
            // Past the `,` (or whatever else ends the element).
            if *i < s.len() && s[*i] != '}' {
                *i += 1;
            }
        }
        return out;
    }
    if *i < s.len() && s[*i] == '*' {
        *i += 1;
        return vec![(prefix, None)];
    }
    let start = *i;
    while *i < s.len() && is_ident(s[*i]) {
        *i += 1;
    }
    let ident: String = s[start..*i].iter().collect();
    if ident.is_empty() {
        return vec![(prefix, None)];
    }
    let mut path = prefix;
    if ident != "self" || path.is_empty() {
        path.push(ident);
    }
    let mut j = *i;
    skip_ws(s, &mut j);
    if s.get(j) == Some(&':') && s.get(j + 1) == Some(&':') {
        *i = j + 2;
        return tree(s, i, path);
    }
    // `x as y`
    if s.get(j..j + 2) == Some(&['a', 's']) && s.get(j + 2).is_some_and(|c| c.is_whitespace()) {
        let mut k = j + 2;
        skip_ws(s, &mut k);
        let start = k;
        while k < s.len() && is_ident(s[k]) {
            k += 1;
        }
        *i = k;
        return vec![(path, Some(s[start..k].iter().collect()))];
    }
    vec![(path, None)]
}

/// Whether the word before `i` is `use`.
fn after_use(s: &[char], i: usize) -> bool {
    let mut k = i;
    while k > 0 && s[k - 1].is_whitespace() {
        k -= 1;
    }
    k >= 3 && s[k - 3..k] == ['u', 's', 'e'] && (k == 3 || !is_ident(s[k - 4]))
}

/// Every file's uses of other files: `graph[file][used file]`.
fn dependency_graph(sources: &[Source]) -> Result<Graph, Vec<String>> {
    let modules: BTreeMap<Vec<String>, String> = sources
        .iter()
        .filter(|s| s.file != "main.rs")
        .map(|s| (s.module.clone(), s.file.clone()))
        .collect();
    let mut graph: Graph = BTreeMap::new();
    let mut unresolved = Vec::new();
    for src in sources {
        graph.entry(src.file.clone()).or_default();
        let is_main = src.file == "main.rs";
        let code: Vec<char> = strip(&src.text).chars().collect();
        let inline = inline_modules(&code);
        let line_at = |p: usize| code[..p].iter().filter(|&&c| c == '\n').count() + 1;
        // Modules imported by name (`use crate::model::rng;`, `{self}`, `as`).
        let mut aliases: BTreeMap<String, Vec<String>> = BTreeMap::new();
        let mut i = 0;
        while i < code.len() {
            let path_start =
                is_ident(code[i]) && (i == 0 || !(is_ident(code[i - 1]) || code[i - 1] == ':' || code[i - 1] == '.'));
            if !path_start {
                i += 1;
                continue;
            }
            let mut j = i;
            while j < code.len() && is_ident(code[j]) {
                j += 1;
            }
            let first: String = code[i..j].iter().collect();
            let mut k = j;
            skip_ws(&code, &mut k);
            let followed = code.get(k) == Some(&':') && code.get(k + 1) == Some(&':');
            // The module this position is in: the file's, then inline modules.
            let mut here = src.module.clone();
            for (name, open, close) in &inline {
                if *open < i && i < *close {
                    here.push(name.clone());
                }
            }
            let child = !is_main && {
                let mut m = here.clone();
                m.push(first.clone());
                modules.contains_key(&m)
            };
            let root = match first.as_str() {
                "crate" if !is_main => Some(Vec::new()),
                "shequ" if is_main => Some(Vec::new()),
                "self" | "super" => Some(here.clone()),
                _ if child => Some(here.clone()),
                _ => aliases.get(&first).cloned(),
            };
            let Some(root) = root.filter(|_| followed) else {
                i = j;
                continue;
            };
            let line = line_at(i);
            let in_use = after_use(&code, i);
            let mut end = i;
            let paths = tree(&code, &mut end, Vec::new());
            for (p, alias) in paths {
                let written = p.join("::");
                let mut base = root.clone();
                let mut segs = p.into_iter().peekable();
                // Leading crate/shequ/self/super segments choose the base.
                match first.as_str() {
                    "crate" | "shequ" | "self" => {
                        segs.next();
                    }
                    _ if child => {}
                    "super" => {
                        while segs.peek().map(String::as_str) == Some("super") {
                            segs.next();
                            if base.pop().is_none() {
                                unresolved.push(format!("{}:{line}: `{written}` goes above the crate", src.file));
                            }
                        }
                    }
                    _ => {
                        // An imported module: the path goes on from it.
                        segs.next();
                    }
                }
                let mut full = base;
                full.extend(segs);
                if in_use && modules.contains_key(&full) {
                    if let Some(name) = alias.or_else(|| full.last().cloned()) {
                        aliases.insert(name, full.clone());
                    }
                }
                let target = (0..=full.len()).rev().find_map(|n| modules.get(&full[..n]));
                match target {
                    Some(t) if *t != src.file => graph
                        .entry(src.file.clone())
                        .or_default()
                        .entry(t.clone())
                        .or_default()
                        .push(Use { line, path: written }),
                    Some(_) => {}
                    None => unresolved.push(format!("{}:{line}: `{written}` names no file", src.file)),
                }
            }
            i = end.max(j);
        }
    }
    if unresolved.is_empty() {
        Ok(graph)
    } else {
        Err(unresolved)
    }
}

/// The cycles of the graph: one per strongly connected component of more
/// than one file, each as the files in order, closing on the first.
fn cycles(graph: &Graph) -> Vec<Vec<String>> {
    // Tarjan's strongly connected components.
    struct State<'a> {
        graph: &'a Graph,
        index: BTreeMap<&'a str, usize>,
        low: BTreeMap<&'a str, usize>,
        stack: Vec<&'a str>,
        on_stack: BTreeSet<&'a str>,
        components: Vec<Vec<&'a str>>,
    }
    fn visit<'a>(st: &mut State<'a>, v: &'a str) {
        let n = st.index.len();
        st.index.insert(v, n);
        st.low.insert(v, n);
        st.stack.push(v);
        st.on_stack.insert(v);
        let graph = st.graph;
        for w in graph.get(v).into_iter().flat_map(|m| m.keys()) {
            let w = w.as_str();
            if !st.index.contains_key(w) {
                visit(st, w);
                let lw = st.low[w];
                let lv = st.low.get_mut(v).unwrap();
                *lv = (*lv).min(lw);
            } else if st.on_stack.contains(w) {
                let iw = st.index[w];
                let lv = st.low.get_mut(v).unwrap();
                *lv = (*lv).min(iw);
            }
        }
        if st.low[v] == st.index[v] {
            let mut comp = Vec::new();
            while let Some(w) = st.stack.pop() {
                st.on_stack.remove(w);
                comp.push(w);
                if w == v {
                    break;
                }
            }
            st.components.push(comp);
        }
    }
    let mut st = State {
        graph,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on_stack: BTreeSet::new(),
        components: Vec::new(),
    };
    for v in graph.keys() {
        if !st.index.contains_key(v.as_str()) {
            visit(&mut st, v);
        }
    }
    let mut out = Vec::new();
    for comp in st.components.into_iter().filter(|c| c.len() > 1) {
        let inside: BTreeSet<&str> = comp.iter().copied().collect();
        let start = *inside.iter().next().unwrap();
        // Shortest way back to `start` within the component (breadth first).
        let mut prev: BTreeMap<&str, &str> = BTreeMap::new();
        let mut queue = std::collections::VecDeque::from([start]);
        let mut closing = None;
        while let Some(v) = queue.pop_front() {
            for w in graph[v].keys().map(String::as_str).filter(|w| inside.contains(w)) {
                if w == start {
                    closing = Some(v);
                    break;
                }
                if !prev.contains_key(w) {
                    prev.insert(w, v);
                    queue.push_back(w);
                }
            }
            if closing.is_some() {
                break;
            }
        }
        let mut path = vec![start.to_string()];
        let mut v = closing.unwrap();
        while v != start {
            path.push(v.to_string());
            v = prev[v];
        }
        path.push(start.to_string());
        let last = path.len() - 1;
        path[1..last].reverse();
        out.push(path);
    }
    out
}

/// Why the folder of `from` may not use the folder of `to`, if it may not.
fn forbidden(from: &str, to: &str) -> Option<String> {
    let (a, b) = (folder_of(from), folder_of(to));
    if a == b {
        return None;
    }
    let rank = |f: &str| LAYERS.iter().position(|l| *l == f);
    let allowed = match (a, rank(a), rank(b)) {
        ("main", _, _) => b == "cli",
        (_, Some(ra), Some(rb)) => rb > ra,
        _ => false,
    };
    (!allowed).then(|| {
        let may: Vec<&str> = match (a, rank(a)) {
            ("main", _) => vec!["cli"],
            (_, Some(ra)) => LAYERS[ra + 1..].to_vec(),
            _ => vec![],
        };
        let may = if may.is_empty() {
            "nothing".to_string()
        } else {
            may.join(", ")
        };
        format!("{a} may use only {may}, not {b}")
    })
}

/// Every problem with the layout: cycles, then forbidden folder uses.
fn problems(sources: &[Source]) -> Vec<String> {
    let graph = match dependency_graph(sources) {
        Ok(g) => g,
        Err(unresolved) => return unresolved,
    };
    let mut out = Vec::new();
    for cycle in cycles(&graph) {
        let steps: Vec<String> = cycle
            .windows(2)
            .map(|w| {
                let u = &graph[&w[0]][&w[1]][0];
                format!("  src/{} uses src/{} (line {}: `{}`)", w[0], w[1], u.line, u.path)
            })
            .collect();
        out.push(format!(
            "import cycle {}:\n{}",
            cycle.iter().map(|f| format!("src/{f}")).collect::<Vec<_>>().join(" → "),
            steps.join("\n")
        ));
    }
    for (from, uses) in &graph {
        for (to, at) in uses {
            if let Some(why) = forbidden(from, to) {
                for u in at {
                    out.push(format!("src/{from}:{}: `{}` uses src/{to}: {why}", u.line, u.path));
                }
            }
        }
    }
    out
}

fn read_sources(dir: &Path, rel: &str, out: &mut Vec<Source>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).collect();
    entries.sort();
    for p in entries {
        let name = p.file_name().unwrap().to_string_lossy().into_owned();
        let file = if rel.is_empty() {
            name.clone()
        } else {
            format!("{rel}/{name}")
        };
        if p.is_dir() {
            read_sources(&p, &file, out);
        } else if name.ends_with(".rs") {
            out.push(Source {
                module: module_of(&file),
                text: std::fs::read_to_string(&p).unwrap(),
                file,
            });
        }
    }
}

#[test]
fn no_cycles_and_folders_used_only_downwards() {
    let mut sources = Vec::new();
    read_sources(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src"), "", &mut sources);
    assert!(sources.len() > 40, "found only {} files under src/", sources.len());
    let graph = dependency_graph(&sources).unwrap_or_else(|e| panic!("{}", e.join("\n")));
    if std::env::var_os("SHEQU_PRINT_GRAPH").is_some() {
        // SHEQU_PRINT_GRAPH=1 cargo test --test architecture -- --nocapture
        for (from, uses) in &graph {
            let to: Vec<&str> = uses.keys().map(String::as_str).collect();
            println!("{from} -> {}", to.join(" "));
        }
    }
    let edges: usize = graph.values().map(|m| m.len()).sum();
    assert!(
        edges > 100,
        "only {edges} file dependencies found: is the parser broken?"
    );
    let found = problems(&sources);
    assert!(found.is_empty(), "\n{}\n", found.join("\n"));
}

/// The checker itself: it must see what it is meant to see.
fn fake(files: &[(&str, &str)]) -> Vec<Source> {
    files
        .iter()
        .map(|(f, text)| Source {
            file: f.to_string(),
            module: module_of(f),
            text: text.to_string(),
        })
        .collect()
}

const FAKE_TREE: [(&str, &str); 8] = [
    ("lib.rs", "pub mod model; pub mod study; pub mod files;"),
    ("model/mod.rs", "pub mod a; pub mod b; pub mod params;"),
    (
        "model/params/mod.rs",
        "mod world; pub use world::*; pub struct Params { pub w: world::W }",
    ),
    (
        "model/params/world.rs",
        "use super::Params; // use crate::files::x;\nconst S: &str = \"crate::files::x\";",
    ),
    ("study/mod.rs", "pub mod s;"),
    (
        "study/s.rs",
        "use crate::model::{a::{self, X}, b};\nfn f() { let c = 'x'; crate::model::b::g(); }",
    ),
    ("files/mod.rs", "pub mod x;"),
    (
        "files/x.rs",
        "use crate::study::s;\n#[cfg(test)]\nmod tests { use super::*; }",
    ),
];

#[test]
fn the_checker_resolves_paths_to_files() {
    let mut files = FAKE_TREE.to_vec();
    files.push(("model/a.rs", "pub struct X;"));
    files.push(("model/b.rs", "pub fn g() {}"));
    let g = dependency_graph(&fake(&files)).unwrap();
    let uses = |f: &str| g[f].keys().cloned().collect::<Vec<_>>();
    assert_eq!(uses("study/s.rs"), ["model/a.rs", "model/b.rs"]);
    assert_eq!(uses("model/params/mod.rs"), ["model/params/world.rs"]);
    // Comments and strings do not count; `super` in a file is its parent.
    assert_eq!(uses("model/params/world.rs"), ["model/params/mod.rs"]);
    // `super` in an inline module is the file itself.
    assert_eq!(uses("files/x.rs"), ["study/s.rs"]);
}

#[test]
fn the_checker_finds_a_cycle() {
    let mut files = FAKE_TREE.to_vec();
    files.push(("model/a.rs", "use crate::model::b::g;"));
    files.push(("model/b.rs", "pub fn g() { crate::model::a::h() }"));
    let found = problems(&fake(&files));
    assert!(
        found
            .iter()
            .any(|p| p.starts_with("import cycle src/model/a.rs → src/model/b.rs → src/model/a.rs")),
        "{found:?}"
    );
    // The params-style facade: mod.rs uses its child and the child its parent.
    assert!(
        found
            .iter()
            .any(|p| p.contains("src/model/params/mod.rs → src/model/params/world.rs → src/model/params/mod.rs")),
        "{found:?}"
    );
}

#[test]
fn the_checker_finds_a_use_against_the_layers() {
    let mut files = FAKE_TREE.to_vec();
    files.push(("model/a.rs", "pub struct X;\nfn f() { let _ = crate::study::s::f; }"));
    files.push(("model/b.rs", "pub fn g() {}"));
    files.push(("main.rs", "use shequ::model::a::X;"));
    let found = problems(&fake(&files));
    assert!(
        found.contains(
            &"src/model/a.rs:2: `crate::study::s::f` uses src/study/s.rs: model may use only nothing, not study".into()
        ),
        "{found:?}"
    );
    assert!(
        found.contains(
            &"src/main.rs:1: `shequ::model::a::X` uses src/model/a.rs: main may use only cli, not model".into()
        ),
        "{found:?}"
    );
    assert!(forbidden("files/x.rs", "cli/run.rs").is_some());
    assert!(forbidden("cli/run.rs", "model/a.rs").is_none());
    assert!(forbidden("experiment/sweep.rs", "study/runner.rs").is_none());
    assert!(forbidden("study/runner.rs", "experiment/sweep.rs").is_some());
}
