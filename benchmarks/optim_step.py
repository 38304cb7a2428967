"""Times one Adam step: `dlnotes.optim.Adam` against `torch.optim.Adam`, default and fused.

The parameters are those of the course's 784-256-10 MLP (float32, CPU), and every gradient is a
fixed random tensor, so only the optimizer is timed. The three optimizers take turns, round after
round (the order rotating each round), and we report each one's median time per step: turns
spread a slow moment of a shared machine over all three instead of charging it to one.

    python benchmarks/optim_step.py [--steps 1000] [--repeats 7] [--threads N]
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass

import torch

from dlnotes.optim import Adam


@dataclass(frozen=True)
class BenchConfig:
    steps: int = 1000  # step() calls per timed run
    repeats: int = 7  # rounds; each optimizer is timed once per round
    threads: int | None = None  # torch's intra-op threads; None keeps torch's default
    warmup: int = 20  # untimed steps per optimizer before the first round
    seed: int = 0  # for the initial parameters and the fixed gradients


def make_params(seed: int) -> list[torch.Tensor]:
    """The 784-256-10 MLP's weights and biases, each with a fixed random `.grad`."""
    g = torch.Generator().manual_seed(seed)
    shapes = [(256, 784), (256,), (10, 256), (10,)]  # W1, b1, W2, b2
    params = []
    for shape in shapes:
        p = (0.05 * torch.randn(shape, generator=g)).requires_grad_()
        p.grad = torch.randn(shape, generator=g)
        params.append(p)
    return params


def time_steps(optimizer: torch.optim.Optimizer, steps: int) -> float:
    """Microseconds per `optimizer.step()`, averaged over `steps` calls."""
    start = time.perf_counter()
    for _ in range(steps):
        optimizer.step()
    return (time.perf_counter() - start) / steps * 1e6


def run(config: BenchConfig) -> dict[str, float]:
    """Runs the benchmark, prints a report and returns the median µs per step of each optimizer."""
    if config.threads is not None:
        torch.set_num_threads(config.threads)
    makers: dict[str, Callable[[list[torch.Tensor]], torch.optim.Optimizer]] = {
        "dlnotes.optim.Adam": lambda params: Adam(params),
        "torch.optim.Adam()": lambda params: torch.optim.Adam(params),
        "torch.optim.Adam(fused=True)": lambda params: torch.optim.Adam(params, fused=True),
    }
    # Each optimizer gets its own copy of the same parameters and gradients.
    params = {name: make_params(config.seed) for name in makers}
    optimizers = {name: make(params[name]) for name, make in makers.items()}
    for optimizer in optimizers.values():
        time_steps(optimizer, config.warmup)

    names = list(makers)
    times: dict[str, list[float]] = {name: [] for name in names}
    for r in range(config.repeats):
        for name in names[r % len(names) :] + names[: r % len(names)]:
            times[name].append(time_steps(optimizers[name], config.steps))
    medians = {name: statistics.median(ts) for name, ts in times.items()}

    num_params = sum(p.numel() for p in params[names[0]])
    print(
        f"torch {torch.__version__}, {torch.get_num_threads()} thread(s); 784-256-10 MLP, "
        f"{num_params:,} float32 parameters; {config.steps} steps x {config.repeats} rounds"
    )
    for name in names:
        spread = f"(min {min(times[name]):.1f}, max {max(times[name]):.1f})"
        print(f"  {name:<30} {medians[name]:8.1f} us/step median {spread}")
    ours = medians["dlnotes.optim.Adam"]
    print(f"  ours / default: {ours / medians['torch.optim.Adam()']:.2f}")
    print(f"  ours / fused:   {ours / medians['torch.optim.Adam(fused=True)']:.2f}")

    # The same number of steps from the same start: ours must have landed where torch's did.
    diff = max(
        (a - b).abs().max().item() for a, b in zip(params[names[0]], params[names[1]], strict=True)
    )
    print(f"  max |ours - default| after all steps: {diff:.3g}")
    return medians


def main(argv: list[str] | None = None) -> None:
    """Maps the command line onto a `BenchConfig` and runs it."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=BenchConfig.steps, help="steps per run")
    parser.add_argument("--repeats", type=int, default=BenchConfig.repeats, help="rounds")
    parser.add_argument("--threads", type=int, default=None, help="torch threads")
    args = parser.parse_args(argv)
    if args.steps < 1 or args.repeats < 1 or (args.threads is not None and args.threads < 1):
        parser.error("--steps, --repeats and --threads must be positive")
    run(BenchConfig(steps=args.steps, repeats=args.repeats, threads=args.threads))


if __name__ == "__main__":
    main()
