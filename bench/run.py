#!/usr/bin/env python3
"""Benchmark driver for zimport (issue #6). Run through bench/run.sh, which builds first.

Each part prints its figures and the exact commands it ran. Everything talks to a fake Zoom
on 127.0.0.1 started here and stopped at the end of each measurement.
"""
import json
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ZIMPORT = ROOT / "target/release/zimport"
# The same zimport pacing with the governor crate (`--features pacer-governor`), for `pacers`.
ZIMPORT_GOVERNOR = ROOT / "target/pacer-governor/release/zimport"
FAKE = ROOT / "target/release/fake-zoom"
FLOOR = ROOT / "target/release/examples/parse_floor"
HTTP_FLOOR = ROOT / "target/release/examples/http_floor"
GEN = ROOT / "bench/gen_people.py"
NAIVE = ROOT / "bench/naive_client.py"
MEETING = "83927864687"
# Batch runs need more people than a meeting takes (4,999), as large imports do in real life:
# the benchmark registers into a webinar whose limit is set high.
WEBINAR = "98765432109"
EVENT_ARGS = ("--webinar", WEBINAR, "--capacity", "1000000")

# Zoom's published per-second ceilings (zoom-api.md section 5), in people per second.
CEILING = {
    ("pro", "single"): 30,
    ("business", "single"): 80,
    ("pro", "batch"): 10 * 30,
    ("business", "batch"): 40 * 30,
}
SECONDS = 30  # each efficiency run is sized to last about this long


class Fake:
    """The fake Zoom binary on a free loopback port."""

    def __init__(self, *args):
        self.proc = subprocess.Popen(
            [str(FAKE), "--port", "0", *EVENT_ARGS, *args], stdout=subprocess.PIPE, text=True)
        for line in self.proc.stdout:
            found = re.search(r"listening on (http://\S+)", line)
            if found:
                self.url = found.group(1)
                break
        self.env = dict(os.environ,
                        ZOOM_OAUTH_URL=self.url + "/oauth/token",
                        ZOOM_ACCOUNT_ID="fake-account",
                        ZOOM_CLIENT_ID="fake-client-id",
                        ZOOM_CLIENT_SECRET="fake-client-secret-do-not-print")
        self.env.pop("ZOOM_API_URL", None)
        self.args = args

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        # Ctrl-C, so that it writes its --request-log.
        self.proc.send_signal(signal.SIGINT)
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def people(path, rows, extra_fields):
    """Clean rows (every one valid), with or without fields that force single adds."""
    with open(path, "w", encoding="utf-8") as f:
        f.write("email,first_name,last_name" + (",city" if extra_fields else "") + "\n")
        for i in range(rows):
            f.write(f"bench{i}@example.com,First{i},Last{i}" + (",Lyon" if extra_fields else "") + "\n")


def zimport(fake, csv_path, *args, timed=False, binary=ZIMPORT):
    cmd = [str(binary), str(csv_path), "--webinar", WEBINAR, "--json", "-q", "--fresh", *args]
    if timed:
        cmd = ["/usr/bin/time", "-f", "TIME %U %S %M", *cmd]
    started = time.monotonic()
    done = subprocess.run(cmd, env=fake.env, capture_output=True, text=True)
    wall = time.monotonic() - started
    summary = json.loads(done.stdout) if done.stdout.strip() else {}
    if "counts" not in summary:
        sys.exit(f"bench: zimport gave no summary (exit {done.returncode}):\n{done.stderr}")
    usage = re.search(r"TIME (\S+) (\S+) (\d+)", done.stderr)
    return summary, wall, usage, " ".join(cmd[cmd.index(str(binary)):])


