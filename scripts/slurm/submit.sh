#!/bin/bash
# Submits a shequ study as a Slurm job array plus a merge job that runs after it.
#   scripts/slurm/submit.sh --shards 50 --reps 1000 --seed 1 --out /scratch/me/study \
#       scenarios/baseline.toml scenarios/reforms/*.toml scenarios/packages/*.toml
# Prints the array job id and the merge job id. Extra sbatch options (partition,
# account, time) go in SBATCH_* environment variables, e.g. SBATCH_PARTITION=short.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
shards=4 reps=100 seed=1 out="" bin=${SHEQU_BIN:-shequ}
scenarios=()
while [ $# -gt 0 ]; do
  case "$1" in
    --shards) shards=$2; shift 2 ;;
    --reps) reps=$2; shift 2 ;;
    --seed) seed=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --bin) bin=$2; shift 2 ;;
    -h|--help) sed -n '2,6p' "$0"; exit 0 ;;
    *) scenarios+=("$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"); shift ;;
  esac
done
[ -n "$out" ] && [ ${#scenarios[@]} -gt 0 ] || { echo "usage: submit.sh --shards N --reps R --seed S --out DIR SCENARIO..." >&2; exit 2; }
mkdir -p "$out/shards" "$out/logs"
out=$(cd "$out" && pwd)
export SHEQU_SCENARIOS="${scenarios[*]}" SHEQU_OUT="$out" SHEQU_REPS="$reps" SHEQU_SEED="$seed" SHEQU_BIN="$bin"
array=$(sbatch --parsable --array="0-$((shards - 1))" --output="$out/logs/shard-%a.out" \
  --export=ALL "$here/shequ-array.sbatch")
merge=$(sbatch --parsable --dependency="afterok:${array%%;*}" --output="$out/logs/merge.out" \
  --export=ALL "$here/shequ-merge.sbatch")
echo "array job ${array%%;*} ($shards shards), merge job ${merge%%;*}; results in $out/final"
