#!/usr/bin/env bash
# Runs the Rust and the Python deadline benchmarks on the same cases and prints the ratio.
# Usage: bash bench/calendar/run.sh [CASES]   (from the repository root)
# Needs: cargo, python3 with `pip install holidays==0.109`.
set -euo pipefail
cd "$(dirname "$0")/../.."
cases="${1:-1000000}"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

echo "== Rust (crates/calendar/examples/bench_deadlines.rs), one thread"
cargo run --quiet --release -p calendar --example bench_deadlines -- \
    --cases "$cases" --dump "$tmp/cases.jsonl" --dump-count 20000 | tee "$tmp/rust.txt"
echo
echo "== Python (bench/calendar/deadlines.py, PyPI holidays), first 20000 of the same cases"
python3 bench/calendar/deadlines.py "$tmp/cases.jsonl" | tee "$tmp/python.txt"
echo
rust=$(awk '/^rust deadlines\/s:/ {print $3}' "$tmp/rust.txt")
python=$(awk '/^python deadlines\/s:/ {print $3}' "$tmp/python.txt")
awk -v r="$rust" -v p="$python" 'BEGIN { printf "ratio rust/python: %.0fx\n", r / p }'
