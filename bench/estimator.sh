#!/usr/bin/env bash
# Issue 5 benchmark: batched input-gradient norms of a two-layer ReLU net (d=100, k=500, batches
# of 10^4) in Java (lipfarm.estimation.BatchGradients) against PyTorch autograd on one CPU thread,
# and the single-core SGEMM peak (ND4J/OpenBLAS float gemm, one thread) measured in the same run.
# Rates are per second of each side's thread CPU time (the machine is shared); the pair runs
# ROUNDS times (default 3) and the median ratio is reported.
# Usage: bench/estimator.sh [seconds-per-measurement]   (run from the project directory)
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_PER=${1:-3}
source bench/lib.sh
ensure_torch
torch_blas_report
CP=$(bench_classpath)
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
ROUNDS=${ROUNDS:-3}
RATIOS=""
for r in $(seq 1 "$ROUNDS"); do
rm -f "$WORK"/*.txt
java -cp "$CP" lipfarm.bench.GradNormBench "$WORK" "$SECONDS_PER" > "$WORK/java.txt" 2> "$WORK/java.err" || { cat "$WORK/java.err" >&2; exit 1; }
"$PY" bench/torch_gradnorm.py "$WORK" "$SECONDS_PER" > "$WORK/torch.txt"
get() { grep "^$1=" "$WORK"/*.txt | head -1 | cut -d= -f2; }
JAVA=$(get java_grads_per_s); JGF=$(get java_gflops)
TORCH=$(get torch_grads_per_s); TGF=$(get torch_gflops)
PEAK=$(get nd4j_sgemm_gflops); JPEAK=$(get java_matmul_gflops)
ND4J=$(get nd4j_grads_per_s); NGF=$(get nd4j_gflops)
echo "round $r: load average: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc --all) cores; torch $(get torch_version); max rel. diff of norms java vs torch: $(get max_rel_diff_vs_java), nd4j vs java: $(get nd4j_vs_java_max_rel_diff)"
echo
printf '| %-40s | %14s | %8s | %15s | %13s |\n' "implementation (d=100, k=500, batch 1e4)" "grad norms/s" "GFLOP/s" "vs PyTorch" "vs SGEMM peak"
printf '|%s|%s|%s|%s|%s|\n' "------------------------------------------" "----------------" "----------" "-----------------" "---------------"
row() { awk -v n="$1" -v p="$2" -v g="$3" -v t="$TORCH" -v pk="$PEAK" 'BEGIN { printf "| %-40s | %14.0f | %8.2f | %14.2fx | %12.1f%% |\n", n, p, g, p / t, 100 * g / pk }'; }
row "PyTorch autograd (1 thread, baseline)" "$TORCH" "$TGF"
row "lipfarm BatchGradients (Java, float)" "$JAVA" "$JGF"
row "lipfarm Nd4jGradientNorms (OpenBLAS, float)" "$ND4J" "$NGF"
awk -v pk="$PEAK" -v jp="$JPEAK" 'BEGIN { printf "| %-40s | %14s | %8.2f | %15s | %12.1f%% |\n| %-40s | %14s | %8.2f | %15s | %12.1f%% |\n", "SGEMM peak: ND4J/OpenBLAS float, 1 thread", "-", pk, "-", 100, "plain-Java float matmul (same kernel)", "-", jp, "-", 100 * jp / pk }'
echo
RATIOS="$RATIOS $(awk -v a="$ND4J" -v b="$TORCH" -v g="$NGF" -v pk="$PEAK" 'BEGIN { printf "%.4f/%.4f", a / b, g / pk }')"
done
echo "$RATIOS" | tr ' ' '\n' | grep . | sort -t/ -k1 -g | awk -F/ '{ r[NR] = $1; p[NR] = $2 } END { m = int((NR + 1) / 2); printf "median of %d rounds: Nd4jGradientNorms %.2fx PyTorch (round with the median ratio: %.0f%% of the SGEMM peak)\n", NR, r[m], 100 * p[m] }'