def efficiency(work):
    print("## 1. Efficiency against Zoom's rate ceilings (fake: plan limits, latency 50-150 ms)")
    results = {}
    for plan in ("pro", "business"):
        for mode in ("single", "batch"):
            ceiling = CEILING[(plan, mode)]
            rows = ceiling * SECONDS
            csv_path = work / f"eff-{plan}-{mode}.csv"
            people(csv_path, rows, extra_fields=False)
            with Fake("--plan", plan, "--latency-ms", "50", "--jitter-ms", "100") as fake:
                summary, wall, _, cmd = zimport(fake, csv_path, "--plan", plan, "--mode", mode)
            registered = summary["counts"]["registered"]
            run = summary["run"]
            rate = registered / summary["elapsed_seconds"]
            eff = rate / ceiling
            share_429 = run["rate_limited"] / max(run["requests"], 1)
            results[(plan, mode)] = rate
            print(f"- {plan:8} {mode:6}: {registered} rows in {summary['elapsed_seconds']:.1f} s = "
                  f"{rate:.1f} people/s; ceiling {ceiling}/s; efficiency {eff:.3f}; "
                  f"429s {run['rate_limited']}/{run['requests']} requests ({share_429:.2%})")
            print(f"  `{cmd}`")
    return results


def pacers(work, rounds=3):
    """The hand-made pacer and governor's, side by side: each efficiency run once with each,
    alternating, `rounds` times, so both see the same machine."""
    print(f"## Pacers side by side: src/zoom/pacing.rs vs governor ({rounds} rounds, alternating)")
    binaries = {"hand-made": ZIMPORT, "governor": ZIMPORT_GOVERNOR}
    figures = {}
    for round_ in range(1, rounds + 1):
        for plan in ("pro", "business"):
            for mode in ("single", "batch"):
                ceiling = CEILING[(plan, mode)]
                csv_path = work / f"pacer-{plan}-{mode}.csv"
                if not csv_path.exists():
                    people(csv_path, ceiling * SECONDS, extra_fields=False)
                for name, binary in binaries.items():
                    with Fake("--plan", plan, "--latency-ms", "50", "--jitter-ms", "100") as fake:
                        summary, _, usage, _ = zimport(fake, csv_path, "--plan", plan, "--mode", mode,
                                                      timed=True, binary=binary)
                    run = summary["run"]
                    eff = summary["counts"]["registered"] / summary["elapsed_seconds"] / ceiling
                    cpu = float(usage.group(1)) + float(usage.group(2))
                    figures.setdefault((plan, mode, name), []).append(
                        (eff, run["rate_limited"], run["requests"], cpu))
                    print(f"- round {round_} {plan:8} {mode:6} {name:9}: efficiency {eff:.3f}; "
                          f"429s {run['rate_limited']}/{run['requests']}; CPU {cpu:.2f} s", flush=True)
    print("\n| plan | mode | pacer | efficiency (min-max) | 429s (total) | CPU s (min-max) |")
    print("| --- | --- | --- | --- | --- | --- |")
    for (plan, mode, name), runs in figures.items():
        effs = [r[0] for r in runs]
        cpus = [r[3] for r in runs]
        print(f"| {plan} | {mode} | {name} | {min(effs):.3f}-{max(effs):.3f} | "
              f"{sum(r[1] for r in runs)} of {sum(r[2] for r in runs)} | "
              f"{min(cpus):.2f}-{max(cpus):.2f} |")
    print("  each: `zimport eff.csv --webinar 98765432109 --json -q --fresh --plan PLAN --mode MODE`, "
          "built both ways (bench/run.sh)")


