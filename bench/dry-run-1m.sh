#!/usr/bin/env bash
# Dry-run throughput and peak memory on 1,000,000 rows (issue #2's target: < 3 s, < 64 MiB).
# Usage: bench/dry-run-1m.sh [ROWS]   (needs python3 and GNU time: apt-get install time)
set -euo pipefail
rows=${1:-1000000}
cd "$(dirname "$0")/.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 bench/gen_people.py "$rows" > "$work/people.csv"
cargo build --release --locked --quiet
ls -l "$work/people.csv" | awk '{printf "input: %s bytes\n", $5}'
/usr/bin/time -v target/release/zimport "$work/people.csv" --meeting 83927864687 --dry-run --quiet \
  2> "$work/time.txt" || true
grep -E "^(Rows:|  (valid|invalid|duplicate) )" "$work/time.txt" || true
grep -E "Elapsed \(wall|Maximum resident|User time|System time" "$work/time.txt"
