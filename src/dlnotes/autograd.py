r"""A scalar reverse-mode automatic differentiation engine, small enough to read in one sitting.

Each [`Value`][dlnotes.autograd.Value] holds one number (`data`), the gradient of the final
output with respect to it (`grad`), the values it was computed from (`children`) and the
*local* derivatives of the operation that made it (`local_grads`). Doing arithmetic on values
records this graph; [`Value.backward`][dlnotes.autograd.Value.backward] walks it backwards.

**Reverse mode.** Let $L$ be the output and $v$ a node computed from children $u_1, \dots, u_k$.
The chain rule says that a child's gradient collects, over every node $v$ that uses it,

$$
\frac{\partial L}{\partial u_i} \mathrel{+}= \frac{\partial L}{\partial v}\,
\frac{\partial v}{\partial u_i}.
$$

The local derivative $\partial v / \partial u_i$ is known as soon as $v$ is computed (for
$v = u_1 u_2$ it is $u_2$ and $u_1$); $\partial L / \partial v$ is known only once every node
that uses $v$ has passed its gradient back. Visiting nodes in *reverse topological order* (the
output first, and every node before the nodes it was computed from) guarantees exactly that. One
backward pass gives the gradient with respect to every input at the cost of about one forward
pass, which is why training uses reverse mode.

A value used twice (`x * x`, or a weight used for several examples) influences $L$ along
several paths, and the multivariable chain rule sums the paths: hence `+=`.

[`topological_order`][dlnotes.autograd.topological_order] and
[`to_mermaid`][dlnotes.autograd.to_mermaid] list and draw the graph. The module
`dlnotes.scalar_nn` builds small networks on this engine
([`ScalarMLP`][dlnotes.scalar_nn.ScalarMLP]).

The design follows A. Karpathy's *micrograd* (2020, <https://github.com/karpathy/micrograd>);
storing local derivatives instead of backward closures follows his *microgpt* (2026,
<https://karpathy.github.io/2026/02/12/microgpt/>). For a survey of the field see A. G. Baydin,
B. A. Pearlmutter, A. A. Radul and J. M. Siskind, "Automatic differentiation in machine learning:
a survey", *Journal of Machine Learning Research* 18(153):1-43, 2018.
"""

from __future__ import annotations

import math
from numbers import Real

from dlnotes._checks import check_range

__all__ = ["Value", "to_mermaid", "topological_order"]


def _is_number(x: object) -> bool:
    # bool is an int subclass, but `Value(True)` is almost always a mistake.
    return isinstance(x, Real) and not isinstance(x, bool)


