r"""Adam, AMSGrad and AdamW: moving averages of the gradient and of its square."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import torch

from dlnotes._checks import check_range
from dlnotes.optim._validate import check_real

__all__ = ["Adam", "AdamW"]


class Adam(torch.optim.Optimizer):
    r"""Adam, optionally with AMSGrad (`torch.optim.Adam`'s arithmetic).

    Adam keeps an exponential moving average $m_t$ of the gradient (momentum) and one, $v_t$,
    of its element-wise square (RMSprop's normaliser), and corrects both for their start at
    zero. With learning rate $\gamma$, decay rates $\beta_1, \beta_2$, weight decay $\lambda$
    and $\epsilon$ (squares, roots and the division are element-wise):

    $$
    \begin{aligned}
    g_t &\leftarrow \nabla_\theta f_t(\theta_{t-1}) + \lambda \theta_{t-1} \\
    m_t &\leftarrow \beta_1 m_{t-1} + (1 - \beta_1) g_t \\
    v_t &\leftarrow \beta_2 v_{t-1} + (1 - \beta_2) g_t^2 \\
    \hat m_t &\leftarrow m_t / (1 - \beta_1^t) \\
    \hat v_t &\leftarrow v_t / (1 - \beta_2^t) \\
    \theta_t &\leftarrow \theta_{t-1} - \gamma \, \hat m_t / (\sqrt{\hat v_t} + \epsilon)
    \end{aligned}
    $$

    with $m_0 = v_0 = 0$. AMSGrad (`amsgrad=True`) normalises by the largest second moment so
    far instead, so that the effective step size never grows:
    $v^{\max}_t \leftarrow \max(v^{\max}_{t-1}, v_t)$ and
    $\hat v_t \leftarrow v^{\max}_t / (1 - \beta_2^t)$. With `decoupled_weight_decay=True` this
    is [`AdamW`][dlnotes.optim.AdamW].

    References:
        - D. P. Kingma, J. Ba, "Adam: A method for stochastic optimization", ICLR 2015
          (arXiv:1412.6980); the update above is their Algorithm 1.
        - S. J. Reddi, S. Kale, S. Kumar, "On the convergence of Adam and beyond", ICLR 2018
          (AMSGrad).

    Differences:
        We follow torch, whose AMSGrad differs from Reddi et al.'s: they use no bias
        correction at all, torch keeps Adam's and applies $1 - \beta_2^t$ to the running
        maximum of the uncorrected $v_t$. `weight_decay` here is an L2 penalty added to the
        gradient, which Adam then rescales per coordinate; Loshchilov and Hutter show that this
        is not weight decay, and [`AdamW`][dlnotes.optim.AdamW] is the fix. Unlike
        `torch.optim.Adam`: no `foreach`, `fused`, `capturable` or `differentiable` options,
        the learning rate and betas are numbers (not tensors), and complex parameters are
        rejected (torch optimizes their real and imaginary parts).

    Args:
        params: The parameters to optimise, or dicts defining parameter groups.
        lr: The learning rate $\gamma$.
        betas: The decay rates $(\beta_1, \beta_2)$ of the two moving averages.
        eps: The term $\epsilon$ added to the denominator.
        weight_decay: The weight decay $\lambda$: an L2 penalty added to the gradient, or, with
            `decoupled_weight_decay=True`, a shrinking of the parameters.
        amsgrad: Use the AMSGrad variant.
        maximize: Maximise the objective instead of minimising it.
        decoupled_weight_decay: Decay the weights directly, as AdamW does.

    Raises:
        TypeError: If a hyper-parameter is not a real number, `betas` is not a pair, or a
            parameter is complex.
        ValueError: If a hyper-parameter is negative, or a beta is not in [0, 1).

    Examples:
        >>> import torch
        >>> from dlnotes.optim import Adam
        >>> w = torch.tensor([3.0, -2.0], requires_grad=True)
        >>> optimizer = Adam([w], lr=0.1)
        >>> def closure():
        ...     optimizer.zero_grad()
        ...     loss = (w**2).sum()
        ...     loss.backward()
        ...     return loss
        >>> print(f"{optimizer.step(closure).item():.4f}")
        13.0000
        >>> for _ in range(100):
        ...     loss = optimizer.step(closure)
        >>> print(f"{loss.item():.2e}")
        4.45e-04
        >>> sorted(optimizer.state[w])
        ['exp_avg', 'exp_avg_sq', 'step']
    """

    def __init__(
        self,
        params: Iterable[torch.Tensor] | Iterable[dict[str, Any]],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0,
        amsgrad: bool = False,
        *,
        maximize: bool = False,
        decoupled_weight_decay: bool = False,
    ) -> None:
        try:
            beta1, beta2 = betas
        except (TypeError, ValueError):
            raise TypeError(f"Invalid betas: {betas!r} (expected a pair of floats)") from None
        check_range("learning rate", lr, 0.0)
        check_range("epsilon value", eps, 0.0)
        check_range("beta parameter at index 0", beta1, 0.0, 1.0, high_open=True)
        check_range("beta parameter at index 1", beta2, 0.0, 1.0, high_open=True)
        check_range("weight_decay value", weight_decay, 0.0)
        defaults = {
            "lr": lr,
            "betas": (beta1, beta2),
            "eps": eps,
            "weight_decay": weight_decay,
            "amsgrad": amsgrad,
            "maximize": maximize,
            "decoupled_weight_decay": decoupled_weight_decay,
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
            beta1, beta2 = group["betas"]
            for p in group["params"]:
                if p.grad is None:  # unused this step, or frozen: skipped, as torch does
                    continue
                grad, state = p.grad, self.state[p]
                if not state:
                    # A tensor, as torch keeps it, so that state dicts move between the two.
                    state["step"] = torch.tensor(0.0)
                    state["exp_avg"] = torch.zeros_like(p)
                    state["exp_avg_sq"] = torch.zeros_like(p)
                    if group["amsgrad"]:
                        state["max_exp_avg_sq"] = torch.zeros_like(p)
                state["step"] += 1
                t = state["step"].item()

                # g_t, negated when maximising so that the descent step below climbs
                if group["maximize"]:
                    grad = -grad
                if weight_decay != 0:
                    if group["decoupled_weight_decay"]:
                        p.mul_(1 - lr * weight_decay)  # AdamW: θ_{t-1} ← (1 - γλ) θ_{t-1}
                    else:
                        grad = grad.add(p, alpha=weight_decay)  # g_t + λ θ_{t-1}

                # m_t = β1 m_{t-1} + (1 - β1) g_t
                m = state["exp_avg"].lerp_(grad, 1 - beta1)
                # v_t = β2 v_{t-1} + (1 - β2) g_t²
                v = state["exp_avg_sq"].mul_(beta2).addcmul_(grad, grad, value=1 - beta2)
                if group["amsgrad"]:
                    # v^max_t = max(v^max_{t-1}, v_t)
                    v = torch.maximum(state["max_exp_avg_sq"], v, out=state["max_exp_avg_sq"])

                # m̂_t and v̂_t are not formed as tensors: the bias corrections are numbers,
                # applied to √v_t and to the step size, as torch does.
                bias_correction1 = 1 - beta1**t
                bias_correction2 = 1 - beta2**t
                # √v̂_t + ε = √v_t / √(1 - β2^t) + ε
                denom = v.sqrt().div_(bias_correction2**0.5).add_(eps)
                # θ_t = θ_{t-1} - γ m̂_t / (√v̂_t + ε), with m̂_t = m_t / (1 - β1^t)
                p.addcdiv_(m, denom, value=-lr / bias_correction1)
        return loss


class AdamW(Adam):
    r"""AdamW: Adam with decoupled weight decay (`torch.optim.AdamW`'s arithmetic).

    Adam's `weight_decay` adds $\lambda \theta$ to the gradient, and Adam then divides it by
    $\sqrt{\hat v_t}$: weights with large gradients are barely decayed. AdamW shrinks the
    weights directly, outside the adaptive step, and leaves $g_t$ alone:

    $$
    \begin{aligned}
    g_t &\leftarrow \nabla_\theta f_t(\theta_{t-1}) \\
    \theta_{t-1} &\leftarrow (1 - \gamma \lambda) \, \theta_{t-1} \\
    \theta_t &\leftarrow \theta_{t-1} - \gamma \, \hat m_t / (\sqrt{\hat v_t} + \epsilon)
    \end{aligned}
    $$

    with $m_t$, $v_t$, $\hat m_t$, $\hat v_t$ (and AMSGrad) exactly as in
    [`Adam`][dlnotes.optim.Adam]. It is `Adam(..., decoupled_weight_decay=True)` with a
    default `weight_decay` of $10^{-2}$.

    References:
        - I. Loshchilov, F. Hutter, "Decoupled weight decay regularization", ICLR 2019
          (arXiv:1711.05101); the update above is their Algorithm 2.

    Differences:
        We follow torch, which multiplies the decay by the learning rate, $(1 - \gamma\lambda)$.
        The paper multiplies $\lambda$ by the schedule multiplier $\eta_t$ only, not by the
        base rate $\alpha$, so torch's $\lambda$ is the paper's $\lambda / \alpha$. Otherwise as
        for [`Adam`][dlnotes.optim.Adam].

    Args:
        params: The parameters to optimise, or dicts defining parameter groups.
        lr: The learning rate $\gamma$.
        betas: The decay rates $(\beta_1, \beta_2)$ of the two moving averages.
        eps: The term $\epsilon$ added to the denominator.
        weight_decay: The decoupled weight decay $\lambda$.
        amsgrad: Use the AMSGrad variant.
        maximize: Maximise the objective instead of minimising it.

    Raises:
        TypeError: If a hyper-parameter is not a real number, `betas` is not a pair, or a
            parameter is complex.
        ValueError: If a hyper-parameter is negative, or a beta is not in [0, 1).

    Examples:
        >>> import torch
        >>> from dlnotes.optim import AdamW
        >>> w = torch.ones(3, requires_grad=True)
        >>> optimizer = AdamW([w], lr=0.1, weight_decay=0.5)
        >>> w.grad = torch.zeros(3)  # no gradient: only the decay acts
        >>> optimizer.step()
        >>> w
        tensor([0.9500, 0.9500, 0.9500], requires_grad=True)
    """

    def __init__(
        self,
        params: Iterable[torch.Tensor] | Iterable[dict[str, Any]],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 1e-2,
        amsgrad: bool = False,
        *,
        maximize: bool = False,
    ) -> None:
        super().__init__(
            params,
            lr,
            betas,
            eps,
            weight_decay,
            amsgrad,
            maximize=maximize,
            decoupled_weight_decay=True,
        )

    # load_state_dict goes through here: like torch, keep the decay decoupled even when the state
    # dict was saved by Adam.
    def __setstate__(self, state: dict[str, Any]) -> None:
        super().__setstate__(state)
        for group in self.param_groups:
            group["decoupled_weight_decay"] = True
