#!/usr/bin/env bash
# Checks that two shequ binaries write the same bytes: the same studies, run
# with each, compared file by file. For a change that must not change
# behaviour (a refactoring), run it with the binary from before and after:
#
#   scripts/check_identical.sh /tmp/shequ-old target/release/shequ [WORK_DIR]
#
# What runs, with each binary:
#   - `run` of the baseline, the 12 reforms and the 5 packages at full scale
#     (--reps $REPS, default 3, --seed 2000), then `report` on its folder;
#   - every experiment in scenarios/experiments/ with `sweep --reps 1`
#     (SKIP_SOBOL=1 leaves out the two Sobol designs, a few minutes each);
#   - small studies of tests/data/: shards and `merge`, `--target-ci`,
#     `sweep --shard` and `--merge`, the national generator;
#   - the printing commands (`params`, `metrics`, `diff`, `validate`), every
#     command's --help, and a rejected input (message and exit code).
# Every output file must be byte-identical, except the manifests and
# report.html, which must be identical once the fields that record when the
# run happened and which commit built the binary are left out, and the
# journals (replications.tsv), written in completion order, which must hold
# the same lines.
# Also: the runs.csv rows of replications 0-1 must equal those of the
# committed study results/report_comparison/ (seed 2000).
#
# Both binaries run as `./shequ` from their own folder, with the same
# absolute input paths and relative output paths, so command lines match.
# REUSE_OLD=1 keeps the old binary's outputs from an earlier call with the
# same WORK_DIR. SHEQU_ROOT names the checkout whose scenarios to use when a
# copy of this script runs from elsewhere (bash reads a script as it runs,
# so run a copy if you may edit this one meanwhile).
set -euo pipefail

[ $# -ge 2 ] || { echo "usage: $0 OLD_BIN NEW_BIN [WORK_DIR]" >&2; exit 2; }
old_bin=$(realpath "$1")
new_bin=$(realpath "$2")
root=${SHEQU_ROOT:-$(cd "$(dirname "$0")/.." && pwd)}
work=${3:-$(mktemp -d /tmp/shequ-identical.XXXXXX)}
mkdir -p "$work"
work=$(realpath "$work")
REPS=${REPS:-3}
SKIP_SOBOL=${SKIP_SOBOL:-0}

scenarios=("$root"/scenarios/baseline.toml "$root"/scenarios/reforms/*.toml "$root"/scenarios/packages/*.toml)
small="$root/tests/data/small.toml"
small_stipends="$root/tests/data/small_stipends.toml"

# Runs everything with one binary into $work/$1 (the binary is copied there).
produce() {
  local side=$1 bin=$2 dir=$work/$1
  if [ "$side" = old ] && [ "${REUSE_OLD:-0}" = 1 ] && [ -e "$dir/.complete" ]; then
    echo "[$side] reusing $dir"
    return
  fi
  rm -rf "$dir"
  mkdir -p "$dir"
  cp "$bin" "$dir/shequ"
  (
    cd "$dir"
    local t0=$SECONDS
    echo "[$side] run: ${#scenarios[@]} scenarios x $REPS replications (full scale)"
    ./shequ run "${scenarios[@]}" --reps "$REPS" --seed 2000 --out run --quiet
    ./shequ report run 2> report.stderr
    for e in "$root"/scenarios/experiments/*.toml; do
      local name
      name=$(basename "$e" .toml)
      if [ "$SKIP_SOBOL" = 1 ] && [[ $name == *_sobol ]]; then
        echo "[$side] sweep $name: skipped (SKIP_SOBOL=1)"
        continue
      fi
      echo "[$side] sweep $name --reps 1"
      ./shequ sweep "$e" --reps 1 --seed 1 --out "sweep/$name" --quiet
    done
    echo "[$side] small studies"
    ./shequ run "$small" "$small_stipends" --reps 4 --seed 7 --out small/whole --quiet
    for i in 1 2 3; do
      ./shequ run "$small" "$small_stipends" --reps 4 --seed 7 --out "small/shard$i" --shard "$i/3" --quiet
    done
    ./shequ merge small/shard1 small/shard2 small/shard3 --out small/merged --quiet
    ./shequ run "$small" "$small_stipends" --reps 3 --seed 5 --out small/adaptive \
      --target-ci 0.002 --metric satisfaction_mean --max-reps 12 --quiet
    ./shequ run "$root/tests/data/national_small.toml" --reps 1 --seed 3 --out small/national --quiet
    local grid=$root/scenarios/experiments/stipend_grid.toml
    ./shequ sweep "$grid" --reps 2 --seed 9 --out sweep_shards/s1 --shard 1/2 --quiet
    ./shequ sweep "$grid" --reps 2 --seed 9 --out sweep_shards/s2 --shard 2/2 --quiet
    ./shequ sweep "$grid" --reps 2 --seed 9 --out sweep_shards/merged --merge sweep_shards/s1 sweep_shards/s2 --quiet
    mkdir -p printed
    ./shequ --help > printed/help.txt
    for c in run sweep merge params diff report metrics calibrate validate; do
      ./shequ "$c" --help > "printed/help_$c.txt"
    done
    ./shequ params > printed/params.md
    ./shequ params "$root/scenarios/packages/report_full.toml" --format csv > printed/params_report_full.csv
    ./shequ metrics > printed/metrics.md
    ./shequ diff "$root/scenarios/baseline.toml" "$root/scenarios/packages/all_levers.toml" > printed/diff.txt
    ./shequ validate "${scenarios[@]}" > printed/validate.txt
    set +e
    ./shequ validate "$root/tests/data/crash.toml" "$root/Cargo.toml" > printed/bad.stdout 2> printed/bad.stderr
    echo "exit $?" > printed/bad.exit
    set -e
    echo "[$side] done in $((SECONDS - t0)) s"
    touch .complete
  )
}

produce old "$old_bin"
produce new "$new_bin"

# The fields of a manifest that record when it ran and what built it.
volatile='"(git_commit|start_time_utc|end_time_utc|wall_seconds|person_months_per_second|ns_per_person_month_per_thread)"'
strip_manifest() {
  jq -S 'del(.git_commit, .start_time_utc, .end_time_utc, .wall_seconds, .person_months_per_second, .ns_per_person_month_per_thread)' "$1"
}

fail=0
files=0
cd "$work"
while IFS= read -r f; do
  rel=${f#old/}
  [ "$rel" = shequ ] && continue
  [ "$rel" = .complete ] && continue
  if [ ! -e "new/$rel" ]; then
    echo "MISSING in new: $rel"
    fail=1
    continue
  fi
  files=$((files + 1))
  case $rel in
    */manifest.json | */shard.json)
      if ! diff <(strip_manifest "old/$rel") <(strip_manifest "new/$rel") > /dev/null; then
        echo "DIFFERS (beyond timings and commit): $rel"
        fail=1
      fi
      ;;
    */replications.tsv)
      # The journal is in completion order, which depends on thread timing:
      # the same lines, in any order.
      if ! diff <(sort "old/$rel") <(sort "new/$rel") > /dev/null; then
        echo "DIFFERS (as a set of lines): $rel"
        fail=1
      fi
      ;;
    */report.html)
      if ! diff <(grep -Ev "$(sed 's/"/\&quot;/g' <<< "$volatile")" "old/$rel") \
        <(grep -Ev "$(sed 's/"/\&quot;/g' <<< "$volatile")" "new/$rel") > /dev/null; then
        echo "DIFFERS (beyond timings and commit): $rel"
        fail=1
      fi
      ;;
    *)
      if ! cmp -s "old/$rel" "new/$rel"; then
        echo "DIFFERS: $rel"
        fail=1
      fi
      ;;
  esac
