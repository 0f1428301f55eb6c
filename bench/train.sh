#!/usr/bin/env bash
# Training speed: lipfarm's ND4J trainer vs the same step in PyTorch (CPU, one thread), plus the
# machine's single-thread GEMM peak measured in the same run. Usage: bash bench/train.sh
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
ensure_torch
torch_blas_report
load_line
CP=$(bench_classpath)
java -cp "$CP" lipfarm.bench.TrainBench 2>/dev/null > target/bench-java.tsv
"$PY" bench/torch_train.py > target/bench-torch.tsv
"$PY" - target/bench-java.tsv target/bench-torch.tsv <<'PY'
import sys
peak = {}; java = {}; torch = {}; batched = {}
for line in open(sys.argv[1]):
    f = line.split("\t")
    if f[0] == "peak": peak[f[1]] = float(f[2])
    if f[0] == "train": java[(f[1], f[2], f[3], f[4])] = (float(f[5]), float(f[6]))
    if f[0] == "batched": batched[(f[1], f[2], f[3], f[4])] = (int(f[5]), float(f[6]), float(f[7]))
for line in open(sys.argv[2]):
    f = line.split("\t")
    torch[(f[1], f[2], f[3], f[4])] = float(f[5])
print(f"single-thread GEMM peak (ND4J/OpenBLAS 2000^3): float32 {peak['float']:.1f} GFLOP/s, float64 {peak['double']:.1f} GFLOP/s")
print(f"{'n':>6} {'d':>4} {'k':>4} {'dtype':>8} {'lipfarm ms/ep':>14} {'torch ms/ep':>12} {'speed-up':>9} {'GFLOP/s':>8} {'% peak':>7}")
for key, (ms, gf) in java.items():
    t = torch.get(key, float("nan"))
    p = peak["float" if key[3] == "float32" else "double"]
    print(f"{key[0]:>6} {key[1]:>4} {key[2]:>4} {key[3]:>8} {ms:14.3f} {t:12.3f} {t/ms:8.2f}x {gf:8.1f} {100*gf/p:6.0f}%")
print()
print("restarts of the same net trained as one computation (lipfarm.training.BatchedRestarts), per network-epoch:")
print(f"{'n':>6} {'d':>4} {'k':>4} {'dtype':>8} {'restarts':>8} {'lipfarm ms/ep':>14} {'torch ms/ep':>12} {'speed-up':>9} {'GFLOP/s':>8} {'% peak':>7}")
for key, (r, ms, gf) in batched.items():
    t = torch.get(key, float("nan"))
    p = peak["float" if key[3] == "float32" else "double"]
    print(f"{key[0]:>6} {key[1]:>4} {key[2]:>4} {key[3]:>8} {r:>8} {ms:14.3f} {t:12.3f} {t/ms:8.2f}x {gf:8.1f} {100*gf/p:6.0f}%")
PY
