#![allow(dead_code)]
use shequ::files::scenario_file;
use shequ::model::scenario::Scenario;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output};

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn load(rel: &str) -> Scenario {
    let p = root().join(rel);
    scenario_file::load(&p).unwrap_or_else(|e| panic!("{e}"))
}

pub fn small() -> Scenario {
    load("tests/data/small.toml")
}

/// Writes a scenario file into `dir` and returns its path.
pub fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

/// A scenario text that extends the shipped baseline from any directory.
pub fn extends_baseline(extra: &str) -> String {
    format!(
        "extends = \"{}\"\n{extra}",
        root().join("scenarios/baseline.toml").display()
    )
}

/// Run options for a study of `scenarios` (paths relative to the crate root).
pub fn options(scenarios: &[&str], reps: u32, seed: u64, out: &Path, threads: usize) -> shequ::cli::run::RunOptions {
    shequ::cli::run::RunOptions {
        scenarios: scenarios.iter().map(|s| root().join(s)).collect(),
        reps,
        seed,
        out: out.to_path_buf(),
        threads,
        baseline: None,
        command_line: vec![],
        shard: None,
        resume: false,
        force: false,
        decision: Default::default(),
    }
}

/// `shequ ARGS` run from the repository root, waited for.
pub fn shequ_at_root(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_shequ"))
        .args(args)
        .current_dir(root())
        .output()
        .unwrap()
}

/// Waits for a spawned command: its exit code (`None` when killed by a
/// signal) and its stderr.
pub fn finish(child: Child) -> (Option<i32>, String) {
    let out = child.wait_with_output().unwrap();
    (out.status.code(), String::from_utf8_lossy(&out.stderr).into_owned())
}
