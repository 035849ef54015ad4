#!/usr/bin/env python3
"""The 1M-row dry run of several zimport binaries, taken in turns (a new random order each
round, so that all meet the same moments of this shared machine), and each one's wall time:
least, lower quartile and median, in milliseconds. Each binary replaces its own results file
of the round before, as a re-run does.

Usage: bench/alternate.py ROUNDS INPUT.csv BINARY...
"""
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time


def main():
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    rounds, source, binaries = int(sys.argv[1]), sys.argv[2], sys.argv[3:]
    out = tempfile.mkdtemp()

    def run(index, binary):
        results = os.path.join(out, f"{index}.results.csv")
        started = time.perf_counter()
        subprocess.run([binary, source, "--meeting", "83927864687", "--dry-run", "-q",
                        "--fresh", "-o", results],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        return (time.perf_counter() - started) * 1000

    for index, binary in enumerate(binaries):
        run(index, binary)
    times = {index: [] for index in range(len(binaries))}
    for _ in range(rounds):
        order = list(range(len(binaries)))
        random.shuffle(order)
        for index in order:
            times[index].append(run(index, binaries[index]))
    for index, binary in enumerate(binaries):
        t = sorted(times[index])
        quartile = statistics.quantiles(t, n=4)[0] if len(t) > 1 else t[0]
        print(f"{binary}: least {t[0]:.1f}  lower quartile {quartile:.1f}  "
              f"median {statistics.median(t):.1f} ms ({rounds} runs)")


if __name__ == "__main__":
    main()
