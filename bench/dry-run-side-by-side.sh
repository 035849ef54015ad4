#!/usr/bin/env bash
# The 1M-row dry run of this build against other commits' (or binaries'), in turns
# (bench/alternate.py), on the same file: for changes whose cost is within the machine's
# day-to-day noise.
# Usage: bench/dry-run-side-by-side.sh BASE [BASE ...]   (a commit, or a path to a zimport binary)
#   ROUNDS=21 (runs of each), ROWS=1000000
set -euo pipefail
[ $# -ge 1 ] || { echo "usage: bench/dry-run-side-by-side.sh BASE [BASE ...]"; exit 2; }
rows=${ROWS:-1000000}
cd "$(dirname "$0")/.."
work=$(mktemp -d)
trap 'for w in "$work"/tree-*; do git worktree remove --force "$w" >/dev/null 2>&1 || true; done; rm -rf "$work"' EXIT
binaries=()
for base in "$@"; do
  if [ -x "$base" ] && [ -f "$base" ]; then
    binaries+=("$base")
  else
    tree="$work/tree-${#binaries[@]}"
    git worktree add -q "$tree" "$base"
    (cd "$tree" && CARGO_TARGET_DIR="$tree-target" cargo build --release --locked --quiet)
    cp "$tree-target/release/zimport" "$work/zimport-$base"
    binaries+=("$work/zimport-$base")
  fi
done
cargo build --release --locked --quiet
python3 bench/gen_people.py "$rows" > "$work/people.csv"
sync
python3 bench/alternate.py "${ROUNDS:-21}" "$work/people.csv" "${binaries[@]}" target/release/zimport
