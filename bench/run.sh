#!/usr/bin/env bash
# The benchmark of issue #6, in one command: efficiency against Zoom's rate ceilings, CPU and
# memory overhead, a naive sequential client for comparison, and the dry run against a
# parse-only floor. Takes about 7 minutes; not part of `cargo test` (too slow, and timing-
# sensitive). Needs python3 with `requests` (installed if missing) and GNU time.
#   bench/run.sh            everything
#   bench/run.sh efficiency (or: overhead, naive, dryrun, start)
#   bench/run.sh pacers     the hand-made pacer against governor's, alternating (PACER_ROUNDS=3;
#                           about 4 minutes a round); not part of "everything"
#   BASE_ZIMPORT=path/to/other/zimport bench/run.sh batch-pair
#                           the 100,000-row batch run's CPU, this build against another binary,
#                           alternating (PAIR_ROUNDS=3; about 3 minutes a round)
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -c 'import requests' 2>/dev/null || pip install --quiet requests
[ -x /usr/bin/time ] || { echo "bench: GNU time is needed (apt-get install time)"; exit 2; }
cargo build --release --locked --quiet --workspace --bins --examples
if [[ " $* " == *" pacers "* ]]; then
  cargo build --release --locked --quiet --bin zimport --features pacer-governor \
    --target-dir target/pacer-governor
fi
exec python3 bench/run.py "$@"
