#!/usr/bin/env bash
# The 1M-row dry run of this build against another commit's, alternating, 7 runs each, on the
# same file: for changes whose cost is within the machine's day-to-day noise.
# Usage: bench/dry-run-side-by-side.sh BASE_COMMIT [ROWS]   (needs python3 and bc)
set -euo pipefail
base=${1:?usage: bench/dry-run-side-by-side.sh BASE_COMMIT [ROWS]}
rows=${2:-1000000}
cd "$(dirname "$0")/.."
work=$(mktemp -d)
trap 'git worktree remove --force "$work/base" >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
git worktree add -q "$work/base" "$base"
(cd "$work/base" && CARGO_TARGET_DIR="$work/base-target" cargo build --release --locked --quiet)
cargo build --release --locked --quiet
python3 bench/gen_people.py "$rows" > "$work/people.csv"
sync
run() { "$1" "$work/people.csv" --meeting 83927864687 --dry-run -q --fresh -o "$work/out.csv" >/dev/null 2>&1 || true; }
timed() { local s e; s=$(date +%s.%N); run "$1"; e=$(date +%s.%N); echo "$e - $s" | bc; }
run "$work/base-target/release/zimport"; run target/release/zimport
for _ in 1 2 3 4 5 6 7; do
  echo "base $(timed "$work/base-target/release/zimport")"
  echo "this $(timed target/release/zimport)"
done | sort -k1,1 -k2n | awk '{t[$1]=t[$1]" "$2; n[$1]++; v[$1,n[$1]]=$2} END {for (k in t) print k ":" t[k] "  (median " v[k,4] " s)"}'
