//! The output folder (`--out`): which files shequ writes there, whether it
//! holds a finished study, clearing it for `--force`, and the hidden
//! working folder `.shequ/` where a run keeps its journal and identity
//! (`journal.rs`), so that a finished folder holds only results.

use std::io;
use std::path::{Path, PathBuf};

/// The hidden working folder inside an output folder.
pub const WORK_DIR: &str = ".shequ";

/// `dir/.shequ`.
pub fn work_dir(dir: &Path) -> PathBuf {
    dir.join(WORK_DIR)
}

/// Every file shequ writes in an output folder (run, merge, shard, sweep,
/// report). `--force` removes these and the working folder, nothing else.
pub const OUTPUTS: [&str; 14] = [
    "runs.csv",
    "summary.csv",
    "timeseries.csv",
    "compare.csv",
    "compare_by_group.csv",
    "compare_timeseries.csv",
    "costs.csv",
    "failures.csv",
    "manifest.json",
    "shard.json",
    "design.csv",
    "sensitivity.csv",
    "sweep_shard.tsv",
    "report.html",
];

/// Working files that versions before the `.shequ/` folder wrote at the top.
const LEGACY_WORKING: [&str; 2] = ["replications.tsv", "run.json"];

/// Files that only a finished study (or finished shard) leaves.
const FINISHED: [&str; 3] = ["manifest.json", "shard.json", "sweep_shard.tsv"];

/// The file that shows `dir` holds a finished study, if it does.
pub fn finished_study(dir: &Path) -> Option<PathBuf> {
    FINISHED.iter().map(|f| dir.join(f)).find(|p| p.is_file())
}

/// Removes what shequ wrote in `dir` (its outputs, report.html included,
/// and the working folder); returns what was removed. Other files stay.
pub fn clear_outputs(dir: &Path) -> io::Result<Vec<PathBuf>> {
    let mut removed = Vec::new();
    for f in OUTPUTS.iter().chain(&LEGACY_WORKING) {
        let p = dir.join(f);
        if p.is_file() {
            std::fs::remove_file(&p)?;
            removed.push(p);
        }
    }
    let work = work_dir(dir);
    if work.is_dir() {
        std::fs::remove_dir_all(&work)?;
        removed.push(work);
    }
    Ok(removed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clearing_removes_only_what_shequ_writes() {
        let dir = std::env::temp_dir().join(format!("shequ-outdir-{}", std::process::id()));
        std::fs::create_dir_all(work_dir(&dir)).unwrap();
        for f in ["manifest.json", "report.html", "notes.txt"] {
            std::fs::write(dir.join(f), "x").unwrap();
        }
        std::fs::write(work_dir(&dir).join("replications.tsv"), "x").unwrap();
        assert!(finished_study(&dir).is_some());
        let removed = clear_outputs(&dir).unwrap();
        assert_eq!(removed.len(), 3);
        assert!(dir.join("notes.txt").exists() && !work_dir(&dir).exists());
        assert!(finished_study(&dir).is_none());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
