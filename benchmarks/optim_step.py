"""Times one Adam step: `dlnotes.optim.Adam` against torch's default single-tensor Adam.

The bar for the from-scratch optimizers is torch's own loop: `torch.optim.Adam(params,
foreach=False)`, the single-tensor implementation that shows the same arithmetic one parameter at
a time. The parameters are those of the course's 784-256-10 MLP (float32, CPU), and every gradient
is a fixed random tensor, so only the optimizer is timed.

The machine may be shared and noisy, and noise only ever adds time. So the two optimizers take
turns, round after round (the order alternating), each round times several short runs of each,
and a round's figure for an optimizer is its fastest run; the report gives the median of those
figures over the rounds, and their ratio.

Denormal numbers are flushed to zero first, as `dlnotes train` does: the second moments of
parameters whose gradients are tiny decay into subnormal floats, on which the CPU's arithmetic
is many times slower, and that would time the CPU's slow path rather than the optimizer.

    python benchmarks/optim_step.py [--steps 200] [--runs 5] [--rounds 9] [--threads N]
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
    steps: int = 200  # step() calls per timed run
    runs: int = 5  # timed runs of each optimizer per round; the round keeps the fastest
    rounds: int = 9  # rounds; the report gives the median over them
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
    torch.set_flush_denormal(True)
    if config.threads is not None:
        torch.set_num_threads(config.threads)
    makers: dict[str, Callable[[list[torch.Tensor]], torch.optim.Optimizer]] = {
        "dlnotes.optim.Adam": lambda params: Adam(params),
        "torch.optim.Adam(foreach=False)": lambda params: torch.optim.Adam(params, foreach=False),
    }
    # Each optimizer gets its own copy of the same parameters and gradients.
    params = {name: make_params(config.seed) for name in makers}
    optimizers = {name: make(params[name]) for name, make in makers.items()}
    for optimizer in optimizers.values():
        time_steps(optimizer, config.warmup)

    names = list(makers)
    best: dict[str, list[float]] = {name: [] for name in names}  # each round's fastest run
    for r in range(config.rounds):
        runs: dict[str, list[float]] = {name: [] for name in names}
        for _ in range(config.runs):
            for name in names if r % 2 == 0 else names[::-1]:
                runs[name].append(time_steps(optimizers[name], config.steps))
        for name in names:
            best[name].append(min(runs[name]))
    medians = {name: statistics.median(ts) for name, ts in best.items()}

    num_params = sum(p.numel() for p in params[names[0]])
    print(
        f"torch {torch.__version__}, {torch.get_num_threads()} thread(s), denormals flushed; "
        f"784-256-10 MLP, {num_params:,} float32 parameters; {config.rounds} rounds of "
        f"{config.runs} runs x {config.steps} steps"
    )
    for name in names:
        spread = f"(rounds' fastest: min {min(best[name]):.1f}, max {max(best[name]):.1f})"
        print(f"  {name:<32} {medians[name]:8.1f} us/step median {spread}")
    ratios = [a / b for a, b in zip(best[names[0]], best[names[1]], strict=True)]
    print(
        f"  ours / torch: {medians[names[0]] / medians[names[1]]:.3f} (ratio of the medians); "
        f"per round: median {statistics.median(ratios):.3f}, "
        f"min {min(ratios):.3f}, max {max(ratios):.3f}"
    )

    # The same number of steps from the same start: ours must have landed where torch's did.
    diff = max(
        (a - b).abs().max().item() for a, b in zip(params[names[0]], params[names[1]], strict=True)
    )
    print(f"  max |ours - torch| after all steps: {diff:.3g}")
    return medians


def main(argv: list[str] | None = None) -> None:
    """Maps the command line onto a `BenchConfig` and runs it."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=BenchConfig.steps, help="steps per run")
    parser.add_argument("--runs", type=int, default=BenchConfig.runs, help="runs per round")
    parser.add_argument("--rounds", type=int, default=BenchConfig.rounds, help="rounds")
    parser.add_argument("--threads", type=int, default=None, help="torch threads")
    args = parser.parse_args(argv)
    if min(args.steps, args.runs, args.rounds) < 1 or (
        args.threads is not None and args.threads < 1
    ):
        parser.error("--steps, --runs, --rounds and --threads must be positive")
    run(BenchConfig(steps=args.steps, runs=args.runs, rounds=args.rounds, threads=args.threads))


if __name__ == "__main__":
    main()
