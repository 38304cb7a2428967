r"""RMSprop: divide the gradient by a running average of its recent magnitude."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import torch

from dlnotes._checks import check_range
from dlnotes.optim._validate import check_real

__all__ = ["RMSprop"]


class RMSprop(torch.optim.Optimizer):
    r"""RMSprop, optionally centered and with momentum (`torch.optim.RMSprop`'s arithmetic).

    Adagrad's sum of squared gradients only grows, so its steps shrink for good; RMSprop keeps
    an exponential moving average $v_t$ instead, which forgets old gradients. With learning rate
    $\gamma$, smoothing constant $\alpha$, momentum $\mu$, weight decay $\lambda$ and
    $\epsilon$ (squares, roots and the division are element-wise):

    $$
    \begin{aligned}
    g_t &\leftarrow \nabla_\theta f_t(\theta_{t-1}) + \lambda \theta_{t-1} \\
    v_t &\leftarrow \alpha v_{t-1} + (1 - \alpha) g_t^2 \\
    \tilde v_t &\leftarrow \begin{cases}
        v_t - \bar g_t^2 \text{ with } \bar g_t \leftarrow \alpha \bar g_{t-1} + (1 - \alpha) g_t
            & \text{centered} \\
        v_t & \text{otherwise}
    \end{cases} \\
    b_t &\leftarrow \mu b_{t-1} + g_t / (\sqrt{\tilde v_t} + \epsilon) \\
    \theta_t &\leftarrow \theta_{t-1} - \gamma b_t
    \end{aligned}
    $$

    with $v_0 = \bar g_0 = b_0 = 0$. Without momentum ($\mu = 0$) the last two lines are
    $\theta_t = \theta_{t-1} - \gamma g_t / (\sqrt{\tilde v_t} + \epsilon)$. The centered
    version subtracts the squared mean $\bar g_t^2$, so $\tilde v_t$ estimates the gradient's
    variance rather than its second moment.

    References:
        - G. Hinton, N. Srivastava, K. Swersky, "Neural networks for machine learning, lecture
          6e: rmsprop: divide the gradient by a running average of its recent magnitude",
          Coursera, 2012 (unpublished lecture slides).
        - A. Graves, "Generating sequences with recurrent neural networks", arXiv:1308.0850,
          2013 (the centered version, with momentum).

    Differences:
        We follow torch, which adds $\epsilon$ outside the square root; Graves adds it inside,
        $\sqrt{v_t - \bar g_t^2 + \epsilon}$, and keeps the learning rate inside the momentum
        buffer (as Sutskever et al. do for SGD), which agrees with torch's $\gamma b_t$ only
        while $\gamma$ is constant. Unlike `torch.optim.RMSprop`: no `foreach`, `capturable` or
        `differentiable` options, the learning rate is a number (not a tensor), sparse
        gradients are not supported (nor are they in torch), complex parameters are rejected
        (torch optimizes their real and imaginary parts), and so is $\alpha > 1$, which torch
        accepts although it gives $1 - \alpha < 0$, a negative $v_t$ and a NaN update.

    Args:
        params: The parameters to optimise, or dicts defining parameter groups.
        lr: The learning rate $\gamma$.
        alpha: The smoothing constant $\alpha$ of the moving averages.
        eps: The term $\epsilon$ added to the denominator.
        weight_decay: The L2 penalty $\lambda$, added to the gradient.
        momentum: The momentum factor $\mu$ (0 turns momentum off).
        centered: Normalise by the estimated variance instead of the second moment.
        maximize: Maximise the objective instead of minimising it.

    Raises:
        TypeError: If a hyper-parameter is not a real number, or a parameter is complex.
        ValueError: If a hyper-parameter is negative, or `alpha` is above 1.

    Examples:
        >>> import torch
        >>> from dlnotes.optim import RMSprop
        >>> w = torch.tensor([3.0, -2.0], requires_grad=True)
        >>> optimizer = RMSprop([w], lr=0.01, centered=True, momentum=0.9)
        >>> for _ in range(100):
        ...     optimizer.zero_grad()
        ...     loss = (w**2).sum()
        ...     loss.backward()
        ...     optimizer.step()
        >>> print(f"{loss.item():.2e}")
        2.84e-04
        >>> sorted(optimizer.state[w])
        ['grad_avg', 'momentum_buffer', 'square_avg', 'step']
    """

    def __init__(
        self,
        params: Iterable[torch.Tensor] | Iterable[dict[str, Any]],
        lr: float = 1e-2,
        alpha: float = 0.99,
        eps: float = 1e-8,
        weight_decay: float = 0,
        momentum: float = 0,
        centered: bool = False,
        *,
        maximize: bool = False,
    ) -> None:
        check_range("learning rate", lr, 0.0)
        check_range("epsilon value", eps, 0.0)
        check_range("momentum value", momentum, 0.0)
        check_range("weight_decay value", weight_decay, 0.0)
        check_range("alpha value", alpha, 0.0, 1.0)  # 1 - α < 0 would make v_t negative
        defaults = {
            "lr": lr,
            "momentum": momentum,
            "alpha": alpha,
            "eps": eps,
            "centered": centered,
            "weight_decay": weight_decay,
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
            lr, alpha, eps = group["lr"], group["alpha"], group["eps"]
            mu, weight_decay = group["momentum"], group["weight_decay"]
            for p in group["params"]:
                if p.grad is None:  # unused this step, or frozen: skipped, as torch does
                    continue
                grad, state = p.grad, self.state[p]
                if not state:
                    # A tensor, as torch keeps it, so that state dicts move between the two.
                    state["step"] = torch.tensor(0.0)
                    state["square_avg"] = torch.zeros_like(p)
                    if mu > 0:
                        state["momentum_buffer"] = torch.zeros_like(p)
                    if group["centered"]:
                        state["grad_avg"] = torch.zeros_like(p)
                state["step"] += 1

                # g_t, negated when maximising so that the descent step below climbs
                if group["maximize"]:
                    grad = -grad
                if weight_decay != 0:
                    grad = grad.add(p, alpha=weight_decay)  # g_t + λ θ_{t-1}

                # v_t = α v_{t-1} + (1 - α) g_t²
                v = state["square_avg"].mul_(alpha).addcmul_(grad, grad, value=1 - alpha)
                if group["centered"]:
                    # ḡ_t = α ḡ_{t-1} + (1 - α) g_t, and √(v_t - ḡ_t²) + ε
                    g_bar = state["grad_avg"].lerp_(grad, 1 - alpha)
                    denom = v.addcmul(g_bar, g_bar, value=-1).sqrt_().add_(eps)
                else:
                    denom = v.sqrt().add_(eps)  # √v_t + ε

                if mu > 0:
                    # b_t = μ b_{t-1} + g_t / (√ṽ_t + ε), then θ_t = θ_{t-1} - γ b_t
                    buf = state["momentum_buffer"].mul_(mu).addcdiv_(grad, denom)
                    p.add_(buf, alpha=-lr)
                else:
                    # θ_t = θ_{t-1} - γ g_t / (√ṽ_t + ε)
                    p.addcdiv_(grad, denom, value=-lr)
        return loss
