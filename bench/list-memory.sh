#!/usr/bin/env bash
# Peak memory of reading Zoom's lists of a big event (issue 31): `zimport export` of a webinar
# of N registrants, and a re-run of the import of those N people (everyone already in Zoom, so
# nothing is sent), against the fake on 127.0.0.1 with no latency and no rate limit.
# Usage: bench/list-memory.sh [N]   (default 100000; about a minute)
set -euo pipefail
n=${1:-100000}
cd "$(dirname "$0")/.."
[ -x /usr/bin/time ] || { echo "bench: GNU time is needed (apt-get install time)"; exit 2; }
cargo build --release --locked --quiet --workspace --bins
work=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
target/release/fake-zoom --port "$port" --webinar 98765432109 --registrants "$n" \
  --capacity $((n * 2)) --plan unlimited --latency-ms 0 --jitter-ms 0 > "$work/fake.log" &
fake=$!
trap 'kill $fake 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 600); do grep -q "listening" "$work/fake.log" && break; sleep 0.1; done
export ZOOM_OAUTH_URL="http://127.0.0.1:$port/oauth/token" ZOOM_ACCOUNT_ID=fake-account \
  ZOOM_CLIENT_ID=fake-client-id ZOOM_CLIENT_SECRET=fake-client-secret-do-not-print
python3 - "$n" > "$work/people.csv" <<'PY'
import sys
n = int(sys.argv[1])
print("email,first_name,last_name")
for i in range(n):
    print(f"person{i}@example.com,First{i},Last{i}")
PY
/usr/bin/time -f "export of $n registrants: peak %M KiB, %e s" \
  target/release/zimport export --webinar 98765432109 -q -o "$work/export.csv"
/usr/bin/time -f "re-run of an import of $n people all in Zoom: peak %M KiB, %e s" \
  target/release/zimport "$work/people.csv" --webinar 98765432109 -q -o "$work/results.csv" || true
