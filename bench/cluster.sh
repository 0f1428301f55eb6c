#!/usr/bin/env bash
# Issue 16's cluster benchmark: one farm run by `lipfarm run` (one compute thread), by one
# `lipfarm node` (one slot) and by two `lipfarm node` processes on this machine (one slot each),
# all on a private PostgreSQL journal (.ci/with-postgres). Each farm's time is its coordinator's
# (FarmFinished.elapsedMillis: first run started to last result durable), so JVM start-up is left
# out. Prints each one's time and throughput (runs per minute), the two-node speed-up, and the
# cluster's overhead per run: the one-node cluster's farm time minus `lipfarm run`'s, per run
# (sharding, placement by free slots, the messages run entity -> stand-in -> journal, and the
# projections), with the events per run that each cross those hops. Each farm is the first of its
# JVMs (every side pays ND4J's start-up once). On a machine shared with other jobs the numbers are noisy.
# Usage: bash bench/cluster.sh [--quick]      (--quick: 4 runs instead of 12)
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -z "${LIPFARM_TEST_PG_URL:-}" ]; then
  exec bash .ci/with-postgres bash "$0" "$@"
fi
source bench/lib.sh
SEEDS="1, 2, 3"
[ "${1:-}" = "--quick" ] && SEEDS="1"
load_line
mvn -B -q package -DskipTests
WORK=$(mktemp -d)
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null || true; done; rm -rf "$WORK"; }
trap cleanup EXIT
export LIPFARM_JOURNAL_URL="$LIPFARM_TEST_PG_URL" LIPFARM_JOURNAL_USER="$LIPFARM_TEST_PG_USER" \
  LIPFARM_JOURNAL_PASSWORD="$LIPFARM_TEST_PG_PASSWORD" OMP_NUM_THREADS=1
farm() { # $1: name, $2: max-concurrent-runs
  cat <<CONF
farm {
  name = "$1"
  max-concurrent-runs = $2
  checkpoint-every = 500
  defaults { d = 10, n = 40, max-epochs = ${EPOCHS:-8000}, tol = 1e-9, estimator-budget = 4000 }
  grid { k = [2, 3, 4, 5], seed = [$SEEDS] }
}
CONF
}
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
now() { date +%s.%N; }

# The farm's own time (s) from its events.ndjson: FarmFinished.elapsedMillis.
farm_seconds() {
  python3 -c 'import json,sys
for l in open(sys.argv[1]):
    e = json.loads(l)
    if e["type"] == "FarmFinished": print(e["elapsedMillis"] / 1000)' "$1" | tail -1
}

# --- lipfarm run: one process, one compute thread, the same journal
farm single 1 | sed 's/^farm {/farm {\n  journal = postgres/' > "$WORK/single.conf"
java -jar target/lipfarm.jar run --no-progress --output-dir "$WORK/run" "$WORK/single.conf" > "$WORK/run.log" 2>&1
T_RUN=$(farm_seconds "$WORK/run/single/events.ndjson")
RUNS=$(grep -c '"type":"RunFinished"' "$WORK/run/single/events.ndjson")
EVENTS=$(wc -l < "$WORK/run/single/events.ndjson")

# --- n node processes (one slot each), a farm submitted to the first; wall time to its end
cluster() { # $1: number of nodes; writes the wall time to $WORK/t$1
  local n=$1 seeds="" ports=() http=() i
  for i in $(seq 1 "$n"); do ports+=("$(free_port)"); http+=("$(free_port)"); done
  seeds=$(printf '127.0.0.1:%s,' "${ports[@]}"); seeds=${seeds%,}
  for i in $(seq 0 $((n - 1))); do
    java -jar target/lipfarm.jar node --cluster-port "${ports[$i]}" --seed-nodes "$seeds" \
      --slots 1 --port "${http[$i]}" --output-dir "$WORK/cluster$n" > "$WORK/node$n-$i.log" 2>&1 &
    PIDS+=($!)
  done
  for i in $(seq 0 $((n - 1))); do
    until grep -q "listening on" "$WORK/node$n-$i.log"; do sleep 0.2; done
  done
  sleep 3 # membership settles: every node up and known to the others' placers
  local base="http://127.0.0.1:${http[0]}" id state name
  farm "nodes$n" "$n" > "$WORK/nodes$n.conf"
  for name in "nodes$n"; do
    id=$(curl -sf --data-binary @"$WORK/$name.conf" "$base/farms" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
    state=""
    until [ "$state" = "finished" ]; do
      sleep 0.2
      state=$(curl -sf "$base/farms/$id" | python3 -c 'import json,sys; print(json.load(sys.stdin)["state"])')
    done
  done
  until [ -n "$(farm_seconds "$WORK/cluster$n/nodes$n/$id/events.ndjson" 2>/dev/null)" ]; do sleep 0.2; done
  farm_seconds "$WORK/cluster$n/nodes$n/$id/events.ndjson" > "$WORK/t$n"
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  PIDS=()
}
cluster 1; T_ONE=$(cat "$WORK/t1")
cluster 2; T_TWO=$(cat "$WORK/t2")

rate() { echo "scale=2; 60 * $RUNS / $1" | bc -l; }
printf '%-34s %8s %10s\n' "" "farm s" "runs/min"
printf '%-34s %8.1f %10s\n' "lipfarm run (1 thread)" "$T_RUN" "$(rate "$T_RUN")"
printf '%-34s %8.1f %10s\n' "lipfarm node x1 (1 slot)" "$T_ONE" "$(rate "$T_ONE")"
printf '%-34s %8.1f %10s\n' "lipfarm node x2 (1 slot each)" "$T_TWO" "$(rate "$T_TWO")"
echo "runs: $RUNS; events per run: $(echo "scale=1; $EVENTS / $RUNS" | bc -l) (each crosses run entity -> stand-in -> journal, and every node's projection)"
echo "two-node speed-up over one node: $(echo "scale=2; $T_ONE / $T_TWO" | bc -l)x (2 cores shared with the JVMs' own threads and other jobs)"
echo "cluster overhead per run (node x1 - run): $(echo "scale=3; ($T_ONE - $T_RUN) / $RUNS" | bc -l) s"
cat <<'NOTE'
What limits N nodes: every event is one journal INSERT read back by every node's projection (and
by each hosted farm's own), and crosses two more hops than on one machine; the placement state
grows by one entry per configuration; see docs/cluster.md, "What limits N".
NOTE
