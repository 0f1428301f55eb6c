"""PyTorch autograd baseline for issue 5's benchmark (CPU, one thread).

Reads the network and batch written by lipfarm.bench.GradNormBench (little-endian float32),
checks that autograd's gradient norms match the Java ones, and times batches of 10^4 points:
grads = autograd.grad(f(X).sum(), X) gives every per-point input gradient in one backward pass.
Prints key=value lines.
"""
import sys
import time

import numpy as np
import torch

from torch_blas import require_optimised_blas

D, K, BATCH = 100, 500, 10_000


def load(path, shape):
    return torch.from_numpy(np.fromfile(path, dtype="<f4").reshape(shape).copy())


def main():
    directory = sys.argv[1] if len(sys.argv) > 1 else "/tmp"
    seconds = float(sys.argv[2]) if len(sys.argv) > 2 else 3.0
    torch.set_num_threads(1)
    require_optimised_blas()
    w = load(f"{directory}/bench_w.f32", (K, D))
    b = load(f"{directory}/bench_b.f32", (K,))
    a = load(f"{directory}/bench_a.f32", (K,))
    x0 = load(f"{directory}/bench_x.f32", (BATCH, D))
    java_norms = load(f"{directory}/bench_norms.f32", (BATCH,))

    def grad_norms(x):
        x = x.detach().requires_grad_(True)
        f = torch.relu(x @ w.T + b) @ a
        (g,) = torch.autograd.grad(f.sum(), x)
        return g.norm(dim=1)

    norms = grad_norms(x0)
    rel = ((norms - java_norms).abs() / norms.clamp_min(1e-12)).max().item()
    print(f"max_rel_diff_vs_java={rel:.3e}")
    end = time.perf_counter() + 1.0
    while time.perf_counter() < end:
        grad_norms(x0)
    points = 0
    t0, c0 = time.perf_counter(), time.thread_time()
    while time.perf_counter() - t0 < seconds:
        grad_norms(x0)
        points += BATCH
    secs = time.thread_time() - c0  # CPU time of this thread, as lipfarm's bench measures
    print(f"torch_grads_per_s={points / secs:.1f}")
    print(f"torch_gflops={points / secs * 4 * D * K / 1e9:.3f}")
    print(f"torch_version={torch.__version__}")


if __name__ == "__main__":
    main()