class Value:
    r"""A scalar that remembers how it was computed, so that gradients can flow back to it.

    Arithmetic (`+ - * / **`, unary `-`, also with plain numbers on either side) and the
    methods [`exp`][dlnotes.autograd.Value.exp], [`log`][dlnotes.autograd.Value.log],
    [`tanh`][dlnotes.autograd.Value.tanh], [`relu`][dlnotes.autograd.Value.relu] and
    [`sigmoid`][dlnotes.autograd.Value.sigmoid] return new values linked to their inputs.
    Numbers are wrapped in a `Value` leaf when they enter the graph.

    Attributes:
        data: The number, a Python float. Optimisers change it in place.
        grad: $\partial L / \partial \text{self}$, where $L$ is the value `backward` was
            called on, summed over the calls since the last reset; 0.0 at first.
        label: A name for printing and drawing (`"w"`), or `""`.
        op: The operation that produced the value (`"+"`, `"*"`, `"tanh"`, ...), `""` for a leaf.
        children: The values it was computed from, in operand order.
        local_grads: $\partial\,\text{self} / \partial\,\text{child}$ for each child, computed
            in the forward pass.

    Args:
        data: A real number (`int`, `float`, NumPy scalar; not `bool`).
        label: An optional name.
        children: Set by operations; leave empty for an input or a parameter.
        op: Set by operations.
        local_grads: Set by operations, one per child.

    Raises:
        TypeError: If `data` is not a real number or `label` is not a string.

    Examples:
        >>> from dlnotes.autograd import Value
        >>> w = Value(2.0, label="w")
        >>> y = w * 3 + 1
        >>> y.backward()
        >>> y, w
        (Value(data=7.0, grad=1.0), Value(data=2.0, grad=3.0, label='w'))
    """

    def __init__(
        self,
        data: float,
        label: str = "",
        *,
        children: tuple[Value, ...] = (),
        op: str = "",
        local_grads: tuple[float, ...] = (),
    ) -> None:
        if not _is_number(data):
            raise TypeError(
                f"Value data must be a real number, got {type(data).__name__}: {data!r}"
            )
        if not isinstance(label, str):
            raise TypeError(f"Value label must be a str, got {type(label).__name__}: {label!r}")
        self.data = float(data)
        self.grad = 0.0
        self.label = label
        self.op = op
        self.children = tuple(children)
        self.local_grads = tuple(float(g) for g in local_grads)

    def __repr__(self) -> str:
        label = f", label={self.label!r}" if self.label else ""
        return f"Value(data={self.data!r}, grad={self.grad!r}{label})"

    # --- binary operations: each records its local derivatives d(out)/d(self), d(out)/d(other)

    def __add__(self, other: Value | float) -> Value:
        if (other := _as_value(other)) is None:
            return NotImplemented
        return Value(self.data + other.data, children=(self, other), op="+", local_grads=(1, 1))

    def __sub__(self, other: Value | float) -> Value:
        if (other := _as_value(other)) is None:
            return NotImplemented
        return Value(self.data - other.data, children=(self, other), op="-", local_grads=(1, -1))

    def __mul__(self, other: Value | float) -> Value:
        if (other := _as_value(other)) is None:
            return NotImplemented
        a, b = self.data, other.data
        return Value(a * b, children=(self, other), op="*", local_grads=(b, a))

    def __truediv__(self, other: Value | float) -> Value:
        if (other := _as_value(other)) is None:
            return NotImplemented
        a, b = self.data, other.data
        if b == 0:
            raise ZeroDivisionError(f"Division by zero: {a!r} / {b!r}")
        # d(a/b)/da = 1/b, d(a/b)/db = -a/b^2
        return Value(a / b, children=(self, other), op="/", local_grads=(1 / b, -a / b**2))

    def __radd__(self, other: float) -> Value:
        return NotImplemented if (other := _as_value(other)) is None else other + self

    def __rsub__(self, other: float) -> Value:
        return NotImplemented if (other := _as_value(other)) is None else other - self

    def __rmul__(self, other: float) -> Value:
        return NotImplemented if (other := _as_value(other)) is None else other * self

    def __rtruediv__(self, other: float) -> Value:
        return NotImplemented if (other := _as_value(other)) is None else other / self

    def __pow__(self, n: float) -> Value:
        r"""Raises to a constant power: `x ** 2`, `x ** -1`, `x ** 0.5`; derivative $n x^{n-1}$.

        Raises:
            TypeError: If `n` is not a number (a `Value` exponent has no rule here: write
                `(b * a.log()).exp()` for $a^b$).
            ValueError: If a negative value is raised to a non-integer power.
            ZeroDivisionError: If 0 is raised to a negative power.
            OverflowError: If the result or its derivative does not fit in a float.
        """
        n = check_range("exponent", n)  # a Python float: NumPy's power would warn, not raise
        x = self.data
        if x < 0 and not n.is_integer():
            raise ValueError(f"Cannot raise the negative value {x!r} to the non-integer power {n}")
        if x == 0 and n < 0:
            raise ZeroDivisionError(f"Division by zero: cannot raise {x!r} to the power {n}")
        try:
            # At x = 0 the formula divides by 0 for n < 1; torch's slopes there are 0 and inf.
            local = 0.0 if n == 0 else math.inf if x == 0 and n < 1 else n * x ** (n - 1)
            out = x**n
        except OverflowError:
            raise OverflowError(f"{x!r} ** {n} or its derivative overflows a float") from None
        return Value(out, children=(self,), op=f"**{n:g}", local_grads=(local,))

    def __neg__(self) -> Value:
        return Value(-self.data, children=(self,), op="neg", local_grads=(-1,))

    # --- functions of one value

    def exp(self) -> Value:
        r"""$e^x$; its derivative is itself.

        Raises:
            OverflowError: If the result does not fit in a float ($x > 709.78$).
        """
        try:
            out = math.exp(self.data)
        except OverflowError:
            raise OverflowError(f"exp({self.data!r}) overflows a float") from None
        return Value(out, children=(self,), op="exp", local_grads=(out,))

    def log(self) -> Value:
        r"""The natural logarithm $\ln x$; derivative $1/x$.

        Raises:
            ValueError: If the value is not positive.
        """
        x = self.data
        if x <= 0:
            raise ValueError(f"log is only defined for positive values, got {x!r}")
        return Value(math.log(x), children=(self,), op="log", local_grads=(1 / x,))

    def tanh(self) -> Value:
        r"""$\tanh x$; derivative $1 - \tanh^2 x$."""
        t = math.tanh(self.data)
        return Value(t, children=(self,), op="tanh", local_grads=(1 - t * t,))

    def relu(self) -> Value:
        r"""$\max(0, x)$; derivative 1 for $x > 0$, else 0 (torch's choice at 0)."""
        x = self.data
        return Value(max(x, 0.0), children=(self,), op="relu", local_grads=(float(x > 0),))

    def sigmoid(self) -> Value:
        r"""$\sigma(x) = 1 / (1 + e^{-x})$; derivative $\sigma(x)(1 - \sigma(x))$.

        For negative $x$ it computes the equal form $e^x / (1 + e^x)$, so that $e^{-x}$ never
        overflows: `Value(-1000.0).sigmoid()` is 0.0, not an error.
        """
        x = self.data
        if x >= 0:
            s = 1 / (1 + math.exp(-x))
        else:
            e = math.exp(x)
            s = e / (1 + e)
        return Value(s, children=(self,), op="sigmoid", local_grads=(s * (1 - s),))

    # --- the backward pass

    def backward(self) -> None:
        r"""Adds $\partial\,\text{self} / \partial v$ to `v.grad` for every value $v$ in the graph.

        The gradient of the output with respect to itself is 1. Going through the nodes in
        reverse [topological order][dlnotes.autograd.topological_order], each node's gradient
        is complete when its turn comes, and is passed to its children by the chain rule
        (see the module description).

        Like torch, a second call *adds* to the gradients (every node behaves like a torch
        leaf, or a non-leaf with `retain_grad()`). Training code therefore resets the
        parameters' gradients before each backward pass
        ([`model.zero_grad()`][dlnotes.scalar_nn.ScalarModule.zero_grad], or `p.grad = 0.0`
        for each parameter); intermediate
        values need no reset, since each forward pass builds new ones.

        The graph is sorted with an explicit stack, not recursion, so graphs deeper than
        Python's recursion limit (1000 by default) work.

        Examples:
            >>> from dlnotes.autograd import Value
            >>> x = Value(3.0)
            >>> y = x * x + x  # x is used three times: dy/dx = 2x + 1
            >>> y.backward()
            >>> x.grad
            7.0
            >>> y.backward()  # accumulates
            >>> x.grad
            14.0
        """
        order = topological_order(self)
        # This pass's gradients are gathered apart and added to .grad at the end, so that a
        # second call adds the same amounts again instead of feeding old totals into the chain.
        grads = dict.fromkeys(order, 0.0)
        grads[self] = 1.0
        for node in reversed(order):
            for child, local in zip(node.children, node.local_grads, strict=True):
                # dL/dchild += dL/dnode * dnode/dchild, summed over every use of the child
                grads[child] += grads[node] * local
        for node in order:
            node.grad += grads[node]


