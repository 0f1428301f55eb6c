"""The same training step as lipfarm's trainer, in PyTorch on CPU with one thread.

Two-layer ReLU net with biases, full-batch Adam on the squared loss, on points uniform on the
sphere with random labels; prints tab-separated lines: train n d k dtype ms_per_epoch.
The measurement pass (max error for the stopping rule) is included, as in lipfarm. Times are
this thread's CPU time (best of five blocks), as lipfarm's TrainBench measures: the machine is
shared, and CPU time leaves out the time spent waiting for a core.
"""
import sys
import time

import torch

from torch_blas import require_optimised_blas

torch.set_num_threads(1)
torch.manual_seed(0)
require_optimised_blas()


def ms_per_epoch(n, d, k, dtype):
    x = torch.randn(n, d, dtype=dtype)
    x /= x.norm(dim=1, keepdim=True)
    y = torch.randint(0, 2, (n, 1), dtype=dtype) * 2 - 1
    w = (torch.randn(k, d, dtype=dtype) * (2.0 / d) ** 0.5).requires_grad_()
    b = torch.zeros(k, dtype=dtype, requires_grad=True)
    a = (torch.randn(k, 1, dtype=dtype) * (1.0 / k) ** 0.5).requires_grad_()
    c = torch.zeros(1, dtype=dtype, requires_grad=True)
    opt = torch.optim.Adam([w, b, a, c], lr=1e-3)

    def step():
        out = torch.relu(x @ w.T + b) @ a + c
        r = out - y
        r.detach().abs().max().item()  # the stopping rule's measurement, as in lipfarm
        loss = 0.5 * (r * r).mean()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()

    epochs = 10 if n * d * k > 1e8 else 300
    for _ in range(max(5, epochs // 5)):
        step()
    best = float("inf")
    for _ in range(5):
        t0 = time.thread_time()  # CPU time of this thread, as lipfarm's bench measures
        for _ in range(epochs):
            step()
        best = min(best, (time.thread_time() - t0) * 1e3 / epochs)
    return best


for n, d, k in [(1000, 20, 50), (10000, 100, 500)]:
    for name, dt in [("float32", torch.float32), ("float64", torch.float64)]:
        print(f"train\t{n}\t{d}\t{k}\t{name}\t{ms_per_epoch(n, d, k, dt):.4f}", flush=True)
