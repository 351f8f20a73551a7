#!/usr/bin/env bash
# Builds the fuzz targets with coverage instrumentation (stable Rust, as in
# the README) and runs each for N seconds (default 30) on a copy of its
# committed corpus, one after another. Fails on any crash, leak, timeout or
# out-of-memory (libFuzzer exits non-zero and leaves the input in
# fuzz/artifacts/TARGET/). Usage: scripts/fuzz_smoke.sh [SECONDS] [TARGET...]
set -euo pipefail
cd "$(dirname "$0")/../fuzz"
secs=${1:-30}
shift || true
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  targets=(scenario experiment jurisdictions replications sweep_shard sweep_journal run_json)
fi
triple=$(rustc -vV | sed -n 's/^host: //p')
export RUSTFLAGS="-Cpasses=sancov-module -Cllvm-args=-sanitizer-coverage-level=4 \
  -Cllvm-args=-sanitizer-coverage-inline-8bit-counters -Cllvm-args=-sanitizer-coverage-pc-table \
  -Cllvm-args=-sanitizer-coverage-trace-compares --cfg fuzzing -Cdebug-assertions -Coverflow-checks"
cargo build --release --locked --target "$triple" ${targets[@]/#/--bin }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for t in "${targets[@]}"; do
  mkdir -p "$work/$t" "artifacts/$t"
  cp corpus/"$t"/* "$work/$t"/
  echo "fuzz_smoke: $t for $secs s"
  "target/$triple/release/$t" "$work/$t" -max_total_time="$secs" -max_len=65536 -rss_limit_mb=4096 \
    -timeout=20 -artifact_prefix="artifacts/$t/" -print_final_stats=1 2>"$work/$t.log" || {
    tail -40 "$work/$t.log"
    echo "fuzz_smoke: $t FAILED (input in fuzz/artifacts/$t/)" >&2
    exit 1
  }
  grep -E "^stat::(number_of_executed_units|peak_rss_mb)|cov: " "$work/$t.log" | tail -3
done
echo "fuzz_smoke: ${#targets[@]} target(s), no crash"
