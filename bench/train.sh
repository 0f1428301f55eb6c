#!/usr/bin/env bash
# Training speed: lipfarm's trainer (MlpTrainer; the two-layer full-batch case runs the fused
# kernel TwoLayerKernel) vs the same step in PyTorch (CPU, one thread, OpenBLAS), plus the
# machine's single-thread GEMM peak. The machine is shared, so both sides run in alternation, ROUNDS
# times (default 3), and the table reports medians: of each side's time and of the per-round
# ratios (each measured minutes apart at most). Times are per-thread CPU time on both sides.
# Usage: bash bench/train.sh [--profile]   (ROUNDS=5 bash ...; --profile: also where an epoch of
# the fused kernel goes, lipfarm.training.KernelProfileBench)
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
ROUNDS=${ROUNDS:-3}
ensure_torch
torch_blas_report
CP=$(bench_classpath)
for r in $(seq 1 "$ROUNDS"); do
  load_line
  java -cp "$CP" lipfarm.bench.TrainBench 2>/dev/null > "target/bench-java-$r.tsv"
  "$PY" bench/torch_train.py > "target/bench-torch-$r.tsv"
done
load_line
"$PY" - "$ROUNDS" <<'PY'
import statistics as st, sys
rounds = int(sys.argv[1])
peak, java, torch, batched = {}, {}, {}, {}
for r in range(1, rounds + 1):
    for line in open(f"target/bench-java-{r}.tsv"):
        f = line.rstrip("\n").split("\t")
        if f[0] == "peak": peak.setdefault(f[1], []).append(float(f[2]))
        if f[0] == "train": java.setdefault(tuple(f[1:5]), {})[r] = float(f[5])
        if f[0] == "batched": batched.setdefault(tuple(f[1:5]), {})[r] = (int(f[5]), float(f[6]))
    for line in open(f"target/bench-torch-{r}.tsv"):
        f = line.rstrip("\n").split("\t")
        torch.setdefault(tuple(f[1:5]), {})[r] = float(f[5])
pk = {t: st.median(v) for t, v in peak.items()}
print(f"medians of {rounds} alternating rounds; single-thread GEMM peak (OpenBLAS via ND4J, 2000^3): "
      f"float32 {pk['float']:.1f} GFLOP/s, float64 {pk['double']:.1f} GFLOP/s")
def flops(n, d, k): return 4.0 * n * d * k + 6.0 * n * k
def row(key, per_round, label=""):
    n, d, k, dt = key
    ms = st.median(per_round.values())
    tms = st.median(torch[key].values())
    ratio = st.median(torch[key][r] / per_round[r] for r in per_round)
    gf = flops(int(n), int(d), int(k)) / (ms * 1e6)
    p = pk["float" if dt == "float32" else "double"]
    print(f"{n:>6} {d:>4} {k:>4} {dt:>8} {label:>8} {ms:14.3f} {tms:12.3f} {ratio:8.2f}x {gf:8.1f} {100 * gf / p:6.0f}%")
hdr = f"{'n':>6} {'d':>4} {'k':>4} {'dtype':>8} {'restarts':>8} {'lipfarm ms/ep':>14} {'torch ms/ep':>12} {'speed-up':>9} {'GFLOP/s':>8} {'% peak':>7}"
print(hdr)
for key, v in java.items():
    row(key, v, "1")
print()
print("restarts of the same net trained as one computation (BatchedRestarts), per network-epoch:")
print(hdr)
for key, v in batched.items():
    restarts = next(iter(v.values()))[0]
    row(key, {r: ms for r, (_, ms) in v.items()}, str(restarts))
PY
if [ "${1:-}" = "--profile" ]; then
  echo
  echo "where an epoch goes (µs of CPU time; lipfarm.training.KernelProfileBench):"
  java -cp "$CP" lipfarm.training.KernelProfileBench 1000 20 50 float double 2>/dev/null | cut -f2-
  java -cp "$CP" lipfarm.training.KernelProfileBench 10000 100 500 float double 2>/dev/null | cut -f2-
fi
