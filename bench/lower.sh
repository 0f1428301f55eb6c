#!/usr/bin/env bash
# The lower-bound mode's cost per network (estimator = "lower", LowerBoundSearch) against the
# PyTorch estimator of bench/torch_farm.py with the same budget: two-layer ReLU nets with biases,
# n = 300 sphere points in d = 30, 20 000 gradient evaluations, k ∈ {30, 120, 240}. Milliseconds of
# thread CPU time per network on both sides (the machine is shared: CPU time leaves out waiting
# for a core); median of ROUNDS (default 5) networks after one warm-up. Also prints lipfarm's quick
# sandwich (the same probe families, one point at a time) for reference.
# Usage: bash bench/lower.sh [ROUNDS]
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
ROUNDS="${1:-5}"
ensure_torch
torch_blas_report
load_line
CP=$(bench_classpath)
java -cp "$CP" lipfarm.estimation.LowerBoundBench 300 20000 "$ROUNDS" 30 120 240
cd bench && "$PY" - "$ROUNDS" <<'PY'
import math, statistics, sys, time
import torch
import torch_farm as tf
torch.set_num_threads(1)
rounds = int(sys.argv[1])
for k in (30, 120, 240):
    times = []
    for r in range(-1, rounds):
        g = torch.Generator().manual_seed(100 + r)
        x = torch.randn(300, 30, generator=g, dtype=tf.DTYPE)
        x /= x.norm(dim=1, keepdim=True)
        y = torch.randint(0, 2, (300,), generator=g, dtype=tf.DTYPE) * 2 - 1
        w = torch.randn(k, 30, generator=g, dtype=tf.DTYPE) / math.sqrt(30)
        b = 0.3 * torch.randn(k, generator=g, dtype=tf.DTYPE)
        a = torch.randn(k, generator=g, dtype=tf.DTYPE) / math.sqrt(k)
        t0 = time.thread_time()
        tf.lower_bound(x, y, w, b, a, 20000, r)
        if r >= 0:
            times.append((time.thread_time() - t0) * 1000)
    print(f"PyTorch n=300 d=30 k={k} budget=20000: lower_bound {statistics.median(times):.1f} ms"
          f" (CPU, median of {rounds})")
PY
