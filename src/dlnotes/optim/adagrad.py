r"""Adagrad: per-coordinate step sizes from the sum of squared gradients."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import torch

from dlnotes._checks import check_range
from dlnotes.optim._validate import check_real

__all__ = ["Adagrad"]


class Adagrad(torch.optim.Optimizer):
    r"""Adagrad (`torch.optim.Adagrad`'s arithmetic).

    Each coordinate gets its own step size, shrinking with the sum $s_t$ of its squared
    gradients: coordinates that have seen large gradients move slowly, rare ones move fast. With
    learning rate $\gamma$, learning-rate decay $\eta$, weight decay $\lambda$, initial
    accumulator $s_0$ and $\epsilon$ (squares, roots and the division are element-wise):

    $$
    \begin{aligned}
    g_t &\leftarrow \nabla_\theta f_t(\theta_{t-1}) + \lambda \theta_{t-1} \\
    \tilde\gamma_t &\leftarrow \gamma / (1 + (t - 1) \eta) \\
    s_t &\leftarrow s_{t-1} + g_t^2 \\
    \theta_t &\leftarrow \theta_{t-1} - \tilde\gamma_t \, g_t / (\sqrt{s_t} + \epsilon)
    \end{aligned}
    $$

    This is the diagonal version of Duchi et al.'s algorithm, whose $\delta$ is our $\epsilon$;
    the decay $\eta$ and a non-zero starting sum $s_0$ are torch's options, not the paper's.

    References:
        - J. Duchi, E. Hazan, Y. Singer, "Adaptive subgradient methods for online learning and
          stochastic optimization", Journal of Machine Learning Research 12, 2011.

    Differences:
        `torch.optim.Adagrad` creates its state (`step`, `sum`) in the constructor; we create it
        at a parameter's first update, like the other optimizers, so the state dict is empty
        before the first step. Unlike torch: no `foreach`, `fused` or `differentiable` options,
        the learning rate is a number (not a tensor), sparse gradients are not supported, and
        complex parameters are rejected (torch optimizes their real and imaginary parts).

    Args:
        params: The parameters to optimise, or dicts defining parameter groups.
        lr: The learning rate $\gamma$.
        lr_decay: The learning-rate decay $\eta$.
        weight_decay: The L2 penalty $\lambda$, added to the gradient.
        initial_accumulator_value: The starting value $s_0$ of every sum.
        eps: The term $\epsilon$ added to the denominator.
        maximize: Maximise the objective instead of minimising it.

    Raises:
        TypeError: If a hyper-parameter is not a real number, or a parameter is complex.
        ValueError: If a hyper-parameter is negative.

    Examples:
        >>> import torch
        >>> from dlnotes.optim import Adagrad
        >>> w = torch.tensor([3.0, -2.0], requires_grad=True)
        >>> optimizer = Adagrad([w], lr=1.0)
        >>> for _ in range(20):
        ...     optimizer.zero_grad()
        ...     loss = (w**2).sum()
        ...     loss.backward()
        ...     optimizer.step()
        >>> print(f"{loss.item():.2e}")
        1.86e-04
        >>> sorted(optimizer.state[w])
        ['step', 'sum']
    """

    def __init__(
        self,
        params: Iterable[torch.Tensor] | Iterable[dict[str, Any]],
        lr: float = 1e-2,
        lr_decay: float = 0,
        weight_decay: float = 0,
        initial_accumulator_value: float = 0,
        eps: float = 1e-10,
        *,
        maximize: bool = False,
    ) -> None:
        check_range("learning rate", lr, 0.0)
        check_range("lr_decay value", lr_decay, 0.0)
        check_range("weight_decay value", weight_decay, 0.0)
        check_range("initial_accumulator_value value", initial_accumulator_value, 0.0)
        check_range("epsilon value", eps, 0.0)
        defaults = {
            "lr": lr,
            "lr_decay": lr_decay,
            "eps": eps,
            "weight_decay": weight_decay,
            "initial_accumulator_value": initial_accumulator_value,
            "maximize": maximize,
        }
        super().__init__(params, defaults)
        check_real(self)

    @torch.no_grad()
    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Performs one update of every parameter that has a gradient.

        Args:
            closure: An optional function that re-evaluates the model and returns the loss; it
                runs with gradients enabled before the update.

        Returns:
            The closure's loss, or `None` without a closure.
        """
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()

        for group in self.param_groups:
            lr, eps, weight_decay = group["lr"], group["eps"], group["weight_decay"]
            for p in group["params"]:
                if p.grad is None:  # unused this step, or frozen: skipped, as torch does
                    continue
                grad, state = p.grad, self.state[p]
                if not state:
                    # A tensor, as torch keeps it, so that state dicts move between the two.
                    state["step"] = torch.tensor(0.0)
                    state["sum"] = torch.full_like(p, group["initial_accumulator_value"])
                state["step"] += 1
                t = state["step"].item()

                # g_t, negated when maximising so that the descent step below climbs
                if group["maximize"]:
                    grad = -grad
                if weight_decay != 0:
                    grad = grad.add(p, alpha=weight_decay)  # g_t + λ θ_{t-1}

                # γ̃_t = γ / (1 + (t - 1) η)
                clr = lr / (1 + (t - 1) * group["lr_decay"])
                # s_t = s_{t-1} + g_t²
                s = state["sum"].addcmul_(grad, grad, value=1)
                # θ_t = θ_{t-1} - γ̃_t g_t / (√s_t + ε)
                p.addcdiv_(grad, s.sqrt().add_(eps), value=-clr)
        return loss
