#!/usr/bin/env python3
"""Resident memory of the soak's services: sampled often, judged by its average over time.

    memory.py sample START PID...               every 0.2 s until a PID exits: the seconds since
                                                START (a Unix time) and each PID's RSS in KiB
    memory.py trend SAMPLES COLUMN FROM TO      key=value: the trend of one column (2 = the first
                                                PID) over the samples FROM ≤ t ≤ TO seconds
    memory.py --self-test                       checks trend on made-up series

Why not one reading every few seconds: the monitor allocates and frees 15 to 25 MB for every 1 s
window under a random-source flood (the kernel's per-source and pair tables read into dictionaries,
then the window's features), so its RSS steps between, say, 73 and 97 MB within each second. A
reading every 5 s lands at a different point of that cycle each time, and the beat between the two
periods turns the cycle into waves minutes long that tilt a least-squares line through single
readings by more than the leak it is meant to find. Sampled every 0.2 s, each 30 s bucket sees
every phase of the cycle many times, and its mean (the time-averaged RSS) moves by a few tenths of
a MB from one bucket to the next unless memory really grows; a leak raises it by the leak, whether
it stays allocated between windows or grows each window's work. trend prints the least-squares
slope of the bucket means in MB/min, and by minute the mean, the lowest and the highest reading.
"""
import math
import random
import sys
import time

BUCKET_SECONDS = 30


def sample(start, pids):
    def rss_kib(pid):
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return line.split()[1]
        raise ProcessLookupError(pid)

    while True:
        try:
            values = [rss_kib(pid) for pid in pids]
        except (OSError, ProcessLookupError):
            return 0  # a service exited: the soak is ending
        print(f"{time.time() - start:.2f}", *values, flush=True)
        time.sleep(0.2)


def least_squares(points):
    n = len(points)
    if n < 2:
        return 0.0
    mean_x = sum(x for x, _ in points) / n
    mean_y = sum(y for _, y in points) / n
    sxx = sum((x - mean_x) ** 2 for x, _ in points)
    return sum((x - mean_x) * (y - mean_y) for x, y in points) / sxx if sxx else 0.0


def buckets(points, start, end, seconds):
    """(middle in minutes, mean, lowest, highest) of each full bucket of `seconds` from start to end."""
    out = []
    edge = start
    while edge + seconds <= end + 1e-9:
        values = [y for t, y in points if edge <= t < edge + seconds]
        if values:
            out.append(((edge + seconds / 2) / 60, sum(values) / len(values), min(values), max(values)))
        edge += seconds
    return out


def trend(points, start, end):
    """The slope (MB/min) of the 30 s means after `start`, the first and last of them, and the
    mean, lowest and highest reading of each minute up to `end`."""
    after = buckets(points, start, end, BUCKET_SECONDS)
    minutes = buckets(points, 0, end, 60)
    return {
        "slope_mb_per_min": least_squares([(m, mean) for m, mean, _, _ in after]),
        "after_warmup_mb": after[0][1] if after else math.nan,
        "end_mb": after[-1][1] if after else math.nan,
        "mean_by_minute_mb": ",".join(f"{mean:.1f}" for _, mean, _, _ in minutes),
        "low_by_minute_mb": ",".join(f"{low:.1f}" for _, _, low, _ in minutes),
        "high_by_minute_mb": ",".join(f"{high:.1f}" for _, _, _, high in minutes),
        "samples": sum(1 for t, _ in points if start <= t <= end),
    }


def format_trend(result):
    return " ".join(f"{k}={v:.3f}" if isinstance(v, float) else f"{k}={v}" for k, v in result.items())


def self_test():
    """A flat service that steps through 3 MB levels within every second, spending a different
    share of each minute on each, passes a 0.5 MB/min limit; the same cycle over a 0.7 MB/min leak
    fails, and so does per-window work that grows by 2.1 MB/min while a third of each second is
    spent doing it."""
    rng = random.Random(7)
    times = [i * 0.213 for i in range(int(600 / 0.213))]  # 10 minutes, not a multiple of 1 s

    def cycle(t):  # 84 MB between windows, 90 to 99 while one is read and sent
        share = 0.6 + 0.1 * math.sin(t / 40)  # the time between windows drifts minute to minute
        return 84.0 if (t % 1.0) < share else rng.choice([90.0, 93.0, 93.0, 96.0, 99.0])

    flat = [(t, cycle(t)) for t in times]
    leak = [(t, cycle(t) + 0.7 * t / 60) for t in times]
    growing = [(t, 84 + (15 + 2.1 * t / 60 if t % 1.0 > 0.66 else 0)) for t in times]
    checks = [
        ("flat with a per-window cycle", flat, lambda r: abs(r["slope_mb_per_min"]) < 0.25),
        ("0.7 MB/min leak under the cycle", leak, lambda r: r["slope_mb_per_min"] > 0.5),
        ("per-window work growing", growing, lambda r: r["slope_mb_per_min"] > 0.5),
    ]
    failed = False
    for name, series, holds in checks:
        result = trend(series, 120, 600)
        ok = holds(result)
        failed |= not ok
        print(f"memory self-test: {name}: slope={result['slope_mb_per_min']:.3f} MB/min {'ok' if ok else 'WRONG'}")
    return 1 if failed else 0


def main(argv):
    if argv[1:] == ["--self-test"]:
        return self_test()
    if len(argv) >= 4 and argv[1] == "sample":
        return sample(float(argv[2]), argv[3:])
    if len(argv) == 6 and argv[1] == "trend":
        path, column, start, end = argv[2], int(argv[3]), float(argv[4]), float(argv[5])
        points = []
        with open(path) as samples:
            for line in samples:
                fields = line.split()
                if len(fields) >= column:  # the last line may be cut short
                    points.append((float(fields[0]), float(fields[column - 1]) / 1024))
        print(format_trend(trend(points, start, end)))
        return 0
    print("\n".join(__doc__.strip().splitlines()[2:7]), file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
