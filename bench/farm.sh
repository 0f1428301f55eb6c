#!/usr/bin/env bash
# Issue 14's farm benchmark: one sweep run by lipfarm (java -jar target/lipfarm.jar run) and by a
# PyTorch script doing the same runs (bench/torch_farm.py), each two runs at a time on 2 cores:
# two-layer ReLU nets with biases, d = 30, uniform sphere data, random labels, full-batch Adam
# (lr 0.01) on the squared loss until max |f(x_i) − y_i| ≤ 0.05, then a Lipschitz lower bound
# with the same budget of gradient evaluations; n ∈ {150, 300, 600, 1200}, k ∈ {15, 30, 60, 120,
# 240} with k ≥ 2n/d, 3 seeds (42 runs). Prints wall time, training and estimation seconds for
# both, and per (n, k) both sides' mean lower bounds, for each repetition and (--repeat N) their
# medians: each repetition runs lipfarm, then PyTorch, so both sides of one ratio share the load.
#
# Same work on both sides: the farm uses estimator = "lower" (a certified lower bound from
# gradient norms at data, sphere points and chords plus ascent, with the closed-form upper bounds
# only); the default "full" estimator also refines upper bounds (LipSDP, branch and bound, ...),
# which the PyTorch script does not compute.
#
# The sweep is one farm: the grid language keeps only k ≥ 2n/d (where = ["k * d >= 2 * n"]).
# Intermediate snapshots are off (snapshot-every = 0): the PyTorch script estimates the final
# network only.
# Usage: bash bench/farm.sh [--quick] [--repeat N] [--n "N1 N2 ..."] [--k "K1 K2 ..."]
#   --quick: n ∈ {150, 300}, seed 1 (9 runs); --n, --k: another grid of the same runs (for example
#   larger nets, where the runs' compute outweighs the start-up; docs/training.md)
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
NS="150 300 600 1200"; KS="15 30 60 120 240"; SEEDS="1 2 3"; REPEAT=1
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) NS="150 300"; SEEDS="1" ;;
    --repeat) REPEAT="$2"; shift ;;
    --n | --k)
      # The grid goes into a farm file: whole numbers only, or the usage and exit 2.
      if [ $# -lt 2 ] || ! [[ "$2" =~ ^[0-9]+( [0-9]+)*$ ]]; then
        echo "bench/farm.sh: $1 takes a list of whole numbers, for example $1 \"1200 2400\"" >&2
        exit 2
      fi
      if [ "$1" = --n ]; then NS="$2"; else KS="$2"; fi
      shift ;;
    *) echo "usage: bash bench/farm.sh [--quick] [--repeat N] [--n \"N1 N2 ...\"] [--k \"K1 K2 ...\"]" >&2; exit 2 ;;
  esac
  shift
done
D=30; TOL=0.05; MAX_EPOCHS=20000; BUDGET=20000
ensure_torch
torch_blas_report
load_line
mvn -B -q package -DskipTests
WORK=$(mktemp -d)
[ -n "${KEEP:-}" ] && echo "keeping $WORK" || trap 'rm -rf "$WORK"' EXIT
csv() { echo "$1" | tr ' ' ','; }

# One farm file for every repetition (a fresh output directory each time).
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
    estimator = "lower"
  }
  grid {
    n = [$(csv "$NS" | sed 's/,/, /g')]
    k = [$(csv "$KS" | sed 's/,/, /g')]
    seed = [$(csv "$SEEDS" | sed 's/,/, /g')]
  }
  where = ["k * d >= 2 * n"]
}
CONF
now() { date +%s.%N; }
REPS=()
for rep in $(seq 1 "$REPEAT"); do
  R="$WORK/rep$rep"; mkdir -p "$R"; REPS+=("$R")
  # lipfarm: one farm, two runs at a time
  t0=$(now)
  java -jar target/lipfarm.jar run "$WORK/bench.conf" --no-progress --output-dir "$R/runs" \
    > "$R/lipfarm.log" 2>&1 || { tail -20 "$R/lipfarm.log" >&2; exit 1; }
  lip_wall=$("$PY" -c "print($(now) - $t0)")
  # PyTorch: the same runs, two processes; timed like lipfarm, from process start (import torch
  # included, as the JVM's start-up is on lipfarm's side) to exit
  t0=$(now)
  "$PY" bench/torch_farm.py "$R/torch.tsv" "$(csv "$NS")" "$(csv "$KS")" "$(csv "$SEEDS")" \
    "$D" "$TOL" "$MAX_EPOCHS" "$BUDGET" > "$R/torch.out"
  torch_wall=$("$PY" -c "print($(now) - $t0)")
  echo "$lip_wall $torch_wall $(sed -n 's/^torch_wall_s=//p' "$R/torch.out")" > "$R/walls.txt"
  echo "repetition $rep: lipfarm $lip_wall s, PyTorch $torch_wall s; $(load_line)"
done
"$PY" bench/farm_summary.py "${REPS[@]}"
echo "train/estimate seconds are summed over runs (two at a time, so about twice the wall time they take)."
