"""Summarises bench/farm.sh repetitions: one directory per repetition, each holding lipfarm's farm
directory (runs/<farm>/results.csv, events.ndjson), PyTorch's torch.tsv and walls.txt
("lipfarm_wall torch_wall torch_wall_after_import"). Prints each repetition's table, then (with more than one) the medians
and the median of the per-repetition ratios: both sides of one repetition ran under the same load.

Usage: farm_summary.py REP_DIR...
"""
import csv
import glob
import json
import os
import statistics
import sys
from collections import defaultdict


def lipfarm_side(rep):
    out = {"lower": defaultdict(list), "train": 0.0, "estimate": 0.0, "runs": 0, "fitted": 0,
           "farm": 0.0}
    for farm in sorted(glob.glob(os.path.join(rep, "runs", "*"))):
        for row in csv.DictReader(open(os.path.join(farm, "results.csv"))):
            out["lower"][(int(row["n"]), int(row["k"]))].append(float(row["lip_lower_certified"]))
            out["train"] += float(row["train_seconds"])
            out["estimate"] += float(row["estimate_seconds"])
            out["runs"] += 1
            out["fitted"] += row["fitted"] == "true"
        for line in open(os.path.join(farm, "events.ndjson")):
            e = json.loads(line)
            if e["type"] == "FarmFinished":
                out["farm"] += e["elapsedMillis"] / 1000
    return out


def torch_side(rep):
    out = {"lower": defaultdict(list), "train": 0.0, "estimate": 0.0, "runs": 0, "fitted": 0}
    for line in open(os.path.join(rep, "torch.tsv")):
        n, k, seed, epochs, fitted, tr, es, lower, evals = line.split("\t")
        out["lower"][(int(n), int(k))].append(float(lower))
        out["train"] += float(tr)
        out["estimate"] += float(es)
        out["runs"] += 1
        out["fitted"] += fitted == "True"
    return out


def mean(v):
    return sum(v) / len(v) if v else float("nan")


def summarise(rep):
    lip, tor = lipfarm_side(rep), torch_side(rep)
    walls = [float(v) for v in open(os.path.join(rep, "walls.txt")).read().split()]
    lip["wall"], tor["wall"], tor["after_import"] = walls
    keys = sorted(set(lip["lower"]) | set(tor["lower"]))
    rows = {key: (mean(lip["lower"][key]), mean(tor["lower"][key])) for key in keys}
    ratios = [a / b for a, b in rows.values()]
    return {"lip": lip, "torch": tor, "rows": rows, "speedup": tor["wall"] / lip["wall"],
            "lower_ratio": mean(ratios)}


def table(title, lip, tor, speedup, rows, lower_ratio):
    print(f"\n{title}")
    print(f"{'':10} {'runs':>5} {'fitted':>6} {'wall s':>8} {'train s':>8} {'estimate s':>10}")
    for name, s in (("lipfarm", lip), ("PyTorch", tor)):
        print(f"{name:10} {s['runs']:5d} {s['fitted']:6d} {s['wall']:8.2f} {s['train']:8.2f}"
              f" {s['estimate']:10.2f}")
    print(f"wall-time speed-up (PyTorch / lipfarm): {speedup:.2f}x")
    if "after_import" in tor:
        print(f"PyTorch: {tor['after_import']:.2f} s of its {tor['wall']:.2f} s wall after 'import torch'")
    if "farm" in lip:
        print(f"lipfarm: farm's own elapsed time {lip['farm']:.2f} s of {lip['wall']:.2f} s wall"
              " (the rest: JVM start-up, journal set-up, report writing)")
    print(f"{'n':>5} {'k':>4} {'lipfarm lower':>14} {'PyTorch lower':>14} {'ratio':>7}")
    for (n, k), (a, b) in rows.items():
        print(f"{n:5d} {k:4d} {a:14.4f} {b:14.4f} {a / b:7.3f}")
    print(f"mean ratio of lower bounds (lipfarm / PyTorch): {lower_ratio:.3f}")


def main():
    reps = [summarise(r) for r in sys.argv[1:]]
    for i, r in enumerate(reps, 1):
        table(f"repetition {i} of {len(reps)}", r["lip"], r["torch"], r["speedup"], r["rows"],
              r["lower_ratio"])
    if len(reps) < 2:
        return
    med = statistics.median

    def side(name):
        s = {key: med(r[name][key] for r in reps) for key in ("wall", "train", "estimate")}
        s.update(runs=reps[0][name]["runs"], fitted=reps[0][name]["fitted"])
        if name == "lip":
            s["farm"] = med(r["lip"]["farm"] for r in reps)
        else:
            s["after_import"] = med(r["torch"]["after_import"] for r in reps)
        return s

    rows = {key: (med(r["rows"][key][0] for r in reps), med(r["rows"][key][1] for r in reps))
            for key in reps[0]["rows"]}
    table(f"median of {len(reps)} repetitions (speed-up and lower-bound ratio: median of the"
          " per-repetition ratios)", side("lip"), side("torch"),
          med(r["speedup"] for r in reps), rows, med(r["lower_ratio"] for r in reps))
    print("per-repetition speed-ups: " + ", ".join(f"{r['speedup']:.2f}x" for r in reps))


if __name__ == "__main__":
    main()