def _as_value(x: object) -> Value | None:
    """Returns `x` as a `Value` (numbers become leaves), or None if it cannot be one."""
    if isinstance(x, Value):
        return x
    return Value(x) if _is_number(x) else None


def topological_order(root: Value) -> list[Value]:
    """Lists the values `root` depends on, each after everything it was computed from.

    Leaves come first and `root` last; each value appears once, however often it is used.
    Iterative depth-first search, so deep graphs do not hit the recursion limit.

    Args:
        root: The output value.

    Returns:
        The values, in topological order.

    Raises:
        TypeError: If `root` is not a `Value`.

    Examples:
        >>> from dlnotes.autograd import Value, topological_order
        >>> a, b = Value(2.0, label="a"), Value(-3.0, label="b")
        >>> c = a * b
        >>> d = c + a
        >>> [v.label or v.op for v in topological_order(d)]
        ['a', 'b', '*', '+']
    """
    if not isinstance(root, Value):
        raise TypeError(f"Expected a Value, got {type(root).__name__}: {root!r}")
    order: list[Value] = []
    visited: set[int] = set()
    # (node, True) is pushed under the node's children and popped once they are all listed.
    stack: list[tuple[Value, bool]] = [(root, False)]
    while stack:
        node, children_done = stack.pop()
        if children_done:
            order.append(node)
        elif id(node) not in visited:
            visited.add(id(node))
            stack.append((node, True))
            stack.extend((child, False) for child in reversed(node.children))
    return order


def _mermaid_text(text: str) -> str:
    return text.replace('"', "#quot;")


def to_mermaid(root: Value) -> str:
    """Draws the graph of `root` as a Mermaid flowchart, inputs on the left.

    Each value is a box with its label (if any), data and grad; each operation is a circle
    between its inputs and its result. Paste the text in a ```` ```mermaid ```` fence to render
    it on a course page.

    Args:
        root: The output value.

    Returns:
        The flowchart source, one statement per line.

    Raises:
        TypeError: If `root` is not a `Value`.

    Examples:
        >>> from dlnotes.autograd import Value, to_mermaid
        >>> y = Value(2.0, label="a") * Value(-3.0, label="b")
        >>> y.backward()
        >>> print(to_mermaid(y))
        flowchart LR
            v0["a | data 2.0000 | grad -3.0000"]
            v1["b | data -3.0000 | grad 2.0000"]
            v2["data -6.0000 | grad 1.0000"]
            op2(("*"))
            v0 --> op2
            v1 --> op2
            op2 --> v2
    """
    order = topological_order(root)
    ids = {id(v): f"v{i}" for i, v in enumerate(order)}
    lines = ["flowchart LR"]
    for v in order:
        text = f"data {v.data:.4f} | grad {v.grad:.4f}"
        if v.label:
            text = f"{v.label} | {text}"
        lines.append(f'    {ids[id(v)]}["{_mermaid_text(text)}"]')
        if v.children:
            lines.append(f'    op{ids[id(v)][1:]}(("{_mermaid_text(v.op)}"))')
    for v in order:
        if v.children:
            op = f"op{ids[id(v)][1:]}"
            lines.extend(f"    {ids[id(child)]} --> {op}" for child in v.children)
            lines.append(f"    {op} --> {ids[id(v)]}")
    return "\n".join(lines)
