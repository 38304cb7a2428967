r"""A tiny neural network made of [`Value`][dlnotes.autograd.Value] scalars.

Everything a training loop needs, with nothing hidden: a
[`Neuron`][dlnotes.scalar_nn.Neuron] computes $\phi(\sum_i w_i x_i + b)$, a
[`Layer`][dlnotes.scalar_nn.Layer] is a list of neurons reading the same inputs, and a
[`ScalarMLP`][dlnotes.scalar_nn.ScalarMLP] chains layers. Each weight is a separate `Value`, so
the graph of one forward pass can be printed and drawn node by node; `torch.nn.Linear` does the
same arithmetic on whole tensors at once, which is why real networks use it.

Initialisation is deterministic: every constructor takes a `random.Random` or a seed. Weights
and biases are drawn from $U(-1/\sqrt{n}, 1/\sqrt{n})$ for $n$ inputs, the distribution of
`torch.nn.Linear`'s default initialisation. After A. Karpathy's *micrograd* (2020,
<https://github.com/karpathy/micrograd>).

A training loop follows the same steps as with torch: forward, `zero_grad`, `backward`, update.

Examples:
    >>> from dlnotes.scalar_nn import ScalarMLP
    >>> X = [[2.0, 3.0], [1.0, -1.0], [-1.0, 0.5], [0.0, -2.0]]
    >>> y = [1.0, -1.0, -1.0, 1.0]
    >>> model = ScalarMLP(2, [4, 1], generator=0)
    >>> lr = 0.05
    >>> losses = []
    >>> for step in range(20):
    ...     loss = sum((model(x_i)[0] - y_i) ** 2 for x_i, y_i in zip(X, y))
    ...     model.zero_grad()  # backward adds to .grad: clear the last step's gradients
    ...     loss.backward()
    ...     for p in model.parameters():
    ...         p.data -= lr * p.grad
    ...     losses.append(loss.data)
    >>> losses[-1] < losses[0] / 2
    True
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from itertools import pairwise
from typing import Literal

from dlnotes._checks import check_int
from dlnotes.autograd import Value

__all__ = ["Layer", "Neuron", "ScalarMLP", "ScalarModule"]

Activation = Literal["tanh", "relu", "sigmoid", "linear"]
_ACTIVATIONS = ("tanh", "relu", "sigmoid", "linear")


def _as_generator(generator: random.Random | int | None) -> random.Random:
    """A `random.Random` to draw from: the one given, one seeded with the int, or seed 0."""
    if generator is None:
        return random.Random(0)
    if isinstance(generator, random.Random):
        return generator
    if isinstance(generator, int) and not isinstance(generator, bool):
        return random.Random(generator)
    raise TypeError(
        f"generator must be a random.Random, an int seed or None, got "
        f"{type(generator).__name__}: {generator!r}"
    )


class ScalarModule:
    """The base of the scalar networks: a list of parameters, and a way to clear their gradients."""

    def parameters(self) -> list[Value]:
        """Returns the trainable values, in a fixed order."""
        return []

    def zero_grad(self) -> None:
        """Sets every parameter's `grad` to 0.0.

        [`Value.backward`][dlnotes.autograd.Value.backward] adds to `grad`, so call this before
        each backward pass of a training loop, or the gradients of earlier steps pile up.
        """
        for p in self.parameters():
            p.grad = 0.0


class Neuron(ScalarModule):
    r"""One neuron: $\phi(\sum_i w_i x_i + b)$.

    Args:
        n_inputs: The number of inputs $n$.
        activation: $\phi$: `"tanh"`, `"relu"`, `"sigmoid"`, or `"linear"` for none.
        generator: Where the initial weights come from: a `random.Random` (which advances),
            an int seed, or `None` for seed 0. The weights $w_0, \dots, w_{n-1}$ are drawn first,
            then $b$.

    Raises:
        TypeError: If `n_inputs` is not an int or `generator` is of the wrong type.
        ValueError: If `n_inputs` is not positive or `activation` is unknown.

    Examples:
        >>> from dlnotes.scalar_nn import Neuron
        >>> neuron = Neuron(2, activation="linear", generator=0)
        >>> neuron.w[0].data, neuron.w[1].data = 2.0, -1.0
        >>> neuron.b.data = 0.5
        >>> neuron([3.0, 4.0])  # 2*3 - 1*4 + 0.5
        Value(data=2.5, grad=0.0)
    """

    def __init__(
        self,
        n_inputs: int,
        activation: Activation = "tanh",
        *,
        generator: random.Random | int | None = None,
    ) -> None:
        self.n_inputs = check_int("n_inputs", n_inputs, minimum=1)
        if activation not in _ACTIVATIONS:
            raise ValueError(f"Unknown activation: {activation!r} (expected one of {_ACTIVATIONS})")
        self.activation = activation
        rng = _as_generator(generator)
        bound = 1 / math.sqrt(n_inputs)
        self.w = [Value(rng.uniform(-bound, bound), label=f"w{i}") for i in range(n_inputs)]
        self.b = Value(rng.uniform(-bound, bound), label="b")

    def __call__(self, x: Sequence[Value | float]) -> Value:
        """Returns the neuron's output for the inputs `x` (numbers or values)."""
        if len(x) != self.n_inputs:
            raise ValueError(f"Expected {self.n_inputs} inputs, got {len(x)}: {x!r}")
        # z = sum_i w_i x_i + b
        z = sum((w_i * x_i for w_i, x_i in zip(self.w, x, strict=True)), self.b)
        return z if self.activation == "linear" else getattr(z, self.activation)()

    def parameters(self) -> list[Value]:
        """Returns `[w_0, ..., w_{n-1}, b]`."""
        return [*self.w, self.b]

    def __repr__(self) -> str:
        return f"Neuron({self.n_inputs}, activation={self.activation!r})"