def batch_cpu_pair(work, base, rounds):
    """The overhead part's batch run, this build against `base` (another build's binary),
    alternating `rounds` times on one file, each against a fresh fake: for changes whose gain
    is within the machine's day-to-day noise."""
    rows = 100_000
    print(f"## Batch CPU side by side: this build vs {base} ({rounds} rounds, alternating)")
    csv_path = work / "pair-batch.csv"
    people(csv_path, rows, extra_fields=False)
    figures = {"base": [], "this": []}
    for round_ in range(1, rounds + 1):
        for name, binary in (("base", Path(base)), ("this", ZIMPORT)):
            with Fake("--plan", "unlimited", "--latency-ms", "0", "--jitter-ms", "0") as fake:
                summary, _, usage, _ = zimport(fake, csv_path, "--plan", "business", "--mode", "batch",
                                               timed=True, binary=binary)
            if summary["counts"]["registered"] != rows:
                sys.exit(f"bench: {name}: {summary['counts']['registered']} of {rows} registered")
            user, system = float(usage.group(1)), float(usage.group(2))
            per_row = (user + system) / rows * 1e6
            figures[name].append(per_row)
            print(f"- round {round_} {name}: CPU {user:.2f} s user + {system:.2f} s sys = "
                  f"{per_row:.1f} us/row", flush=True)
    for name, runs in figures.items():
        print(f"- {name}: median {statistics.median(runs):.1f} us/row "
              f"(runs: {', '.join(f'{r:.1f}' for r in runs)})")
    print(f"  each: `/usr/bin/time zimport pair-batch.csv --webinar {WEBINAR} --json -q --fresh "
          f"--plan business --mode batch`")


def overhead(work):
    print("## 2. Overhead (fake: no rate limits, no latency)")
    for rows, mode, plan in ((100_000, "batch", "business"), (4_000, "single", "business")):
        csv_path = work / f"overhead-{mode}.csv"
        people(csv_path, rows, extra_fields=False)
        with Fake("--plan", "unlimited", "--latency-ms", "0", "--jitter-ms", "0") as fake:
            summary, wall, usage, cmd = zimport(fake, csv_path, "--plan", plan, "--mode", mode, timed=True)
        user, system, rss_kb = float(usage.group(1)), float(usage.group(2)), int(usage.group(3))
        per_row = (user + system) / rows * 1e6
        print(f"- {rows} rows, {mode} ({plan} pacing): {summary['counts']['registered']} registered in "
              f"{wall:.1f} s; CPU {user:.2f} s user + {system:.2f} s sys = {per_row:.1f} us/row; "
              f"peak RSS {rss_kb / 1024:.1f} MiB")
        print(f"  `/usr/bin/time -v {cmd}`")
    # The least one paced HTTP request per row can cost here: a bare client at the same pace.
    rows, rate = 4_000, 80
    with Fake("--plan", "unlimited", "--latency-ms", "0", "--jitter-ms", "0") as fake:
        cmd = ["/usr/bin/time", "-f", "TIME %U %S %M", str(HTTP_FLOOR), WEBINAR, str(rows), str(rate)]
        done = subprocess.run(cmd, env=fake.env, capture_output=True, text=True)
    usage = re.search(r"TIME (\S+) (\S+) (\d+)", done.stderr)
    if done.returncode != 0 or not usage:
        sys.exit(f"bench: http_floor failed (exit {done.returncode}):\n{done.stderr}")
    user, system = float(usage.group(1)), float(usage.group(2))
    print(f"- floor: a bare HTTP client, {rows} single adds paced at {rate}/s: CPU {user:.2f} s user + "
          f"{system:.2f} s sys = {(user + system) / rows * 1e6:.1f} us/row ({done.stdout.strip()})")
    print(f"  `/usr/bin/time -v target/release/examples/http_floor {WEBINAR} {rows} {rate}`")


def naive(work, zimport_rates):
    print("## 3. A naive sequential client (Python requests, one row at a time) on the same fake")
    rows = 200
    csv_path = work / "naive.csv"
    people(csv_path, rows, extra_fields=False)
    with Fake("--plan", "pro", "--latency-ms", "50", "--jitter-ms", "100") as fake:
        started = time.monotonic()
        out = subprocess.run([sys.executable, str(NAIVE), str(csv_path), MEETING], env=fake.env,
                             capture_output=True, text=True)
        wall = time.monotonic() - started
    rate = rows / wall
    print(f"- naive: {rows} rows in {wall:.1f} s = {rate:.1f} people/s ({out.stdout.strip()})")
    print(f"  `python3 bench/naive_client.py naive.csv {MEETING}`")
    for key in (("pro", "single"), ("pro", "batch")):
        if key in zimport_rates:
            print(f"- zimport {key[0]} {key[1]}: {zimport_rates[key]:.1f} people/s = "
                  f"{zimport_rates[key] / rate:.1f}x the naive client")


