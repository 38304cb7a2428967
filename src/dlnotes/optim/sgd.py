r"""Stochastic gradient descent, with heavy-ball or Nesterov momentum."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import torch

from dlnotes._checks import check_range
from dlnotes.optim._validate import check_real

__all__ = ["SGD"]


class SGD(torch.optim.Optimizer):
    r"""Stochastic gradient descent, optionally with momentum (`torch.optim.SGD`'s arithmetic).

    With learning rate $\gamma$, momentum $\mu$, dampening $\tau$ and weight decay $\lambda$,
    each step takes the gradient $g_t$ of the loss $f_t$ (negated when `maximize=True`), updates
    the momentum buffer $b_t$, and moves the parameters $\theta$:

    $$
    \begin{aligned}
    g_t &\leftarrow \nabla_\theta f_t(\theta_{t-1}) + \lambda \theta_{t-1} \\
    b_t &\leftarrow \begin{cases} g_t & t = 1 \\ \mu b_{t-1} + (1 - \tau) g_t & t > 1 \end{cases} \\
    \theta_t &\leftarrow \begin{cases}
        \theta_{t-1} - \gamma (g_t + \mu b_t) & \text{Nesterov} \\
        \theta_{t-1} - \gamma b_t & \text{otherwise.}
    \end{cases}
    \end{aligned}
    $$

    With $\mu = 0$ this is plain SGD, $\theta_t = \theta_{t-1} - \gamma g_t$. With $\tau = 0$ and a
    constant $\gamma$ it is Polyak's heavy ball,
    $\theta_t = \theta_{t-1} - \gamma g_t + \mu (\theta_{t-1} - \theta_{t-2})$.

    References:
        - B. T. Polyak, "Some methods of speeding up the convergence of iteration methods",
          USSR Computational Mathematics and Mathematical Physics 4(5), 1964 (heavy ball).
        - Y. Nesterov, "A method of solving a convex programming problem with convergence rate
          $O(1/k^2)$", Soviet Mathematics Doklady 27, 1983.
        - I. Sutskever, J. Martens, G. Dahl, G. Hinton, "On the importance of initialization and
          momentum in deep learning", ICML 2013 (Nesterov momentum for deep networks).

    Differences:
        We follow torch, which differs from Sutskever et al. in three ways. (1) The learning rate
        multiplies the buffer instead of living inside it: Sutskever et al. write
        $v_t = \mu v_{t-1} - \gamma \nabla f(\theta_{t-1})$ and $\theta_t = \theta_{t-1} + v_t$,
        torch writes $b_t = \mu b_{t-1} + g_t$ and $\theta_t = \theta_{t-1} - \gamma b_t$. The
        two agree while $\gamma$ is constant ($v = -\gamma b$); when a schedule changes
        $\gamma$, torch rescales the whole accumulated velocity at once. (2) Sutskever et al.
        take the Nesterov gradient at the look-ahead point $\theta + \mu v$; torch's parameters
        *are* that look-ahead point, which turns the update into
        $\theta_t = \theta_{t-1} - \gamma (g_t + \mu b_t)$ with the gradient at the parameters
        themselves. (3) The buffer starts at the first gradient, not at zero, so dampening
        applies from the second step on.

        Unlike `torch.optim.SGD`: no `foreach`, `fused` or `differentiable` options, the
        learning rate is a number (not a tensor), and complex parameters are rejected (torch
        optimizes their real and imaginary parts).

    Args:
        params: The parameters to optimise, or dicts defining parameter groups.
        lr: The learning rate $\gamma$.
        momentum: The momentum factor $\mu$ (0 turns momentum off).
        dampening: The dampening $\tau$ of each new gradient in the buffer.
        weight_decay: The L2 penalty $\lambda$, added to the gradient.
        nesterov: Use Nesterov momentum (needs `momentum > 0` and `dampening == 0`).
        maximize: Maximise the objective instead of minimising it.

    Raises:
        TypeError: If a hyper-parameter is not a real number, or a parameter is complex.
        ValueError: If `lr`, `momentum` or `weight_decay` is negative, or `nesterov=True`
            without momentum or with dampening.

    Examples:
        >>> import torch
        >>> from dlnotes.optim import SGD
        >>> w = torch.tensor([3.0, -2.0], requires_grad=True)
        >>> optimizer = SGD([w], lr=0.1, momentum=0.5)
        >>> for _ in range(20):
        ...     optimizer.zero_grad()
        ...     loss = (w**2).sum()
        ...     loss.backward()
        ...     optimizer.step()
        >>> print(f"{loss.item():.2e}")
        1.20e-05
        >>> sorted(optimizer.state[w])
        ['momentum_buffer']
    """

    def __init__(
        self,
        params: Iterable[torch.Tensor] | Iterable[dict[str, Any]],
        lr: float = 1e-3,
        momentum: float = 0,
        dampening: float = 0,
        weight_decay: float = 0,
        nesterov: bool = False,
        *,
        maximize: bool = False,
    ) -> None:
        check_range("learning rate", lr, 0.0)
        check_range("momentum value", momentum, 0.0)
        check_range("weight_decay value", weight_decay, 0.0)
        check_range("dampening value", dampening)
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError(
                "Nesterov momentum requires a momentum and zero dampening "
                f"(got momentum={momentum}, dampening={dampening})"
            )
        defaults = {
            "lr": lr,
            "momentum": momentum,
            "dampening": dampening,
            "weight_decay": weight_decay,
            "nesterov": nesterov,
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
            lr, weight_decay = group["lr"], group["weight_decay"]
            mu, tau = group["momentum"], group["dampening"]
            for p in group["params"]:
                if p.grad is None:  # unused this step, or frozen: skipped, as torch does
                    continue
                grad = p.grad
                # g_t, negated when maximising so that the descent step below climbs
                if group["maximize"]:
                    grad = -grad
                if weight_decay != 0:
                    grad = grad.add(p, alpha=weight_decay)  # g_t + λ θ_{t-1}

                if mu != 0:
                    state = self.state[p]
                    # b_t: starts at g_1 (cloned: p.grad is reused or zeroed in place later)
                    buf = state.get("momentum_buffer")
                    if buf is None:
                        buf = state["momentum_buffer"] = grad.clone()
                    else:
                        buf.mul_(mu).add_(grad, alpha=1 - tau)
                    # Nesterov: g_t + μ b_t; heavy ball: b_t
                    grad = grad.add(buf, alpha=mu) if group["nesterov"] else buf

                # θ_t = θ_{t-1} - γ g_t
                p.add_(grad, alpha=-lr)
        return loss
