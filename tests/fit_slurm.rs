//! A real single-node Slurm on localhost runs the small test fit as rounds of
//! a 3-shard job array plus a merge job (each merge submits the next round),
//! and the fit's files equal an unsharded fit's byte for byte
//! (scripts/slurm/fit-local-test.sh). It needs root and Slurm and munge
//! (Debian: `apt-get install -y slurmctld slurmd slurm-client munge`); without
//! them it FAILS unless SHEQU_SKIP_SLURM=1 says to skip it (CI installs them
//! and does not set it).

mod common;

use std::process::Command;

fn have(bin: &str) -> bool {
    Command::new("sh")
        .args(["-c", &format!("command -v {bin}")])
        .output()
        .is_ok_and(|o| o.status.success())
}

#[test]
fn slurm_fit_rounds_equal_an_unsharded_fit() {
    if std::env::var("SHEQU_SKIP_SLURM").is_ok_and(|v| v == "1") {
        eprintln!("SKIPPED the local Slurm fit test: SHEQU_SKIP_SLURM=1");
        return;
    }
    let needed = ["munged", "slurmctld", "slurmd", "sbatch", "squeue", "sinfo"];
    let missing: Vec<&str> = needed.into_iter().filter(|b| !have(b)).collect();
    let is_root = Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| o.stdout.starts_with(b"0"));
    assert!(
        missing.is_empty() && is_root,
        "the local Slurm fit test cannot run (missing: {missing:?}; root: {is_root}): run it as root with \
         `apt-get install -y slurmctld slurmd slurm-client munge`, or set SHEQU_SKIP_SLURM=1 to skip it"
    );
    let out = Command::new("bash")
        .arg(common::root().join("scripts/slurm/fit-local-test.sh"))
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
