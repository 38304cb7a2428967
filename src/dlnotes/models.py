r"""Models built from scratch: a linear layer, linear regression and the multilayer perceptron.

- [`Linear`][dlnotes.models.Linear]: $y = x A^\top + b$, a drop-in replacement for
  `torch.nn.Linear` (same parameters, same default initialisation, same random numbers).
- [`LinearRegression`][dlnotes.models.LinearRegression]: one `Linear` layer, for the chapter on
  fitting a line.
- [`MLP`][dlnotes.models.MLP]: `Linear` layers with activations (and optionally dropout) in
  between, and [`MLP.init_params`][dlnotes.models.MLP.init_params] for He initialisation.

Every module takes an explicit `generator=` so that initialisation is repeatable without touching
the global random state; the tests check each one against its `torch.nn` counterpart.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence

import torch
from torch import nn

from dlnotes._checks import check_int, check_range
from dlnotes.activations import Activation

__all__ = ["MLP", "Linear", "LinearRegression"]


class Linear(nn.Module):
    r"""A fully connected layer: $y = x A^\top + b$.

    The weight $A$ has shape (out_features, in_features), as in `torch.nn.Linear`, so that each
    row holds the weights of one output unit. Inputs may have any number of leading dimensions:
    (N, *, in_features) gives (N, *, out_features).

    **Initialisation.** Like `torch.nn.Linear`, every weight and bias is drawn from

    $$
    \mathcal{U}\left(-\frac{1}{\sqrt{\text{in\_features}}},\
    \frac{1}{\sqrt{\text{in\_features}}}\right).
    $$

    torch writes this as `kaiming_uniform_(weight, a=math.sqrt(5))`: the gain for a leaky ReLU
    of slope $a$ is $\sqrt{2 / (1 + a^2)} = \sqrt{1/3}$, the standard deviation is
    $\text{gain} / \sqrt{\text{fan\_in}}$, and a uniform distribution with that standard deviation
    has bound $\sqrt 3 \cdot \text{std} = 1 / \sqrt{\text{fan\_in}}$. The draws are made in the
    same order (weight, then bias), so with the same random state the two layers start equal.

    Args:
        in_features: Size of each input sample.
        out_features: Size of each output sample.
        bias: Whether to add the learnable bias $b$.
        generator: Random numbers for the initialisation; torch's global generator if `None`.
        dtype: The parameters' dtype; torch's default (float32) if `None`.
        device: The parameters' device.

    Raises:
        TypeError: If a size is not an int.
        ValueError: If a size is not positive.

    Examples:
        >>> import torch
        >>> from dlnotes.models import Linear
        >>> layer = Linear(3, 2, generator=torch.Generator().manual_seed(0))
        >>> layer
        Linear(in_features=3, out_features=2, bias=True)
        >>> layer.weight.shape, layer.bias.shape
        (torch.Size([2, 3]), torch.Size([2]))
        >>> layer(torch.zeros(5, 4, 3)).shape
        torch.Size([5, 4, 2])
    """

    def __init__(
        self,
        in_features: int,
        out_features: int,
        bias: bool = True,
        *,
        generator: torch.Generator | None = None,
        dtype: torch.dtype | None = None,
        device: str | torch.device | None = None,
    ) -> None:
        super().__init__()
        self.in_features = check_int("in_features", in_features, minimum=1)
        self.out_features = check_int("out_features", out_features, minimum=1)
        factory = {"dtype": dtype, "device": device}
        self.weight = nn.Parameter(torch.empty(out_features, in_features, **factory))  # (out, in)
        if bias:
            self.bias = nn.Parameter(torch.empty(out_features, **factory))  # (out,)
        else:
            self.register_parameter("bias", None)
        self.reset_parameters(generator)

    def reset_parameters(self, generator: torch.Generator | None = None) -> None:
        r"""Redraws the parameters from $\mathcal{U}(-1/\sqrt{n}, 1/\sqrt{n})$, n = in_features.

        Args:
            generator: Random numbers to use; torch's global generator if `None`.
        """
        bound = 1 / math.sqrt(self.in_features)
        with torch.no_grad():
            self.weight.uniform_(-bound, bound, generator=generator)
            if self.bias is not None:
                self.bias.uniform_(-bound, bound, generator=generator)

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        """Computes `X @ weight.T + bias`.

        Args:
            X: Inputs of shape (N, *, in_features), or (in_features,) for one sample.

        Returns:
            Outputs of shape (N, *, out_features).
        """
        y = X @ self.weight.T  # (N, *, in) @ (in, out) -> (N, *, out)
        # (out,) broadcasts over the leading dimensions
        return y if self.bias is None else y + self.bias

    def extra_repr(self) -> str:
        """The sizes, as `torch.nn.Linear` prints them."""
        return (
            f"in_features={self.in_features}, out_features={self.out_features}, "
            f"bias={self.bias is not None}"
        )


class LinearRegression(nn.Module):
    r"""Linear regression $\hat y = x w^\top + b$: one [`Linear`][dlnotes.models.Linear] layer.

    With the defaults it fits a line $\hat y = w x + b$ through points $(x_i, y_i)$: inputs of
    shape (N, 1), outputs of shape (N, 1). [`w`][dlnotes.models.LinearRegression.w] and
    [`b`][dlnotes.models.LinearRegression.b] are the layer's `weight` and `bias` parameters
    themselves (not copies), so they can be read, plotted and changed in place under
    `torch.no_grad()`, as a hand-written gradient-descent step does: `model.w -= lr * model.w.grad`.

    Args:
        in_features: Number of input features.
        out_features: Number of targets.
        generator: Random numbers for the initialisation; torch's global generator if `None`.

    Raises:
        TypeError: If a size is not an int.
        ValueError: If a size is not positive.

    Examples:
        >>> import torch
        >>> from dlnotes.models import LinearRegression
        >>> model = LinearRegression()
        >>> with torch.no_grad():
        ...     model.w[:] = 2.0
        ...     model.b[:] = 1.0
        >>> model(torch.tensor([[0.0], [3.0]]))
        tensor([[1.],
                [7.]], grad_fn=<AddBackward0>)
    """

    def __init__(
        self,
        in_features: int = 1,
        out_features: int = 1,
        *,
        generator: torch.Generator | None = None,
    ) -> None:
        super().__init__()
        self.linear = Linear(in_features, out_features, generator=generator)

    @property
    def w(self) -> nn.Parameter:
        """The weight, shape (out_features, in_features): (1, 1) for a line."""
        return self.linear.weight

    @property
    def b(self) -> nn.Parameter:
        """The bias, shape (out_features,)."""
        return self.linear.bias

    def __setattr__(self, name: str, value: object) -> None:
        # `model.w -= lr * grad` updates the parameter in place and then assigns the result back
        # to `model.w`: accept that assignment of the very same object, refuse any other.
        if name in ("w", "b"):
            if value is not getattr(self, name):
                raise AttributeError(
                    f"Cannot assign {type(value).__name__} to {name}: change it in place under "
                    f"torch.no_grad() instead (model.{name} -= ..., model.{name}.copy_(...))"
                )
            return
        super().__setattr__(name, value)

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        """Returns the predictions `y_hat`, shape (N, out_features).

        Args:
            X: Inputs of shape (N, in_features).
        """
        return self.linear(X)


class MLP(nn.Module):
    r"""A multilayer perceptron: `Linear` layers with an activation after each hidden one.

    For hidden sizes $h_1, \dots, h_L$ and activation $\sigma$:

    $$
    H_0 = X, \qquad H_l = \sigma\left(H_{l-1} W_l^\top + b_l\right)\ (l = 1, \dots, L),
    \qquad \text{logits} = H_L W_{L+1}^\top + b_{L+1}.
    $$

    With `dropout=p > 0`, a `torch.nn.Dropout(p)` follows each hidden activation (Srivastava et
    al., "Dropout: A simple way to prevent neural networks from overfitting", JMLR 2014): in
    training mode it zeroes each unit with probability $p$ and scales the rest by $1/(1-p)$; in
    evaluation mode (`model.eval()`) it does nothing, so the output is deterministic.

    Images need no reshaping: an input with more than two dimensions whose trailing dimensions
    hold exactly `in_features` numbers, such as MNIST's (N, 1, 28, 28) for `in_features=784`, is
    flattened with `X.flatten(1)`. Otherwise the layers apply to the last dimension, as
    `torch.nn.Linear` does.

    Args:
        in_features: Size of each input sample (after flattening).
        hidden_features: The size of the hidden layer, or a sequence with one size per hidden
            layer; an empty sequence gives a linear model (softmax regression).
        out_features: Number of outputs, e.g. classes.
        activation: A name accepted by [`Activation`][dlnotes.activations.Activation].
        dropout: Probability of zeroing a hidden unit during training, in [0, 1).
        generator: Random numbers for the default (`torch.nn.Linear`-style) initialisation.

    Raises:
        TypeError: If a size is not an int.
        ValueError: If a size is not positive, `dropout` is outside [0, 1) or the activation
            is unknown.

    Examples:
        >>> import torch
        >>> from dlnotes.models import MLP
        >>> model = MLP(784, [256, 128], 10, dropout=0.5)
        >>> model
        MLP(
          in_features=784, hidden_features=(256, 128), out_features=10, activation='relu', dropout=0.5
          (layers): Sequential(
            (0): Linear(in_features=784, out_features=256, bias=True)
            (1): Activation(name='relu')
            (2): Dropout(p=0.5, inplace=False)
            (3): Linear(in_features=256, out_features=128, bias=True)
            (4): Activation(name='relu')
            (5): Dropout(p=0.5, inplace=False)
            (6): Linear(in_features=128, out_features=10, bias=True)
          )
        )
        >>> model(torch.zeros(32, 1, 28, 28)).shape
        torch.Size([32, 10])
    """

    def __init__(
        self,
        in_features: int,
        hidden_features: int | Sequence[int],
        out_features: int,
        activation: str = "relu",
        dropout: float = 0.0,
        *,
        generator: torch.Generator | None = None,
    ) -> None:
        super().__init__()
        self.in_features = check_int("in_features", in_features, minimum=1)
        self.out_features = check_int("out_features", out_features, minimum=1)
        if isinstance(hidden_features, int):
            hidden_features = [hidden_features]
        if isinstance(hidden_features, (str, bytes)) or not isinstance(hidden_features, Sequence):
            raise TypeError(
                f"Invalid hidden_features: {hidden_features!r} (expected an int or a sequence "
                "of ints)"
            )
        self.hidden_features = tuple(
            check_int("hidden_features", h, minimum=1) for h in hidden_features
        )
        self.dropout = check_range("dropout", dropout, 0.0, 1.0, high_open=True)
        Activation(activation)  # fails early, with the valid names, if the name is unknown
        self.activation = activation.lower()

        layers: list[nn.Module] = []
        sizes = [self.in_features, *self.hidden_features]
        for fan_in, fan_out in itertools.pairwise(sizes):
            layers += [Linear(fan_in, fan_out, generator=generator), Activation(self.activation)]
            if self.dropout > 0:
                layers.append(nn.Dropout(self.dropout))
        layers.append(Linear(sizes[-1], self.out_features, generator=generator))
        self.layers = nn.Sequential(*layers)

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        r"""Returns the logits, shape (N, out_features).

        Args:
            X: Inputs of shape (N, in_features), or (N, d_1, ..., d_k) with
                $d_1 \cdots d_k$ = `in_features` (flattened first), or (N, *, in_features).

        Returns:
            The outputs of the last layer, with no activation applied.
        """
        if X.dim() > 2 and X.shape[1:].numel() == self.in_features:
            X = X.flatten(1)  # (N, 1, 28, 28) -> (N, 784)
        return self.layers(X)

    @torch.no_grad()
    def init_params(self, generator: torch.Generator | int | None = None) -> MLP:
        r"""Re-initialises every layer with He (Kaiming) normal weights and zero biases.

        This is `torch.nn.init.kaiming_normal_(W)` followed by `torch.nn.init.zeros_(b)` for each
        layer, written out:

        $$
        W_{ij} \sim \mathcal{N}\!\left(0,\ \sigma^2\right), \qquad
        \sigma = \frac{\text{gain}}{\sqrt{\text{fan\_in}}} = \sqrt{\frac{2}{\text{fan\_in}}},
        \qquad b = 0,
        $$

        where fan_in is the layer's in_features. With this variance the mean square of the
        activations stays about the same from layer to layer in a ReLU network (He, Zhang, Ren &
        Sun, "Delving deep into rectifiers: Surpassing human-level performance on ImageNet
        classification", ICCV 2015). The gain $\sqrt 2$ is torch's default (`a=0`,
        `nonlinearity='leaky_relu'`), whatever this model's activation; the numbers drawn are the
        same as torch's for the same generator state.

        Args:
            generator: A `torch.Generator`, a seed for a new one, or `None` for torch's global
                generator.

        Returns:
            The model itself, so that `MLP(...).init_params(0)` works.

        Raises:
            TypeError: If `generator` is neither a generator, an int nor `None`.

        Examples:
            >>> from dlnotes.models import MLP
            >>> model = MLP(784, 256, 10).init_params(0)
            >>> w = model.layers[0].weight
            >>> round(w.std().item(), 3), round((2 / 784) ** 0.5, 3)
            (0.051, 0.051)
            >>> model.layers[0].bias.abs().max().item()
            0.0
        """
        if isinstance(generator, int) and not isinstance(generator, bool):
            device = self.layers[0].weight.device  # a generator must live where it draws
            generator = torch.Generator(device=device).manual_seed(generator)
        elif generator is not None and not isinstance(generator, torch.Generator):
            raise TypeError(f"Invalid generator: {generator!r} (expected a torch.Generator or int)")
        gain = math.sqrt(2.0)  # torch's calculate_gain('leaky_relu', 0)
        for layer in self.layers:
            if isinstance(layer, Linear):
                fan_in = layer.in_features
                # sigma = gain / sqrt(fan_in)
                std = gain / math.sqrt(fan_in)
                layer.weight.normal_(0, std, generator=generator)
                if layer.bias is not None:
                    layer.bias.zero_()
        return self

    def extra_repr(self) -> str:
        """The constructor's arguments, shown above the layers."""
        return (
            f"in_features={self.in_features}, hidden_features={self.hidden_features}, "
            f"out_features={self.out_features}, activation={self.activation!r}, "
            f"dropout={self.dropout}"
        )
