#!/usr/bin/env bash
# Regenerates results/experiments/ (the shipped experiment files, seed 1).
# About 15 minutes on 2 cores.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --locked
for e in baseline_sobol report_package_sobol baseline_morris stipend_grid uncertainty_lhs; do
  reps=4
  [ "$e" = stipend_grid ] && reps=10
  rm -rf "results/experiments/$e"
  ./target/release/shequ sweep "scenarios/experiments/$e.toml" --reps "$reps" --seed 1 \
    --out "results/experiments/$e" --quiet
done
# The Sobol studies' per-run and per-point files (20 MB) are not committed:
# design.csv, sensitivity.csv and manifest.json are.
rm -f results/experiments/*_sobol/runs.csv results/experiments/*_sobol/summary.csv
