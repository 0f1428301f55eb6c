#!/usr/bin/env bash
# Issue 14's per-run overhead: how much of a farm's time is not training or estimation (actors,
# events, journal writes, result building, network files, metrics, scheduling), from the farm's
# own persisted events. Two farms, two runs at a time:
#   1. the bench/farm.sh runs with n ∈ {150, 300} (27 runs, estimator = "lower"): overhead as a
#      share of compute;
#   2. 40 trivially small runs (n = 10, k = 2, one epoch, 10 gradient evaluations): almost no
#      compute, so the per-run fixed cost shows alone.
# Per run: in-run overhead = (RunFinished − RunStarted) − (train_seconds + estimate_seconds of its
# RunResult), and the scheduling gap = from a slot's previous RunFinished to this RunStarted.
# Target: overhead below 2% of compute. The JVM's start-up and the final reports are outside the
# farm's runs; bench/farm.sh measures them (its wall time against the farm's own elapsed time).
# Usage: bash bench/overhead.sh [--repeat N]   (median over N repetitions of each farm)
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
REPEAT=1
[ "${1:-}" = "--repeat" ] && REPEAT="$2"
load_line
mvn -B -q package -DskipTests
WORK=$(mktemp -d)
[ -n "${KEEP:-}" ] && echo "keeping $WORK" || trap 'rm -rf "$WORK"' EXIT

cat > "$WORK/sweep.conf" <<CONF
farm {
  name = "sweep"
  max-concurrent-runs = 2
  snapshot-every = 0
  snapshot-seconds = 0
  defaults {
    d = 30, activation = "relu", bias = true, optimizer = "adam", learning-rate = 0.01,
    max-epochs = 20000, tol = 0.05, estimator-budget = 20000, estimator = "lower"
  }
  grid { n = [150, 300], k = [15, 30, 60, 120, 240], seed = [1, 2, 3] }
  where = ["k * d >= 2 * n"]
}
CONF
cat > "$WORK/tiny.conf" <<CONF
farm {
  name = "tiny"
  max-concurrent-runs = 2
  snapshot-every = 0
  snapshot-seconds = 0
  defaults { n = 10, d = 5, k = 2, max-epochs = 1, estimator-budget = 10, estimator = "lower" }
  grid { seed = { range = [1, 40], points = 40 } }
}
CONF
DIRS=()
for rep in $(seq 1 "$REPEAT"); do
  for farm in sweep tiny; do
    out="$WORK/rep$rep"
    java -jar target/lipfarm.jar run "$WORK/$farm.conf" --no-progress --output-dir "$out" \
      > "$WORK/$farm-$rep.log" 2>&1 || { tail -20 "$WORK/$farm-$rep.log" >&2; exit 1; }
    DIRS+=("$out/$farm")
  done
  echo "repetition $rep done; $(load_line)"
done
"$PY" bench/overhead_summary.py "${DIRS[@]}"
