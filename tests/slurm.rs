//! A real single-node Slurm on localhost runs a study as a 4-shard job array
//! plus a merge job, and the merged files equal an unsharded run byte for
//! byte (scripts/slurm/local-test.sh). CI installs Slurm and munge and sets
//! SHEQU_REQUIRE_SLURM=1; elsewhere the test is skipped when they are absent.

mod common;

use std::process::Command;

fn have(bin: &str) -> bool {
    Command::new("sh")
        .args(["-c", &format!("command -v {bin}")])
        .output()
        .is_ok_and(|o| o.status.success())
}

#[test]
fn slurm_job_array_and_merge_equal_an_unsharded_run() {
    let needed = ["munged", "slurmctld", "slurmd", "sbatch", "squeue", "sinfo"];
    let missing: Vec<&str> = needed.into_iter().filter(|b| !have(b)).collect();
    let is_root = Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| o.stdout.starts_with(b"0"));
    if !missing.is_empty() || !is_root {
        assert!(
            std::env::var_os("SHEQU_REQUIRE_SLURM").is_none(),
            "Slurm test required but cannot run: missing {missing:?}, root: {is_root}"
        );
        eprintln!("skipped: needs root and {missing:?}");
        return;
    }
    let out = Command::new("bash")
        .arg(common::root().join("scripts/slurm/local-test.sh"))
        .arg(env!("CARGO_BIN_EXE_shequ"))
        .output()
        .unwrap();
    let log = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "{log}");
    assert!(log.contains("byte-identical"), "{log}");
}
