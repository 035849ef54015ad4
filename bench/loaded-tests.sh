#!/usr/bin/env bash
# The README's test command, RUNS times in a row (default 5), with both cores kept busy beside
# it by two spinning processes: the suite must pass on a loaded two-core machine every time.
# Prints one line a run: its exit code, tests passed and failed, and seconds.
# Usage: bench/loaded-tests.sh [RUNS]   (each run's output goes to target/loaded-tests-N.log)
set -u
cd "$(dirname "$0")/.."
runs=${1:-5}
cargo test --workspace --locked --no-run --quiet || exit 1
python3 -c 'while True: pass' & spin1=$!
python3 -c 'while True: pass' & spin2=$!
trap 'kill $spin1 $spin2 2>/dev/null' EXIT
failed=0
for run in $(seq 1 "$runs"); do
  log=target/loaded-tests-$run.log
  started=$(date +%s)
  cargo test --workspace --locked >"$log" 2>&1
  code=$?
  counts=$(grep -o 'test result: [a-z]*\. [0-9]* passed; [0-9]* failed' "$log" |
    awk '{p += $4; f += $6} END {print p " passed, " f " failed"}')
  echo "run $run: exit $code, $counts, $(($(date +%s) - started)) s"
  [ "$code" -eq 0 ] || failed=1
done
exit $failed
