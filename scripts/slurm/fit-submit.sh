#!/bin/bash
# Submits one round of a sharded `shequ fit` to Slurm: a job array of N shards
# (fit-array.sbatch: each simulates its share of the fit's pending batch) and a
# merge job that runs after it (fit-merge.sbatch: absorbs the round, writes the
# next checkpoint). The merge job submits the next round itself, until the fit
# has finished: then DIR holds manifest.json, posterior.csv and the other files.
#   scripts/slurm/fit-submit.sh --shards 20 --out /scratch/me/fit scenarios/fit/tianqiao.toml
# Extra sbatch options (partition, account, time) go in SBATCH_* environment
# variables, e.g. SBATCH_PARTITION=short; SBATCH_CPUS_PER_TASK sets the threads
# of each shard. At most --max-rounds rounds (default 500) are submitted.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
shards=4 out="" fit="" bin=${SHEQU_BIN:-shequ} max_rounds=${SHEQU_FIT_MAX_ROUNDS:-500}
while [ $# -gt 0 ]; do
  case "$1" in
    --shards) shards=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --bin) bin=$2; shift 2 ;;
    --max-rounds) max_rounds=$2; shift 2 ;;
    -h|--help) sed -n '2,11p' "$0"; exit 0 ;;
    *) fit="$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"; shift ;;
  esac
done
[ -n "$out" ] && [ -n "$fit" ] || { echo "usage: fit-submit.sh --shards N --out DIR FIT.toml" >&2; exit 2; }
mkdir -p "$out/logs"
out=$(cd "$out" && pwd)
if [ -f "$out/manifest.json" ]; then echo "the fit in $out has finished"; exit 0; fi
round=$(( $(cat "$out/logs/rounds" 2>/dev/null || echo 0) + 1 ))
if [ "$round" -gt "$max_rounds" ]; then
  echo "fit-submit.sh: $max_rounds rounds submitted and the fit in $out has not finished; continue with --max-rounds" >&2
  exit 1
fi
echo "$round" > "$out/logs/rounds"
export SHEQU_FIT="$fit" SHEQU_OUT="$out" SHEQU_BIN="$bin" SHEQU_SHARDS="$shards" \
  SHEQU_SLURM_DIR="$here" SHEQU_FIT_MAX_ROUNDS="$max_rounds"
array=$(sbatch --parsable --array="0-$((shards - 1))" --output="$out/logs/round-$round-shard-%a.out" \
  --export=ALL "$here/fit-array.sbatch")
merge=$(sbatch --parsable --dependency="afterok:${array%%;*}" --output="$out/logs/round-$round-merge.out" \
  --export=ALL "$here/fit-merge.sbatch")
echo "round $round: array job ${array%%;*} ($shards shards), merge job ${merge%%;*}; finished when $out/manifest.json exists"
