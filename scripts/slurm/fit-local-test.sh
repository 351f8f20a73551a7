#!/bin/bash
# Stands up a real single-node Slurm on localhost (local-cluster.sh), runs the
# small test fit (tests/data/fit.toml) as rounds of a 3-shard job array plus a
# merge job each (fit-submit.sh; each merge submits the next round), waits for
# the fit to finish, and byte-compares its files with an unsharded fit.
#   scripts/slurm/fit-local-test.sh path/to/shequ
set -euo pipefail
bin=$(readlink -f "${1:?usage: fit-local-test.sh SHEQU_BINARY}")
repo=$(cd "$(dirname "$0")/../.." && pwd)
here="$repo/scripts/slurm"
work=$(mktemp -d /tmp/shequ-slurm-fit.XXXXXX)
chmod 755 "$work"
# shellcheck source=local-cluster.sh
source "$here/local-cluster.sh"

cd "$repo"
fit=tests/data/fit.toml
SHEQU_BIN="$bin" "$here/fit-submit.sh" --shards 3 --out "$work/fit" "$fit"
"$bin" fit "$fit" --out "$work/whole" --threads 2 --quiet
for _ in $(seq 1500); do
  [ -f "$work/fit/manifest.json" ] && [ -z "$(squeue -h -o %i 2>/dev/null)" ] && break
  sleep 0.2
done
if [ ! -f "$work/fit/manifest.json" ]; then
  echo "the sharded fit did not finish" >&2
  squeue >&2 || true
  tail -n 5 "$work/fit/logs/"* >&2 || true
  exit 1
fi
for f in posterior.csv predictive.csv predictive_draws.csv fit.html; do
  if ! cmp -s "$work/whole/$f" "$work/fit/$f"; then
    echo "the sharded fit's $f differs from the unsharded fit's" >&2
    tail -n 5 "$work/fit/logs/"* >&2 || true
    exit 1
  fi
done
echo "slurm fit: $(cat "$work/fit/logs/rounds") rounds of a 3-shard array + merge job byte-identical to the unsharded fit"
