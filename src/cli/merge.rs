//! `shequ merge`: shard directories (from `run --shard`) into the final
//! files of the whole study, after checking that they belong to one study
//! and cover every replication once.

use crate::cli::decision::Decision;
use crate::cli::run::{prepare_out, write_final, RunReport};
use crate::cli::AppError;
use crate::files::error::InputError;
use crate::files::manifest::{self, Manifest};
use crate::files::{journal, scenario_file, study_files};
use crate::study::identity::check_identity;
use crate::study::runner::{self, RepResult};
use crate::study::shard::{self, Shard, ShardManifest};
use crate::study::store::Expected;
use std::path::{Path, PathBuf};

/// Merges shard directories into the final files of the whole study, after
/// checking that they belong to one study and cover every work item once.
/// An `out` that holds a finished study is refused (see `merge_into`).
pub fn merge(dirs: &[PathBuf], out: &Path, command_line: Vec<String>) -> Result<RunReport, AppError> {
    merge_into(dirs, out, command_line, false)
}

/// `merge`; with `force`, a finished study in `out` is replaced (its outputs
/// removed first) instead of refused.
pub fn merge_into(dirs: &[PathBuf], out: &Path, command_line: Vec<String>, force: bool) -> Result<RunReport, AppError> {
    let mut manifests = Vec::new();
    for d in dirs {
        manifests.push(manifest::read_shard_manifest(d)?);
    }
    shard::check_same_study(&manifests).map_err(AppError::Usage)?;
    let first = &manifests[0];
    // Reload the scenarios and make sure they are the files the shards ran.
    let mut scenarios = Vec::new();
    for sc in &first.scenarios {
        let s = scenario_file::load(Path::new(&sc.path))?;
        let now: Vec<&str> = s.sources.iter().map(|x| x.sha256.as_str()).collect();
        let then: Vec<&str> = sc.sources.iter().map(|x| x.sha256.as_str()).collect();
        if now != then {
            return Err(AppError::Usage(format!(
                "scenario `{}` ({}) changed since the shards ran: its files no longer match their SHA-256",
                sc.name, sc.path
            )));
        }
        if s.params.simulation.spinup_months != sc.spinup_months {
            return Err(AppError::Usage(format!(
                "scenario `{}` ({}) has a spin-up of {} months, the shards ran {}",
                sc.name, sc.path, s.params.simulation.spinup_months, sc.spinup_months
            )));
        }
        scenarios.push(s);
    }
    let reps = first.replications;
    let n_items = scenarios.len() * reps as usize;
    let mut slots: Vec<Option<(usize, RepResult)>> = vec![None; n_items];
    for (d, m) in dirs.iter().zip(&manifests) {
        check_identity_file(d, m)?;
        let p = journal::existing_journal(d);
        let shard = Shard {
            index: m.shard,
            count: m.shards,
        };
        let expected = Expected {
            shard: Some(shard),
            ..Expected::of(&scenarios, reps, first.seed, None, !first.uncertainty.is_empty())
        };
        let contents = journal::read_journal(d, &expected)?.ok_or_else(|| {
            AppError::Input(InputError::new(
                &p,
                "missing: a shard's results are shard.json and .shequ/replications.tsv (copy shard folders whole)",
            ))
        })?;
        let n = contents.stored.len() as u64;
        if n != m.items_done {
            return Err(AppError::Input(
                InputError::new(
                    &p,
                    format!(
                        "the file ends after {n} replication(s), but shard.json says shard {}/{} finished {}: \
                         {} missing (was the file cut, or lines removed?)",
                        m.shard,
                        m.shards,
                        m.items_done,
                        m.items_done.saturating_sub(n)
                    ),
                )
                .at(contents.lines + 1, 1),
            ));
        }
        for st in contents.stored {
            // `read_journal` checked the scenario, the replication and the shard.
            let k = st.scenario * reps as usize + st.result.replication as usize;
            let Some(slot) = slots.get_mut(k) else {
                return Err(AppError::Input(
                    InputError::new(&p, "a replication outside the study").at(st.line, 1),
                ));
            };
            if let Some((other, _)) = slot {
                return Err(AppError::Usage(format!(
                    "replication {} of `{}` appears in shard {} and shard {}",
                    st.result.replication, st.name, other, m.shard
                )));
            }
            *slot = Some((m.shard as usize, st.result));
        }
    }
    let missing: Vec<String> = slots
        .iter()
        .enumerate()
        .filter(|(_, s)| s.is_none())
        .map(|(k, _)| {
            let (s, r) = (k / reps as usize, k % reps as usize);
            format!(
                "`{}` replication {r} (shard {}/{})",
                scenarios[s].name,
                k % first.shards as usize + 1,
                first.shards
            )
        })
        .collect();
    if !missing.is_empty() {
        let shown: Vec<&str> = missing.iter().take(10).map(String::as_str).collect();
        return Err(AppError::Usage(format!(
            "{} replication(s) missing, e.g. {}",
            missing.len(),
            shown.join("; ")
        )));
    }
    let results = runner::group(
        scenarios.len(),
        reps,
        slots
            .into_iter()
            .enumerate()
            .filter_map(|(k, s)| s.map(|(_, r)| (k / reps as usize, r))),
    );
    let baseline = scenarios.iter().position(|s| s.name == first.baseline).unwrap_or(0);
    if dirs.iter().any(|d| same_dir(d, out)) {
        return Err(AppError::Usage(format!(
            "--out {} is one of the shard folders: merge into a folder of its own",
            out.display()
        )));
    }
    let _lock = prepare_out(out, force, false)?;
    let now = std::time::SystemTime::now();
    let mut manifest = Manifest::new(
        &scenarios,
        &results,
        first.seed,
        reps,
        manifests.iter().map(|m| m.threads).max().unwrap_or(1),
        baseline,
        command_line,
        now,
        now,
    );
    // For a merged study, timing is the shards' total.
    manifest.wall_seconds = manifests.iter().map(|m| m.wall_seconds).sum();
    let pm = manifest.person_months as f64;
    manifest.person_months_per_second = if manifest.wall_seconds > 0.0 {
        pm / manifest.wall_seconds
    } else {
        0.0
    };
    manifest.ns_per_person_month_per_thread = if pm > 0.0 {
        manifest.wall_seconds * 1e9 * manifest.threads as f64 / pm
    } else {
        0.0
    };
    let none = vec![0; scenarios.len()];
    let decision = Decision::of_shard(first)?;
    write_final(out, &scenarios, &results, &none, baseline, manifest, &decision)
}