done < <(find old -type f | sort)
extra=$(comm -13 <(cd old && find . -type f | sort) <(cd new && find . -type f | sort))
if [ -n "$extra" ]; then
  echo "ONLY in new: $extra"
  fail=1
fi
rows=$(find old -name '*.csv' -exec cat {} + | wc -l)
echo "compared $files files ($rows CSV lines) between $old_bin and $new_bin"

# Replications 0-1 of every scenario against the committed study (seed 2000).
committed=$root/results/report_comparison/runs.csv
python3 - "$committed" new/run/runs.csv <<'EOF' || fail=1
import csv, sys
def rows(path):
    with open(path, newline="") as f:
        r = list(csv.reader(f))
    # The seed column is decimal in schema version 1 (the committed study)
    # and 0x-hex from version 2 on: compare the numbers.
    s = r[0].index("seed")
    for x in r[1:]:
        x[s] = int(x[s], 0)
    return r[0], {(x[0], x[1]): x for x in r[1:] if x[1] in ("0", "1")}
h1, committed = rows(sys.argv[1])
h2, new = rows(sys.argv[2])
assert h1 == h2, "runs.csv headers differ"
assert set(committed) == set(new), f"different (scenario, replication) pairs: {sorted(set(committed) ^ set(new))}"
bad = [k for k in committed if committed[k] != new[k]]
if bad:
    print(f"committed runs.csv DIFFERS for {len(bad)} of {len(committed)} rows, e.g. {bad[:3]}")
    sys.exit(1)
print(f"committed results/report_comparison/runs.csv: {len(committed)} rows (replications 0-1 of "
      f"{len({k[0] for k in committed})} scenarios, {len(h1)} columns) equal the new run's")
EOF

if [ "$fail" = 0 ]; then
  echo "IDENTICAL"
else
  echo "NOT IDENTICAL"
  exit 1
fi
