#!/usr/bin/env bash
# Issue 14's farm benchmark: one sweep run by lipfarm (java -jar target/lipfarm.jar run) and by a
# PyTorch script doing the same runs (bench/torch_farm.py), each two runs at a time on 2 cores:
# two-layer ReLU nets with biases, d = 30, uniform sphere data, random labels, full-batch Adam
# (lr 0.01) on the squared loss until max |f(x_i) − y_i| ≤ 0.05, then a Lipschitz lower bound
# with the same budget of gradient evaluations; n ∈ {150, 300, 600, 1200}, k ∈ {15, 30, 60, 120,
# 240} with k ≥ 2n/d, 3 seeds (42 runs). Prints wall time, training and estimation seconds for
# both, and per (n, k) both sides' mean lower bounds.
#
# The sweep is one farm: the grid language keeps only k ≥ 2n/d (where = ["k * d >= 2 * n"]).
# Intermediate snapshots are off (snapshot-every = 0): the PyTorch script estimates the final
# network only.
# Usage: bash bench/farm.sh [--quick]     (--quick: n ∈ {150, 300}, seed 1 only: 9 runs)
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
NS="150 300 600 1200"; KS="15 30 60 120 240"; SEEDS="1 2 3"
if [ "${1:-}" = "--quick" ]; then NS="150 300"; SEEDS="1"; fi
D=30; TOL=0.05; MAX_EPOCHS=20000; BUDGET=20000
ensure_torch
torch_blas_report
load_line
mvn -B -q package -DskipTests
WORK=$(mktemp -d)
[ -n "${KEEP:-}" ] && echo "keeping $WORK" || trap 'rm -rf "$WORK"' EXIT
csv() { echo "$1" | tr ' ' ','; }

# --- lipfarm: one farm, two runs at a time
LIP_START=$(date +%s.%N)
cat > "$WORK/bench.conf" <<CONF
farm {
  name = "bench"
  max-concurrent-runs = 2
  snapshot-every = 0
  snapshot-seconds = 0
  defaults {
    data = "sphere"
    labels = "random"
    d = $D
    depth = 2
    activation = "relu"
    bias = true
    optimizer = "adam"
    learning-rate = 0.01
    max-epochs = $MAX_EPOCHS
    tol = $TOL
    estimator-budget = $BUDGET
  }
  grid {
    n = [$(csv "$NS" | sed 's/,/, /g')]
    k = [$(csv "$KS" | sed 's/,/, /g')]
    seed = [$(csv "$SEEDS" | sed 's/,/, /g')]
  }
  where = ["k * d >= 2 * n"]
}
CONF
java -jar target/lipfarm.jar run "$WORK/bench.conf" --no-progress --output-dir "$WORK/runs" \
  > "$WORK/lipfarm.log" 2>&1 || { tail -20 "$WORK/lipfarm.log" >&2; exit 1; }
LIP_WALL=$("$PY" -c "print($(date +%s.%N) - $LIP_START)")

# --- PyTorch: the same runs, two processes
"$PY" bench/torch_farm.py "$WORK/torch.tsv" "$(csv "$NS")" "$(csv "$KS")" "$(csv "$SEEDS")" \
  "$D" "$TOL" "$MAX_EPOCHS" "$BUDGET" > "$WORK/torch.out"
TORCH_WALL=$(sed -n 's/^torch_wall_s=//p' "$WORK/torch.out")

"$PY" - "$WORK/runs" "$WORK/torch.tsv" "$LIP_WALL" "$TORCH_WALL" "$BUDGET" <<'PY'
import csv, glob, json, os, sys
from collections import defaultdict
from datetime import datetime
runs_dir, torch_tsv, lip_wall, torch_wall = sys.argv[1], sys.argv[2], float(sys.argv[3]), float(sys.argv[4])
budget = int(sys.argv[5])
t = lambda s: datetime.fromisoformat(s.replace("Z", "+00:00")).timestamp()
lip = defaultdict(list); lip_train = lip_low = lip_up = lip_farm = 0.0; lip_runs = 0; lip_fit = 0
for farm in sorted(glob.glob(os.path.join(runs_dir, "*"))):
    started, trained, lowered, finished = {}, {}, {}, {}
    for line in open(os.path.join(farm, "events.ndjson")):
        e = json.loads(line)
        rid, kind = e.get("runId"), e["type"]
        if kind == "RunStarted": started[rid] = t(e["time"])
        elif kind in ("Converged", "DidNotInterpolate", "Diverged"): trained[rid] = t(e["time"])
        elif kind == "LipschitzEstimate" and e["evaluations"] >= budget and rid not in lowered:
            lowered[rid] = t(e["time"])  # the lower bound's evaluation budget is spent
        elif kind == "RunFinished": finished[rid] = t(e["time"])
        elif kind == "FarmFinished": lip_farm += e["elapsedMillis"] / 1000
    for rid in finished:
        if rid in started and rid in trained:
            lip_train += trained[rid] - started[rid]
            low = lowered.get(rid, finished[rid])
            lip_low += max(0.0, low - trained[rid])
            lip_up += finished[rid] - max(low, trained[rid])
    for row in csv.DictReader(open(os.path.join(farm, "results.csv"))):
        lip[(int(row["n"]), int(row["k"]))].append(float(row["lip_lower_certified"]))
        lip_runs += 1; lip_fit += row["fitted"] == "true"
lip_est = lip_low + lip_up
tor = defaultdict(list); tor_train = tor_est = 0.0; tor_runs = 0; tor_fit = 0
for line in open(torch_tsv):
    n, k, seed, epochs, fitted, tr, es, lower, evals = line.split("\t")
    tor[(int(n), int(k))].append(float(lower)); tor_train += float(tr); tor_est += float(es)
    tor_runs += 1; tor_fit += fitted == "True"
print()
print(f"{'':10} {'runs':>5} {'fitted':>6} {'wall s':>8} {'train s':>8} {'estimate s':>10}")
print(f"{'lipfarm':10} {lip_runs:5d} {lip_fit:6d} {lip_wall:8.2f} {lip_train:8.2f} {lip_est:10.2f}")
print(f"{'PyTorch':10} {tor_runs:5d} {tor_fit:6d} {torch_wall:8.2f} {tor_train:8.2f} {tor_est:10.2f}")
print(f"wall-time speed-up (PyTorch / lipfarm): {torch_wall / lip_wall:.2f}x")
print("train/estimate seconds are summed over runs (two at a time, so about twice the wall time they take).")
print(f"lipfarm profile: farms' own elapsed time {lip_farm:.2f} s of {lip_wall:.2f} s wall (the rest: JVM start-up,"
      f" journal set-up, report and plot writing); estimation = {lip_low:.2f} s until the lower bound's"
      f" {budget} gradient evaluations are spent + {lip_up:.2f} s refining the certified upper bounds"
      " (LipSDP, ...), which the PyTorch script does not compute")
print()
print(f"{'n':>5} {'k':>4} {'lipfarm lower':>14} {'PyTorch lower':>14} {'ratio':>7}")
ratios = []
for key in sorted(set(lip) | set(tor)):
    a = sum(lip[key]) / len(lip[key]) if lip[key] else float("nan")
    b = sum(tor[key]) / len(tor[key]) if tor[key] else float("nan")
    ratios.append(a / b)
    print(f"{key[0]:5d} {key[1]:4d} {a:14.4f} {b:14.4f} {a / b:7.3f}")
print(f"mean ratio of lower bounds (lipfarm / PyTorch): {sum(ratios) / len(ratios):.3f}")
PY
