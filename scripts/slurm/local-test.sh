#!/bin/bash
# Stands up a real single-node Slurm (munge, slurmctld, slurmd) on localhost in a
# private directory, submits a shequ study as a job array of 4 shards plus the
# merge job (submit.sh), waits for both, and byte-compares the merged files with
# an unsharded run. Stops every daemon it started. Needs root and Debian's
# slurmctld slurmd slurm-client munge packages.
#   scripts/slurm/local-test.sh path/to/shequ
set -euo pipefail
bin=$(readlink -f "${1:?usage: local-test.sh SHEQU_BINARY}")
repo=$(cd "$(dirname "$0")/../.." && pwd)
here="$repo/scripts/slurm"
work=$(mktemp -d /tmp/shequ-slurm.XXXXXX)
chmod 755 "$work"
# shellcheck source=local-cluster.sh
source "$here/local-cluster.sh"

# The study: baseline and one reform on the small test district, 4 shards.
cd "$repo"
scen=(tests/data/small.toml tests/data/small_stipends.toml)
SHEQU_BIN="$bin" "$here/submit.sh" --shards 4 --reps 6 --seed 21 --out "$work/study" "${scen[@]}"
"$bin" run "${scen[@]}" --reps 6 --seed 21 --out "$work/whole" --quiet
for _ in $(seq 600); do
  [ -z "$(squeue -h -o %i 2>/dev/null)" ] && break
  sleep 0.2
done
if [ -n "$(squeue -h -o %i)" ]; then echo "jobs did not finish" >&2; squeue >&2; exit 1; fi
for f in runs.csv summary.csv timeseries.csv compare.csv compare_by_group.csv; do
  if ! cmp -s "$work/whole/$f" "$work/study/final/$f"; then
    echo "merged $f differs from the unsharded run" >&2
    cat "$work/study/logs/"* >&2 || true
    exit 1
  fi
done
echo "slurm: 4-shard array + merge job byte-identical to the unsharded run"
