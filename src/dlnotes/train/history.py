"""A training run's per-epoch record: what `fit` returns, saves in checkpoints and plots.

Each epoch adds one record with the same six fields (`History.FIELDS`): `epoch` (1 for the
first), `train_loss` (the mean over the epoch's training samples), `train_seconds`, `test_loss`
and `test_accuracy` (`None` without a test set) and `lr` (the first parameter group's learning
rate during the epoch). The records are plain dicts of numbers, so they go into JSON, CSV, a
`torch.load(..., weights_only=True)` checkpoint or a pandas `DataFrame(history.records)` as
they are.
"""

from __future__ import annotations

import csv
import io
import json
import os
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from dlnotes._atomic import atomic_open

__all__ = ["History"]

_FIELDS = ("epoch", "train_loss", "train_seconds", "test_loss", "test_accuracy", "lr")


def _check_record(record: object) -> dict[str, Any]:
    if not isinstance(record, Mapping):
        raise TypeError(f"Expected a record as a dict, got {type(record).__name__}")
    keys = set(record)
    if keys != set(_FIELDS):
        missing = sorted(set(_FIELDS) - keys)
        extra = sorted(keys - set(_FIELDS))
        raise ValueError(
            f"Invalid history record: missing {missing}, unexpected {extra} "
            f"(expected the fields {list(_FIELDS)})"
        )
    epoch = record["epoch"]
    if isinstance(epoch, bool) or not isinstance(epoch, int) or epoch < 1:
        raise ValueError(f"Invalid epoch: {epoch!r} (expected an int >= 1)")
    checked: dict[str, Any] = {"epoch": int(epoch)}
    for name in _FIELDS[1:]:
        value = record[name]
        if value is not None:
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise TypeError(f"Invalid {name}: {value!r} (expected a number or None)")
            # A subclass such as NumPy's float64 becomes a plain float: a checkpoint that holds
            # one would not load with weights_only=True.
            value = int(value) if isinstance(value, int) else float(value)
        checked[name] = value
    return checked


