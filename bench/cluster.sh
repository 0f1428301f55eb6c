#!/usr/bin/env bash
# Issue 16's cluster benchmark: one farm run by `lipfarm run` (one compute thread), by one
# `lipfarm node` (one slot) and by two `lipfarm node` processes on this machine (one slot each),
# all on a private PostgreSQL journal (.ci/with-postgres). Prints each one's wall time and farm
# throughput (runs per minute), the two-node speed-up, and the cluster's overhead per run: the
# one-node cluster's wall time minus `lipfarm run`'s, per run (sharding, placement, the messages
# run entity -> stand-in -> journal, the PostgreSQL journal and the projections), with the events
# per run that each cross those hops.
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
[ -f target/lipfarm.jar ] || mvn -B -q package -DskipTests
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
  defaults { d = 10, n = 60, max-epochs = 3000, tol = 1e-9, estimator-budget = 4000 }
  grid { k = [8, 16, 32, 64], seed = [$SEEDS] }
}
CONF
}
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
now() { date +%s.%N; }

# --- lipfarm run: one process, one compute thread, the same journal
farm single 1 | sed 's/^farm {/farm {\n  journal = postgres/' > "$WORK/single.conf"
T0=$(now)
java -jar target/lipfarm.jar run --no-progress --output-dir "$WORK/run" "$WORK/single.conf" > "$WORK/run.log" 2>&1
T_RUN=$(echo "$(now) - $T0" | bc -l)
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
  local base="http://127.0.0.1:${http[0]}" id t0 state=""
  farm "nodes$n" "$n" > "$WORK/nodes$n.conf"
  t0=$(now)
  id=$(curl -sf --data-binary @"$WORK/nodes$n.conf" "$base/farms" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
  until [ "$state" = "finished" ]; do
    sleep 0.2
    state=$(curl -sf "$base/farms/$id" | python3 -c 'import json,sys; print(json.load(sys.stdin)["state"])')
  done
  echo "$(now) - $t0" | bc -l > "$WORK/t$n"
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  PIDS=()
}
cluster 1; T_ONE=$(cat "$WORK/t1")
cluster 2; T_TWO=$(cat "$WORK/t2")

rate() { echo "scale=2; 60 * $RUNS / $1" | bc -l; }
printf '%-34s %8s %10s\n' "" "wall s" "runs/min"
printf '%-34s %8.1f %10s\n' "lipfarm run (1 thread)" "$T_RUN" "$(rate "$T_RUN")"
printf '%-34s %8.1f %10s\n' "lipfarm node x1 (1 slot)" "$T_ONE" "$(rate "$T_ONE")"
printf '%-34s %8.1f %10s\n' "lipfarm node x2 (1 slot each)" "$T_TWO" "$(rate "$T_TWO")"
echo "runs: $RUNS; events per run: $(echo "scale=1; $EVENTS / $RUNS" | bc -l) (each crosses run entity -> stand-in -> journal, and every node's projection)"
echo "two-node speed-up over one node: $(echo "scale=2; $T_ONE / $T_TWO" | bc -l)x (2 cores shared with the JVMs' own threads and other jobs)"
echo "cluster overhead per run (node x1 - run, wall): $(echo "scale=3; ($T_ONE - $T_RUN) / $RUNS" | bc -l) s"