class Layer(ScalarModule):
    """`n_outputs` neurons reading the same inputs, like `torch.nn.Linear` plus an activation.

    Args:
        n_inputs: The number of inputs of each neuron.
        n_outputs: The number of neurons.
        activation: The activation of every neuron (see [`Neuron`][dlnotes.scalar_nn.Neuron]).
        generator: Where the initial weights come from, neuron after neuron.

    Raises:
        TypeError: If a size is not an int or `generator` is of the wrong type.
        ValueError: If a size is not positive or `activation` is unknown.

    Examples:
        >>> from dlnotes.scalar_nn import Layer
        >>> layer = Layer(3, 2, generator=0)
        >>> len(layer([1.0, 2.0, 3.0])), len(layer.parameters())  # 2 * (3 weights + 1 bias)
        (2, 8)
    """

    def __init__(
        self,
        n_inputs: int,
        n_outputs: int,
        activation: Activation = "tanh",
        *,
        generator: random.Random | int | None = None,
    ) -> None:
        check_int("n_outputs", n_outputs, minimum=1)
        rng = _as_generator(generator)
        self.neurons = [Neuron(n_inputs, activation, generator=rng) for _ in range(n_outputs)]

    def __call__(self, x: Sequence[Value | float]) -> list[Value]:
        """Returns one output per neuron."""
        return [neuron(x) for neuron in self.neurons]

    def parameters(self) -> list[Value]:
        """Returns each neuron's weights then its bias, neuron after neuron."""
        return [p for neuron in self.neurons for p in neuron.parameters()]

    def __repr__(self) -> str:
        first = self.neurons[0]
        return f"Layer({first.n_inputs}, {len(self.neurons)}, activation={first.activation!r})"


class ScalarMLP(ScalarModule):
    """A multilayer perceptron: layers of neurons, the last one without an activation.

    The last layer is linear so that the outputs can take any value (regression targets, or
    logits for a loss to squash); the hidden layers use `activation`.

    Args:
        n_inputs: The number of inputs.
        layer_sizes: The number of neurons of each layer, the last being the number of outputs
            (`[4, 4, 1]`: two hidden layers of 4, one output).
        activation: The activation of the hidden layers.
        generator: Where the initial weights come from, layer after layer.

    Raises:
        TypeError: If a size is not an int or `generator` is of the wrong type.
        ValueError: If `layer_sizes` is empty, a size is not positive, or `activation` is
            unknown.

    Examples:
        >>> from dlnotes.scalar_nn import ScalarMLP
        >>> model = ScalarMLP(2, [3, 1], generator=42)
        >>> model
        ScalarMLP(2, [3, 1], activation='tanh')
        >>> len(model.parameters())  # 3 * (2 + 1) + 1 * (3 + 1)
        13
        >>> y_hat = model([0.5, -1.0])  # always a list, here of one value
        >>> len(y_hat)
        1
    """

    def __init__(
        self,
        n_inputs: int,
        layer_sizes: Sequence[int],
        activation: Activation = "tanh",
        *,
        generator: random.Random | int | None = None,
    ) -> None:
        check_int("n_inputs", n_inputs, minimum=1)
        if isinstance(layer_sizes, (str, bytes)) or not isinstance(layer_sizes, Sequence):
            raise TypeError(f"layer_sizes must be a sequence of ints, got {layer_sizes!r}")
        if len(layer_sizes) == 0:
            raise ValueError(f"Invalid layer_sizes: {layer_sizes!r} (need at least one layer)")
        sizes = [n_inputs, *(check_int("layer size", n, minimum=1) for n in layer_sizes)]
        if activation not in _ACTIVATIONS:
            raise ValueError(f"Unknown activation: {activation!r} (expected one of {_ACTIVATIONS})")
        self.activation = activation
        rng = _as_generator(generator)
        last = len(layer_sizes) - 1
        self.layers = [
            Layer(n_in, n_out, activation if i < last else "linear", generator=rng)
            for i, (n_in, n_out) in enumerate(pairwise(sizes))
        ]

    def __call__(self, x: Sequence[Value | float]) -> list[Value]:
        """Returns the outputs of the last layer, a list even when there is one."""
        for layer in self.layers:
            x = layer(x)
        return x

    def parameters(self) -> list[Value]:
        """Returns each layer's parameters in turn."""
        return [p for layer in self.layers for p in layer.parameters()]

    def __repr__(self) -> str:
        n_inputs = self.layers[0].neurons[0].n_inputs
        sizes = [len(layer.neurons) for layer in self.layers]
        return f"ScalarMLP({n_inputs}, {sizes}, activation={self.activation!r})"
