#!/usr/bin/env bash
# Runs the experiment farms of conf/experiments/ and writes docs/results.md from their results.
#
#   bash bench/results.sh                       # every full variant (hours: see each file's header)
#   bash bench/results.sh a-sqrt-n-over-k d-bubeck-sellke   # a named subset, full variants
#   bash bench/results.sh --quick               # every quick variant (the CI sizes, minutes)
#   bash bench/results.sh --report-only         # no runs: regenerate docs/results.md from RUNS
#
# Farms land in RUNS (default runs/experiments; set RUNS=... to change). A farm that exists there
# is resumed, so an interrupted invocation continues where it stopped (lipfarm's durability) and a
# finished one is not run again. docs/results.md takes, per experiment, the full farm when RUNS has
# one and the quick farm otherwise, and says which. The plots it links are copied to
# docs/results/<farm>/ (one or two PNGs of about 60 KB per experiment). Needs Java 17, Maven, python3 (standard library);
# experiment f needs Debian's dataset-fashion-mnist.
set -euo pipefail
cd "$(dirname "$0")/.."

suffix=""
report_only=false
experiments=()
for arg in "$@"; do
  case "$arg" in
    --quick) suffix=".quick" ;;
    --report-only) report_only=true ;;
    -h | --help) sed -n '2,14p' "$0"; exit 0 ;;
    *) experiments+=("$arg") ;;
  esac
done
if [ ${#experiments[@]} -eq 0 ]; then
  for f in conf/experiments/*.quick.conf; do
    b=$(basename "$f" .quick.conf)
    experiments+=("$b")
  done
fi
runs=${RUNS:-runs/experiments}
mkdir -p "$runs"
meta="$runs/results-meta.tsv"
[ -f "$meta" ] || printf 'farm\twall_seconds\tcommand\n' >"$meta"

start=$SECONDS
if ! $report_only; then
  [ -f target/lipfarm.jar ] || mvn -B -q package -DskipTests
  for e in "${experiments[@]}"; do
    conf="conf/experiments/$e$suffix.conf"
    [ -f "$conf" ] || { echo "no such experiment file: $conf"; exit 2; }
    name=$(java -jar target/lipfarm.jar run --dry-run "$conf" | sed -n '1s/^farm \([^:]*\): .*/\1/p')
    t0=$SECONDS
    echo "== $conf -> $runs/$name"
    java -jar target/lipfarm.jar run --no-progress --output-dir "$runs" "$conf"
    printf '%s\t%s\t%s\n' "$name" "$((SECONDS - t0))" \
      "java -jar target/lipfarm.jar run --no-progress --output-dir $runs $conf" >>"$meta"
  done
fi

{
  echo "command=bash bench/results.sh $*"
  echo "date=$(date -u '+%Y-%m-%d %H:%M UTC')"
  echo "nproc=$(nproc)"
  echo "cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)"
  echo "wall_seconds=$((SECONDS - start))"
  echo "note=load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)${RESULTS_NOTE:+; $RESULTS_NOTE}"
} >"$runs/results-machine.txt"

python3 bench/results.py "$runs" >docs/results.md
echo "wrote docs/results.md from $runs"
