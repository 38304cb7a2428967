"""A training run's per-epoch record: what `fit` returns and saves in checkpoints.

Each epoch adds one record with the same six fields (`History.FIELDS`): `epoch` (1 for the
first), `train_loss` (the mean over the epoch's training samples), `train_seconds`, `val_loss`
and `val_accuracy` (on the validation set, `None` without one) and `lr` (the first parameter
group's learning rate during the epoch). The records are plain dicts of numbers, so they go
into JSON, a `torch.load(..., weights_only=True)` checkpoint or a pandas
`DataFrame(history.records)` as they are.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from dlnotes._checks import check_int

__all__ = ["History"]

_FIELDS = ("epoch", "train_loss", "train_seconds", "val_loss", "val_accuracy", "lr")


def _check_record(record: object) -> dict[str, Any]:
    if not isinstance(record, Mapping):
        raise TypeError(f"Expected a record as a dict, got {type(record).__name__}")
    if set(record) != set(_FIELDS):
        missing, extra = sorted(set(_FIELDS) - set(record)), sorted(set(record) - set(_FIELDS))
        raise ValueError(
            f"Invalid history record: missing {missing}, unexpected {extra} "
            f"(expected the fields {list(_FIELDS)})"
        )
    checked: dict[str, Any] = {"epoch": check_int("epoch", record["epoch"], 1)}
    for name in _FIELDS[1:]:
        value = record[name]
        if value is not None:
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise TypeError(f"Invalid {name}: {value!r} (expected a number or None)")
            # NumPy's float64 is a float subclass that a weights_only checkpoint cannot hold.
            value = int(value) if isinstance(value, int) else float(value)
        checked[name] = value
    return checked


class History:
    """Per-epoch training metrics, in order.

    Args:
        records: Records to start from, each a dict with exactly the keys `History.FIELDS`.

    Raises:
        TypeError: If a record is not a dict or a value is not a number (or `None`).
        ValueError: If a record misses a field or has an extra one, or its epoch is not >= 1.

    Examples:
        >>> from dlnotes.train import History
        >>> history = History()
        >>> history.append({"epoch": 1, "train_loss": 0.5, "train_seconds": 1.5,
        ...                 "val_loss": 0.25, "val_accuracy": 0.75, "lr": 0.001})
        >>> len(history), history.column("val_accuracy")
        (1, [0.75])
        >>> history.last["train_loss"]
        0.5
    """

    FIELDS: tuple[str, ...] = _FIELDS
    """The keys of every record."""

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
        """Returns one field over all epochs, e.g. `history.column("val_loss")`.

        Args:
            name: One of `History.FIELDS`.

        Raises:
            ValueError: If `name` is not a field.
        """
        if name not in _FIELDS:
            raise ValueError(f"Unknown history field: {name!r} (expected one of {list(_FIELDS)})")
        return [record[name] for record in self.records]

    def to_dict(self) -> dict[str, Any]:
        """Returns `{"history": [records...], "stopped_early": bool}`, plain data for JSON."""
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
