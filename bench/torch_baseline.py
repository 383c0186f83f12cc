# PyTorch beside webgrad on a CUDA GPU: the same problems as bench/eigh.mjs, bench/hamiltonian.mjs,
# bench/train.mjs and bench/smallops.mjs, timed the same way (results read back to the host, median of samples).
# A baseline for the GPU rows of docs/benchmarks.md; it needs torch with CUDA (falls back to the CPU).
#
# Run: python3 bench/torch_baseline.py [--reps 5]
import argparse
import statistics
import time

import torch

parser = argparse.ArgumentParser()
parser.add_argument("--reps", type=int, default=5)
args = parser.parse_args()
dev = torch.device("cuda" if torch.cuda.is_available() else "cpu")
name = torch.cuda.get_device_name(0) if dev.type == "cuda" else "cpu"
print(f"torch {torch.__version__} on {name}")


def sync():
    if dev.type == "cuda":
        torch.cuda.synchronize()


def timed(fn, reps=args.reps, warmup=2):
    for _ in range(warmup):
        fn()
    sync()
    times = []
    for _ in range(reps):
        t = time.perf_counter()
        fn()
        sync()
        times.append((time.perf_counter() - t) * 1e3)
    return statistics.median(times)


def random_symmetric(n, seed=1):
    g = torch.Generator().manual_seed(seed)
    a = torch.rand(n, n, generator=g) * 2 - 1
    return ((a + a.T) / 2).to(dev)


def hamiltonian(kappa, nx=500, length=10.0):
    x = torch.linspace(-length / 2, length / 2, nx, device=dev, dtype=kappa.dtype)
    dx = x[1] - x[0]
    lap = (torch.diag(torch.full((nx,), -2.0, device=dev, dtype=kappa.dtype))
           + torch.diag(torch.ones(nx - 1, device=dev, dtype=kappa.dtype), 1)
           + torch.diag(torch.ones(nx - 1, device=dev, dtype=kappa.dtype), -1)) / dx**2
    return -0.5 * lap + torch.diag(0.5 * x**2 + kappa * torch.exp(-(x**2) / 2))


print("\n## eigh (float32, eigenvalues read back), ms")
for n in (64, 128, 256, 500):
    a = random_symmetric(n)
    ms = timed(lambda: torch.linalg.eigh(a)[0].cpu())
    print(f"random n={n}: {ms:.3f}")
for dtype in (torch.float32, torch.float64):
    h = hamiltonian(torch.tensor(1.0, dtype=dtype, device=dev))
    ms = timed(lambda: torch.linalg.eigh(h)[0].cpu())
    print(f"hamiltonian nx=500 {dtype}: {ms:.3f}")

print("\n## Hamiltonian end to end (build H(κ), eigh, E0, gap, dE0/dκ and dgap/dκ by backward), ms per κ")
for dtype in (torch.float32, torch.float64):
    def solve():
        kappa = torch.tensor(1.0, dtype=dtype, device=dev, requires_grad=True)
        w = torch.linalg.eigh(hamiltonian(kappa))[0]
        e0, gap = w[0], w[1] - w[0]
        d_e0 = torch.autograd.grad(e0, kappa, retain_graph=True)[0]
        d_gap = torch.autograd.grad(gap, kappa)[0]
        return [float(v.detach()) for v in (e0, gap, d_e0, d_gap)]
    ms = timed(solve)
    print(f"{dtype}: {ms:.3f}  (E0, gap, dE0, dgap at κ=1: {', '.join(f'{v:.7f}' for v in solve())})")

print("\n## training step, 784-256-256-10 MLP, batch 128, cross-entropy, Adam: ms per step (20 steps, loss read at the end)")
torch.manual_seed(0)
model = torch.nn.Sequential(torch.nn.Linear(784, 256), torch.nn.ReLU(), torch.nn.Linear(256, 256), torch.nn.ReLU(),
                            torch.nn.Linear(256, 10)).to(dev)
opt = torch.optim.Adam(model.parameters(), lr=1e-3)
xb = torch.rand(128, 784, device=dev)
yb = torch.randint(0, 10, (128,), device=dev)


def steps(k=20):
    for _ in range(k):
        opt.zero_grad(set_to_none=True)
        loss = torch.nn.functional.cross_entropy(model(xb), yb)
        loss.backward()
        opt.step()
    return float(loss)


print(f"eager: {timed(steps) / 20:.3f}")
opt_fused = torch.optim.Adam(model.parameters(), lr=1e-3, fused=dev.type == "cuda")
opt = opt_fused
print(f"eager, fused Adam: {timed(steps) / 20:.3f}")

print("\n## small ops: host µs per call (2,000 calls, GPU drained outside the timing)")
a64, b64 = torch.rand(64, device=dev), torch.rand(64, device=dev)
m64 = torch.rand(64, 64, device=dev)


def per_call(fn, n=2000):
    for _ in range(n):
        fn()
    sync()
    t = time.perf_counter()
    for _ in range(n):
        fn()
    us = (time.perf_counter() - t) / n * 1e6
    sync()
    return us


print(f"add [64]: {per_call(lambda: a64 + b64):.2f}")
print(f"matmul [64,64]: {per_call(lambda: m64 @ m64):.2f}")
