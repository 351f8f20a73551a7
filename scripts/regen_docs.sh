#!/usr/bin/env bash
# Regenerates the two generated tables in docs/ from the built binary: the
# parameter table of docs/parameters.md (`shequ params scenarios/baseline.toml`)
# and the metric table that ends docs/outputs.md (`shequ metrics`). tests/docs.rs
# fails until they match. Usage: scripts/regen_docs.sh [path/to/shequ]
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:-target/release/shequ}
params=$("$bin" params scenarios/baseline.toml)
metrics=$("$bin" metrics)
PARAMS="$params" METRICS="$metrics" python3 - <<'PY'
import os
def replace_from(path, header, table):
    text = open(path, encoding="utf-8").read()
    i = text.index(header)
    open(path, "w", encoding="utf-8").write(text[:i] + table + "\n")
replace_from("docs/parameters.md", "| key |", os.environ["PARAMS"])
replace_from("docs/outputs.md", "| metric | unit | direction | definition |", os.environ["METRICS"])
PY
