#!/bin/sh
# Route-planning benchmark (issue 18 item 9): Minwon's solver against VROOM (pyvroom) at
# exploration level 5, both on one thread, on generated home-visit rounds.
# Needs `pip install pyvroom` (PYTHON may name a venv's python). From the repository root:
#   sh bench/routing/run.sh [seeds] [first-seed]   (the docs use 20 seeds)
# LUNCH=1 gives every team a one-hour lunch break starting 11:30-13:00.
set -eu
here=$(dirname "$0")
python=${PYTHON:-python3}
rm -f "$here"/instances/*.json
"$python" "$here/generate.py" --out "$here/instances" --seeds "${1:-10}" --first-seed "${2:-1}" ${LUNCH:+--lunch}
mkdir -p "$here/results"
"$python" "$here/run_vroom.py" "$here/instances" > "$here/results/vroom.tsv"
rm -rf "$here/results/solutions"
MW_OUT="$here/results/solutions" cargo run --quiet --release -p domain --example route_bench -- "$here/instances" > "$here/results/minwon.tsv"
"$python" "$here/verify.py" "$here/instances" "$here/results/solutions"
"$python" "$here/compare.py" "$here/results/vroom.tsv" "$here/results/minwon.tsv"