/// A shard folder's `.shequ/run.json`, where there is one, must parse and
/// agree with its `shard.json` (seed, replications, shard, scenarios).
fn check_identity_file(dir: &Path, m: &ShardManifest) -> Result<(), AppError> {
    let Some(id) = journal::read_identity(dir)? else {
        return Ok(());
    };
    let p = journal::existing_identity(dir);
    let names = |v: &[shard::ShardScenario]| v.iter().map(|s| s.name.clone()).collect::<Vec<_>>();
    let why = if id.seed != m.seed {
        Some(format!("`seed` is {}, shard.json says {}", id.seed, m.seed))
    } else if id.replications != m.replications {
        Some(format!(
            "`replications` is {}, shard.json says {}",
            id.replications, m.replications
        ))
    } else if id.shard != Some(format!("{}/{}", m.shard, m.shards)) {
        Some(format!(
            "`shard` is {:?}, shard.json says {}/{}",
            id.shard, m.shard, m.shards
        ))
    } else if names(&id.scenarios) != names(&m.scenarios) || id.baseline != m.baseline {
        Some("its scenarios or baseline differ from shard.json's".to_string())
    } else {
        check_identity(&id).err()
    };
    match why {
        Some(w) => Err(AppError::Input(InputError::new(
            &p,
            format!("does not match the shard it is in: {w}"),
        ))),
        None => Ok(()),
    }
}

fn same_dir(a: &Path, b: &Path) -> bool {
    match (std::fs::canonicalize(a), std::fs::canonicalize(b)) {
        (Ok(x), Ok(y)) => x == y,
        _ => false,
    }
}

/// `shequ merge` as typed: the merge, then what it wrote, unless `quiet`.
pub fn command(
    dirs: &[PathBuf],
    out: &Path,
    command_line: Vec<String>,
    force: bool,
    quiet: bool,
) -> Result<(), AppError> {
    let report = merge_into(dirs, out, command_line, force)?;
    if !quiet {
        if !report.compare.is_empty() {
            println!("{}", study_files::headline_table(&report.compare));
        }
        for f in &report.files {
            eprintln!("wrote {}", f.display());
        }
    }
    Ok(())
}
