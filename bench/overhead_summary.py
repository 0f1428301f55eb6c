"""Per-run overhead of lipfarm farms from their persisted events (see bench/overhead.sh).

For each farm directory: compute = Σ (train_seconds + estimate_seconds) over its runs (results.csv,
from each RunResult); in-run overhead = Σ (RunFinished − RunStarted) − compute; scheduling gaps =
Σ over runs of (RunStarted − the latest RunFinished before it that freed a slot, when a slot had
been free; the first runs count from FarmStarted). Prints per farm and, for several repetitions of
the same farm, the medians.

Usage: overhead_summary.py FARM_DIR...
"""
import csv
import json
import os
import statistics
import sys
from collections import defaultdict
from datetime import datetime


def ts(s):
    return datetime.fromisoformat(s.replace("Z", "+00:00")).timestamp()


def farm_overhead(farm):
    compute = {}
    for row in csv.DictReader(open(os.path.join(farm, "results.csv"))):
        compute[row["run_id"]] = float(row["train_seconds"]) + float(row["estimate_seconds"])
    started, finished = {}, {}
    farm_start = farm_end = None
    slots = 0
    for line in open(os.path.join(farm, "events.ndjson")):
        e = json.loads(line)
        kind = e["type"]
        if kind == "FarmStarted":
            farm_start = ts(e["time"])
            slots = e.get("maxConcurrentRuns", 2)
        elif kind == "RunStarted":
            started[e["runId"]] = ts(e["time"])
        elif kind == "RunFinished":
            finished[e["runId"]] = ts(e["time"])
        elif kind == "FarmFinished":
            farm_end = ts(e["time"])
    runs = [r for r in finished if r in started and r in compute]
    in_run = sum(finished[r] - started[r] for r in runs) - sum(compute[r] for r in runs)
    # Slots become free at FarmStarted (all of them) and at each RunFinished; each RunStarted takes
    # the earliest free slot: its gap is the time that slot stayed free.
    # A run may start before the result that freed its slot is persisted (the coordinator starts
    # the next run when a run ends, not when its RunFinished is committed): such a start has no gap
    # and takes the slot of the next RunFinished.
    free = [farm_start] * slots
    owed = 0
    gaps = 0.0
    for when, kind, rid in sorted(
            [(started[r], 1, r) for r in runs] + [(finished[r], 0, r) for r in runs]):
        if kind == 0:
            if owed > 0:
                owed -= 1
            else:
                free.append(when)
        elif free:
            free.sort()
            gaps += when - free.pop(0)
        else:
            owed += 1
    total_compute = sum(compute[r] for r in runs)
    return {
        "farm": os.path.basename(farm),
        "runs": len(runs),
        "compute": total_compute,
        "in_run": in_run,
        "gaps": gaps,
        "elapsed": farm_end - farm_start,
        "slots": slots,
    }


def show(o, title):
    n = o["runs"]
    share = lambda v: f"{100 * v / o['compute']:.2f}%" if o["compute"] > 0 else "n/a"
    print(f"\n{title}: {n} runs, {o['slots']} at a time, farm elapsed {o['elapsed']:.2f} s")
    print(f"  compute (train + estimate, summed)      {o['compute']:9.3f} s  {o['compute'] / n * 1000:8.2f} ms/run")
    print(f"  in-run overhead (summed)                {o['in_run']:9.3f} s  {o['in_run'] / n * 1000:8.2f} ms/run"
          f"  {share(o['in_run'])} of compute")
    print(f"  scheduling gaps (slot free -> start)    {o['gaps']:9.3f} s  {o['gaps'] / n * 1000:8.2f} ms/run"
          f"  {share(o['gaps'])} of compute")
    total = o["in_run"] + o["gaps"]
    print(f"  overhead per run                                   {total / n * 1000:8.2f} ms/run"
          f"  {share(total)} of compute (target < 2%)")
    # Event times are stamped when the farm's journal takes the event, after the events queued
    # before it are committed, so the split above leans on the journal's latency. The slots' idle
    # time does not: slots x farm elapsed - compute, which also counts the start and the end,
    # when fewer runs than slots remain (an upper bound on the overhead).
    idle = o["slots"] * o["elapsed"] - o["compute"]
    print(f"  idle slot time (slots x elapsed - compute) {idle:9.3f} s  {idle / n * 1000:8.2f} ms/run"
          f"  {share(idle)} of compute (upper bound: includes start and tail)")


def main():
    by_farm = defaultdict(list)
    for d in sys.argv[1:]:
        o = farm_overhead(d)
        by_farm[o["farm"]].append(o)
        show(o, o["farm"])
    for name, os_ in by_farm.items():
        if len(os_) > 1:
            med = {k: statistics.median(o[k] for o in os_) for k in ("compute", "in_run", "gaps", "elapsed")}
            med.update(farm=name, runs=os_[0]["runs"], slots=os_[0]["slots"])
            show(med, f"{name}: median of {len(os_)} repetitions")


if __name__ == "__main__":
    main()