class History:
    """Per-epoch training metrics, in order, with JSON and CSV files and a plot.

    Args:
        records: Records to start from, each a dict with exactly the keys `History.FIELDS`.

    Raises:
        TypeError: If a record is not a dict or a value is not a number (or `None`).
        ValueError: If a record misses a field or has an extra one, or its epoch is not >= 1.

    Examples:
        >>> from dlnotes.train import History
        >>> history = History()
        >>> history.append({"epoch": 1, "train_loss": 0.5, "train_seconds": 1.5,
        ...                 "test_loss": 0.25, "test_accuracy": 0.75, "lr": 0.001})
        >>> len(history), history.column("test_accuracy")
        (1, [0.75])
        >>> history.last["train_loss"]
        0.5
    """

    FIELDS: tuple[str, ...] = _FIELDS
    """The keys of every record, in the order of the CSV columns."""

    def __init__(self, records: Sequence[Mapping[str, Any]] = ()) -> None:
        self.records: list[dict[str, Any]] = []
        self.stopped_early = False
        """Whether [`fit`][dlnotes.train.fit] stopped before `num_epochs` (early stopping)."""
        for record in records:
            self.append(record)

    def append(self, record: Mapping[str, Any]) -> None:
        """Adds one epoch's record (copied).

        Args:
            record: A dict with exactly the keys `History.FIELDS`.
        """
        self.records.append(_check_record(record))

    def __len__(self) -> int:
        return len(self.records)

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return iter(self.records)

    def __getitem__(self, index: int) -> dict[str, Any]:
        return self.records[index]

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, History):
            return NotImplemented
        return self.records == other.records and self.stopped_early == other.stopped_early

    def __repr__(self) -> str:
        return f"History(epochs={len(self)}, stopped_early={self.stopped_early})"

    @property
    def last(self) -> dict[str, Any]:
        """The latest record.

        Raises:
            IndexError: If there is none yet.
        """
        if not self.records:
            raise IndexError("The history is empty: no epoch has finished yet")
        return self.records[-1]

    def column(self, name: str) -> list[Any]:
        """Returns one field over all epochs, e.g. `history.column("test_loss")`.

        Args:
            name: One of `History.FIELDS`.

        Raises:
            ValueError: If `name` is not a field.
        """
        if name not in _FIELDS:
            raise ValueError(f"Unknown history field: {name!r} (expected one of {list(_FIELDS)})")
        return [record[name] for record in self.records]

    def to_dict(self) -> dict[str, Any]:
        """Returns `{"history": [records...], "stopped_early": bool}`, as `to_json` writes it."""
        return {"history": [dict(r) for r in self.records], "stopped_early": self.stopped_early}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> History:
        """The inverse of [`to_dict`][dlnotes.train.History.to_dict].

        Raises:
            ValueError: If `data` has no `history` list or a record is invalid.
        """
        if not isinstance(data, Mapping) or not isinstance(data.get("history"), list):
            raise ValueError("Expected a dict with a 'history' list of per-epoch records")
        history = cls(data["history"])
        history.stopped_early = bool(data.get("stopped_early", False))
        return history

    def to_json(self, path: str | os.PathLike[str]) -> None:
        """Writes the history as JSON, atomically (a temporary file, then `os.replace`).

        Args:
            path: The file; missing folders are created.
        """
        text = json.dumps(self.to_dict(), indent=2, allow_nan=False)
        with atomic_open(path, "w") as file:
            file.write(text + "\n")

    @classmethod
    def from_json(cls, path: str | os.PathLike[str]) -> History:
        """Reads a history written by [`to_json`][dlnotes.train.History.to_json].

        Raises:
            ValueError: If the file is not valid JSON or not a history; the message names it.
        """
        try:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
            return cls.from_dict(data)
        except (json.JSONDecodeError, ValueError, TypeError) as exc:
            raise ValueError(f"{path}: not a valid history file ({exc})") from exc

    def to_csv(self, path: str | os.PathLike[str]) -> None:
        """Writes one row per epoch with the columns `History.FIELDS`, atomically.

        `None` (no test set) is written as an empty cell.

        Args:
            path: The file; missing folders are created.
        """
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=_FIELDS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(self.records)
        with atomic_open(path, "w") as file:
            file.write(buffer.getvalue())

    def plot(self, path: str | os.PathLike[str]) -> None:
        """Draws the losses and the test accuracy against the epoch into a PNG file.

        Uses matplotlib's `Figure` with the Agg canvas directly (no `pyplot`, no window), so it
        works in scripts, tests and on servers. The file is written atomically.

        Args:
            path: The PNG file; missing folders are created.

        Raises:
            ValueError: If the history is empty.
        """
        if not self.records:
            raise ValueError("Cannot plot an empty history")
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure

        epochs = self.column("epoch")

        def present(name: str) -> tuple[list[int], list[float]]:
            pairs = [
                (e, v) for e, v in zip(epochs, self.column(name), strict=True) if v is not None
            ]
            return [e for e, _ in pairs], [v for _, v in pairs]

        figure = Figure(figsize=(9, 3.5), layout="constrained")
        FigureCanvasAgg(figure)
        loss_ax, acc_ax = figure.subplots(1, 2)
        loss_ax.plot(*present("train_loss"), marker="o", label="train")
        test_epochs, test_losses = present("test_loss")
        if test_epochs:
            loss_ax.plot(test_epochs, test_losses, marker="o", label="test")
        loss_ax.set(xlabel="epoch", ylabel="loss", title="Loss")
        loss_ax.legend()
        acc_epochs, accuracies = present("test_accuracy")
        if acc_epochs:
            acc_ax.plot(acc_epochs, accuracies, marker="o", color="C1")
        acc_ax.set(xlabel="epoch", ylabel="accuracy", title="Test accuracy")
        for ax in (loss_ax, acc_ax):
            ax.grid(alpha=0.3)
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png", dpi=100)
        with atomic_open(path, "wb") as file:
            file.write(buffer.getvalue())
