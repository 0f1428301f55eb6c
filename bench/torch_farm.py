"""The bench/farm.sh sweep done the way a PyTorch user would: the same runs as the lipfarm farm.

Each run: n points uniform on the sphere S^{d-1} with uniform random ±1 labels, a two-layer ReLU
net with biases (He initialisation like lipfarm's: W ~ N(0, 2/d), a ~ N(0, 1/k), zero biases),
full-batch Adam (lr 0.01) on ½·mean squared error until max_i |f(x_i) − y_i| ≤ tol (checked
before every step, like lipfarm) or max-epochs; then a Lipschitz lower bound with the same
budget of gradient evaluations as lipfarm's estimator: exact gradient norms at the data points,
at random points of the sphere of radius R = max(1, max‖x_i‖), on chords between oppositely
labelled points, then projected multi-start gradient ascent on the norm of the gated gradient
(ReLU' replaced by sigmoid(βz), β doubling from 20 to 20480), recording the exact norm at every
iterate. Runs go two at a time (two processes, one thread each).

Usage: torch_farm.py OUT.tsv "n1,n2,..." "k1,k2,..." "seed1,..." d tol max_epochs budget
Prints one tab-separated line per run: n k seed epochs fitted train_s estimate_s lower evals.
"""
import math
import multiprocessing as mp
import os
import sys
import time

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

import torch  # noqa: E402

from torch_blas import require_optimised_blas  # noqa: E402

DTYPE = torch.float64  # lipfarm's default precision


def grad_norms(w, b, a, x):
    """Exact ‖∇f(x)‖ of f(x) = a·relu(Wx + b) + c, row by row: ∇f = Wᵀ(a ⊙ 1[Wx + b > 0])."""
    gate = (x @ w.T + b > 0).to(x.dtype)
    return ((gate * a) @ w).norm(dim=1)


def train(n, k, seed, d, tol, max_epochs):
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(n, d, generator=g, dtype=DTYPE)
    x /= x.norm(dim=1, keepdim=True)
    y = torch.randint(0, 2, (n,), generator=g, dtype=DTYPE) * 2 - 1
    w = (torch.randn(k, d, generator=g, dtype=DTYPE) * math.sqrt(2.0 / d)).requires_grad_()
    b = torch.zeros(k, dtype=DTYPE, requires_grad=True)
    a = (torch.randn(k, generator=g, dtype=DTYPE) * math.sqrt(1.0 / k)).requires_grad_()
    c = torch.zeros((), dtype=DTYPE, requires_grad=True)
    opt = torch.optim.Adam([w, b, a, c], lr=0.01)
    epochs, fitted = 0, False
    while epochs < max_epochs:
        r = torch.relu(x @ w.T + b) @ a + c - y
        if r.detach().abs().max().item() <= tol:
            fitted = True
            break
        loss = 0.5 * (r * r).mean()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        epochs += 1
    return x, y, w.detach(), b.detach(), a.detach(), epochs, fitted


def lower_bound(x, y, w, b, a, budget, seed):
    g = torch.Generator().manual_seed(seed + 7)
    n, d = x.shape
    radius = max(1.0, x.norm(dim=1).max().item())
    best = grad_norms(w, b, a, x).max().item()
    evals = n
    # random points of the sphere of radius R: a fifth of the budget
    m = max(1, budget // 5)
    p = torch.randn(m, d, generator=g, dtype=DTYPE)
    p *= radius / p.norm(dim=1, keepdim=True)
    best = max(best, grad_norms(w, b, a, p).max().item())
    evals += m
    # chords between oppositely labelled points: a fifth of the budget, 8 points per chord
    pos, neg = x[y > 0], x[y < 0]
    chords = max(1, budget // 40)
    if len(pos) and len(neg):
        i = torch.randint(0, len(pos), (chords,), generator=g)
        j = torch.randint(0, len(neg), (chords,), generator=g)
        t = torch.linspace(0.05, 0.95, 8, dtype=DTYPE).view(1, 8, 1)
        pts = (pos[i].unsqueeze(1) * (1 - t) + neg[j].unsqueeze(1) * t).reshape(-1, d)
        best = max(best, grad_norms(w, b, a, pts).max().item())
        evals += len(pts)
    # projected multi-start ascent on the gated gradient norm, exact norm at every iterate
    starts = 32
    x0 = x[torch.randint(0, n, (starts,), generator=g)].clone()
    beta, step = 20.0, 0.05 * radius
    while evals + 2 * starts <= budget:
        z = x0.clone().requires_grad_(True)
        gate = torch.sigmoid(beta * (z @ w.T + b))
        obj = ((gate * a) @ w).norm(dim=1).sum()
        (gz,) = torch.autograd.grad(obj, z)
        with torch.no_grad():
            z = z + step * gz / gz.norm(dim=1, keepdim=True).clamp_min(1e-300)
            z *= (radius / z.norm(dim=1, keepdim=True)).clamp(max=1.0)
            x0 = z
            best = max(best, grad_norms(w, b, a, x0).max().item())
        evals += 2 * starts
        beta = min(20480.0, beta * 2)
        step *= 0.97
    return best * (1 - 1e-9), evals


def run(args):
    n, k, seed, d, tol, max_epochs, budget = args
    torch.set_num_threads(1)
    t0 = time.perf_counter()
    x, y, w, b, a, epochs, fitted = train(n, k, seed, d, tol, max_epochs)
    t1 = time.perf_counter()
    lower, evals = lower_bound(x, y, w, b, a, budget, seed)
    t2 = time.perf_counter()
    return n, k, seed, epochs, fitted, t1 - t0, t2 - t1, lower, evals


def main():
    out = sys.argv[1]
    ns = [int(v) for v in sys.argv[2].split(",")]
    ks = [int(v) for v in sys.argv[3].split(",")]
    seeds = [int(v) for v in sys.argv[4].split(",")]
    d, tol, max_epochs, budget = int(sys.argv[5]), float(sys.argv[6]), int(sys.argv[7]), int(sys.argv[8])
    require_optimised_blas()
    jobs = [(n, k, s, d, tol, max_epochs, budget)
            for n in ns for k in ks for s in seeds if k * d >= 2 * n]
    t0 = time.perf_counter()
    with mp.get_context("fork").Pool(2) as pool, open(out, "w") as f:
        for r in pool.imap_unordered(run, jobs):
            f.write("\t".join(str(v) for v in r) + "\n")
            f.flush()
    print(f"torch_wall_s={time.perf_counter() - t0:.3f}")


if __name__ == "__main__":
    main()