def dry_run(work):
    print("## 4. Dry run of 1,000,000 rows against parse-only (csv crate) floor")
    rows = 1_000_000
    csv_path = work / "million.csv"
    with open(csv_path, "w", encoding="utf-8") as f:
        subprocess.run([sys.executable, str(GEN), str(rows)], stdout=f, check=True)
    # The file just written is still going to disk: wait, so that measurements do not share
    # the disk (or the CPU) with that.
    os.sync()
    floor_cmd = [str(FLOOR), str(csv_path)]
    dry_cmd = [str(ZIMPORT), str(csv_path), "--meeting", MEETING, "--dry-run", "-q", "--fresh",
               "-o", str(work / "million.results.csv")]

    def timed(cmd):
        started = time.monotonic()
        done = subprocess.run(["/usr/bin/time", "-f", "TIME %U %S %M", *cmd],
                              capture_output=True, text=True)
        wall = time.monotonic() - started
        usage = re.search(r"TIME (\S+) (\S+) (\d+)", done.stderr)
        return wall, usage

    # One of each first, to have the file in the page cache; then turn about, so that both
    # meet the same moments of this shared machine.
    timed(floor_cmd)
    timed(dry_cmd)
    floors, drys, usage = [], [], None
    for _ in range(7):
        floors.append(timed(floor_cmd)[0])
        wall, usage = timed(dry_cmd)
        drys.append(wall)
    floor, dry = min(floors), min(drys)
    median = lambda values: sorted(values)[len(values) // 2]
    print(f"- parse-only floor: best {floor:.3f} s, median {median(floors):.3f} s "
          f"({rows / floor / 1e6:.1f} M rows/s)")
    print(f"- dry run: best {dry:.3f} s, median {median(drys):.3f} s ({rows / dry / 1e6:.1f} M rows/s); "
          f"last run CPU {usage.group(1)} s user + {usage.group(2)} s sys, "
          f"peak RSS {int(usage.group(3)) / 1024:.1f} MiB")
    print(f"- ratio: {dry / floor:.2f}x (best of 7 each), {median(drys) / median(floors):.2f}x (medians)")
    print(f"  `target/release/examples/parse_floor million.csv`; "
          f"`zimport million.csv --meeting {MEETING} --dry-run -q --fresh -o million.results.csv`")


def round_trips(log_path):
    """The longest chain of requests in the fake's log in which each started after the one
    before it ended: the round trips a run waited for one after another."""
    requests = sorted((json.loads(line) for line in open(log_path) if line.strip()),
                      key=lambda r: r["started_ms"])
    chain = []
    for i, r in enumerate(requests):
        chain.append(1 + max((chain[j] for j in range(i)
                              if r["started_ms"] >= requests[j]["ended_ms"]), default=0))
    return max(chain, default=0), requests


def start(work):
    """Issue 15: the time before the first registration, seen as a user sees it (the whole
    process, from its start to its exit), against Zoom 100 +- 50 ms away on Pro."""
    print("## 5. The start: whole-process time at 100 +- 50 ms (fake: Pro limits)")
    fake_args = ("--plan", "pro", "--latency-ms", "50", "--jitter-ms", "100")
    # A one-person import: round trips one after another, from the fake's request log.
    csv_path = work / "one.csv"
    people(csv_path, 1, extra_fields=False)
    chains = []
    for i in range(3):
        log_path = work / f"requests-{i}.jsonl"
        with Fake(*fake_args, "--request-log", str(log_path)) as fake:
            _, wall, _, cmd = zimport(fake, csv_path, "--plan", "pro")
        chain, requests = round_trips(log_path)
        chains.append(chain)
        steps = ", ".join(f"{r['method']} {r['path'].rsplit('/', 1)[-1]} "
                          f"{r['started_ms']:.0f}-{r['ended_ms']:.0f} ms" for r in requests)
    print(f"- one person: {statistics.median(chains)} sequential round trips (runs: {chains}); "
          f"last run's log: {steps}")
    print(f"  `{cmd}` (fake: `--request-log FILE`)")
    # Whole-process efficiency: people / ceiling against the process's own wall time.
    for rows, mode, ceiling in ((4_999, "batch", 300), (600, "single", 30)):
        csv_path = work / f"start-{mode}.csv"
        people(csv_path, rows, extra_fields=False)
        effs = []
        for _ in range(3):
            with Fake(*fake_args) as fake:
                summary, wall, _, cmd = zimport(fake, csv_path, "--plan", "pro", "--mode", mode)
            if summary["counts"]["registered"] != rows:
                sys.exit(f"bench: {summary['counts']['registered']} of {rows} registered")
            effs.append(rows / ceiling / wall)
        print(f"- {rows} people, {mode}, Pro: whole-process efficiency median "
              f"{statistics.median(effs):.3f} (runs: {', '.join(f'{e:.3f}' for e in effs)})")
        print(f"  `{cmd}`")
    # 150 new people: zimport against the sequential client, median of 3 each.
    rows = 150
    csv_path = work / "small.csv"
    people(csv_path, rows, extra_fields=False)
    walls = {"naive": [], "single": [], "batch": []}
    for _ in range(3):
        with Fake(*fake_args) as fake:
            started = time.monotonic()
            out = subprocess.run([sys.executable, str(NAIVE), str(csv_path), MEETING],
                                 env=fake.env, capture_output=True, text=True)
            walls["naive"].append(time.monotonic() - started)
            if f"success: {rows}" not in out.stdout:
                sys.exit(f"bench: the naive client: {out.stdout} {out.stderr}")
        for mode in ("single", "batch"):
            with Fake(*fake_args) as fake:
                summary, wall, _, cmd = zimport(fake, csv_path, "--plan", "pro", "--mode", mode)
            if summary["counts"]["registered"] != rows:
                sys.exit(f"bench: {summary['counts']['registered']} of {rows} registered")
            walls[mode].append(wall)
    naive_wall = statistics.median(walls["naive"])
    print(f"- {rows} people, naive sequential client: median {naive_wall:.2f} s "
          f"(runs: {', '.join(f'{w:.2f}' for w in walls['naive'])})")
    for mode in ("single", "batch"):
        wall = statistics.median(walls[mode])
        print(f"- {rows} people, zimport {mode}: median {wall:.2f} s = {naive_wall / wall:.1f}x the "
              f"naive client (runs: {', '.join(f'{w:.2f}' for w in walls[mode])})")
    print(f"  `python3 bench/naive_client.py small.csv {MEETING}`; "
          f"`zimport small.csv --webinar {WEBINAR} --json -q --fresh --plan pro --mode MODE`")


def main():
    parts = sys.argv[1:] or ["efficiency", "overhead", "naive", "dryrun", "start"]
    print(f"zimport benchmark, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, "
          f"{os.cpu_count()} cores\n")
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        rates = {}
        if "efficiency" in parts:
            rates = efficiency(work)
        if "pacers" in parts:
            pacers(work, int(os.environ.get("PACER_ROUNDS", "3")))
        if "overhead" in parts:
            overhead(work)
        if "batch-pair" in parts:
            base = os.environ.get("BASE_ZIMPORT") or sys.exit("bench: set BASE_ZIMPORT to the other binary")
            batch_cpu_pair(work, base, int(os.environ.get("PAIR_ROUNDS", "3")))
        if "naive" in parts:
            naive(work, rates)
        if "dryrun" in parts:
            dry_run(work)
        if "start" in parts:
            start(work)


if __name__ == "__main__":
    main()
