"""Tests of `dlnotes.train`: evaluate, fit, History, checkpoints and exact resumption."""

from __future__ import annotations

import json
import math
import random
from pathlib import Path

import numpy as np
import pytest
import torch

from dlnotes.data import InMemoryLoader, load_digits_split
from dlnotes.models import MLP
from dlnotes.optim import Adam
from dlnotes.train import (
    EarlyStopping,
    History,
    evaluate,
    fit,
    get_rng_state,
    load_checkpoint,
    restore_checkpoint,
    save_checkpoint,
    set_rng_state,
)


@pytest.fixture(scope="module")
def digits():
    # A small slice keeps every fit well under a second on one thread.
    X_train, y_train, X_test, y_test = load_digits_split(seed=0)
    return X_train[:320], y_train[:320], X_test[:160], y_test[:160]


def make_run(digits, dropout=0.3, lr=1e-2):
    """A fresh model, optimizer, scheduler and loaders, as a new process would build them."""
    X_train, y_train, X_test, y_test = digits
    model = MLP(64, 16, 10, dropout=dropout, generator=torch.Generator().manual_seed(0))
    optimizer = Adam(model.parameters(), lr=lr)
    scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=1, gamma=0.5)
    train_loader = InMemoryLoader(X_train, y_train, batch_size=32, seed=1)
    test_loader = InMemoryLoader(X_test, y_test, batch_size=80, shuffle=False)
    return model, optimizer, scheduler, train_loader, test_loader


def train(digits, num_epochs, **kwargs):
    model, optimizer, scheduler, train_loader, test_loader = make_run(digits)
    history = fit(
        model, optimizer, train_loader, num_epochs=num_epochs, test_loader=test_loader,
        scheduler=scheduler, progress=False, seed=0, **kwargs,
    )  # fmt: skip
    return model, history


def without_times(history):
    return [{k: v for k, v in r.items() if k != "train_seconds"} for r in history]


# --- evaluate -----------------------------------------------------------------------------------


def test_evaluate_matches_a_hand_count_and_restores_modes():
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(4, 3), torch.nn.Dropout(0.5))
    model[1].eval()  # mixed modes must come back as they were
    X, y = torch.randn(10, 4), torch.tensor([0, 1, 2, 0, 1, 2, 0, 1, 2, 0])
    batches = [(X[:4], y[:4]), (X[4:], y[4:])]
    result = evaluate(model, batches, loss_fn=torch.nn.functional.cross_entropy)
    with torch.no_grad():
        logits = model[0](X)
    assert result["accuracy"] == (logits.argmax(1) == y).sum().item() / 10
    assert result["num_samples"] == 10
    expected = torch.nn.functional.cross_entropy(logits.double(), y).item()
    assert math.isclose(result["loss"], expected, rel_tol=1e-6)
    assert model.training and model[0].training and not model[1].training


def test_evaluate_needs_no_grad_and_rejects_empty():
    model = torch.nn.Linear(2, 2)
    X, y = torch.randn(3, 2), torch.tensor([0, 1, 0])
    evaluate(model, [(X, y)])
    assert model.weight.grad is None
    with pytest.raises(ValueError, match="empty loader"):
        evaluate(model, [])


# --- fit ----------------------------------------------------------------------------------------


def test_fit_learns_and_records_every_field(digits):
    model, history = train(digits, 3)
    assert history.column("epoch") == [1, 2, 3]
    assert history.column("lr") == [1e-2, 5e-3, 2.5e-3]  # StepLR halves after each epoch
    assert history[0]["train_loss"] > history[-1]["train_loss"]
    assert history.last["test_accuracy"] > 0.3  # chance is 0.1
    assert all(r["train_seconds"] > 0 for r in history)
    # The recorded test metrics are those of the final model.
    _, _, _, _, test_loader = make_run(digits)
    assert evaluate(model, test_loader)["accuracy"] == history.last["test_accuracy"]


def test_fit_checks_arguments(digits, tmp_path):
    model, optimizer, _, train_loader, _ = make_run(digits)
    with pytest.raises(ValueError, match="Invalid num_epochs: 0"):
        fit(model, optimizer, train_loader, num_epochs=0)
    with pytest.raises(ValueError, match="needs a checkpoint_dir"):
        fit(model, optimizer, train_loader, num_epochs=1, resume=True)
    with pytest.raises(ValueError, match="give a test_loader"):
        fit(model, optimizer, train_loader, num_epochs=1, early_stopping=EarlyStopping(2))
    with pytest.raises(FileNotFoundError, match=r"last\.pt"):
        fit(model, optimizer, train_loader, num_epochs=1, resume=True, checkpoint_dir=tmp_path)


def test_nan_loss_stops_with_epoch_and_batch_and_keeps_checkpoint(digits, tmp_path):
    model, optimizer, _, train_loader, _ = make_run(digits)
    calls = {"n": 0}

    def loss_fn(logits, y):
        calls["n"] += 1  # 10 batches an epoch: the 13th call is epoch 2, batch 3
        loss = torch.nn.functional.cross_entropy(logits, y)
        return loss * math.inf if calls["n"] == 13 else loss

    with pytest.raises(FloatingPointError, match=r"Loss is inf at epoch 2, batch 3"):
        fit(model, optimizer, train_loader, num_epochs=3, loss_fn=loss_fn, progress=False,
            checkpoint_dir=tmp_path)  # fmt: skip
    checkpoint = load_checkpoint(tmp_path / "last.pt")
    assert checkpoint["epoch"] == 1
    assert all(torch.isfinite(p).all() for p in model.parameters())


def test_keyboard_interrupt_saves_and_reraises(digits, tmp_path):
    model, optimizer, _, train_loader, _ = make_run(digits)

    def loss_fn(logits, y):
        if optimizer.state and next(iter(optimizer.state.values()))["step"] >= 12:
            raise KeyboardInterrupt
        return torch.nn.functional.cross_entropy(logits, y)

    with pytest.raises(KeyboardInterrupt):
        fit(model, optimizer, train_loader, num_epochs=3, loss_fn=loss_fn, progress=False,
            checkpoint_dir=tmp_path)  # fmt: skip
    interrupted = load_checkpoint(tmp_path / "interrupted.pt")
    assert interrupted["epoch"] == 1 and interrupted["extra"] == {"interrupted_in_epoch": 2}
    for name, tensor in model.state_dict().items():
        assert torch.equal(interrupted["model"][name], tensor)
    assert load_checkpoint(tmp_path / "last.pt")["epoch"] == 1


def test_early_stopping_rule_and_in_fit(digits):
    rule = EarlyStopping(patience=2, min_delta=0.1)
    assert not rule.should_stop([1.0, 0.95])
    assert rule.should_stop([1.0, 0.95, 0.91])  # neither beat 1.0 by more than 0.1
    assert not rule.should_stop([1.0, 0.95, 0.85])
    with pytest.raises(ValueError, match="Invalid patience: 0"):
        EarlyStopping(patience=0)
    with pytest.raises(ValueError, match="Invalid min_delta: -1"):
        EarlyStopping(min_delta=-1)
    # A huge min_delta never counts as improvement: stop after epoch 1 + patience.
    _, history = train(digits, 6, early_stopping=EarlyStopping(patience=2, min_delta=100.0))
    assert len(history) == 3 and history.stopped_early


# --- resuming -----------------------------------------------------------------------------------


def test_resume_is_bit_identical_to_an_unbroken_run(digits, tmp_path):
    straight_model, straight_history = train(digits, 4)

    train(digits, 2, checkpoint_dir=tmp_path)
    # A fresh "process": new objects, and the global random state moved on.
    torch.manual_seed(12345)
    random.seed(1)
    np.random.seed(1)
    model, optimizer, scheduler, train_loader, test_loader = make_run(digits)
    history = fit(
        model, optimizer, train_loader, num_epochs=4, test_loader=test_loader,
        scheduler=scheduler, progress=False, seed=99, checkpoint_dir=tmp_path, resume=True,
    )  # fmt: skip
    for name, tensor in straight_model.state_dict().items():
        assert torch.equal(model.state_dict()[name], tensor), name
    assert without_times(history) == without_times(straight_history)
    assert load_checkpoint(tmp_path / "last.pt")["epoch"] == 4


def test_resume_without_the_random_state_differs(digits, tmp_path):
    # Dropout draws from torch's global generator: skipping its restore must show.
    straight_model, _ = train(digits, 3)
    train(digits, 2, checkpoint_dir=tmp_path)
    model, optimizer, scheduler, train_loader, _ = make_run(digits)
    checkpoint = load_checkpoint(tmp_path / "last.pt")
    restore_checkpoint(checkpoint, model=model, optimizer=optimizer, scheduler=scheduler,
                       loader=train_loader, rng=False)  # fmt: skip
    torch.manual_seed(12345)
    model.train()
    for X, y in train_loader:
        optimizer.zero_grad()
        torch.nn.functional.cross_entropy(model(X), y).backward()
        optimizer.step()
    assert not torch.equal(model.layers[0].weight, straight_model.layers[0].weight)


# --- checkpoints --------------------------------------------------------------------------------


def test_checkpoint_loads_with_weights_only_and_round_trips(digits, tmp_path):
    _, history = train(digits, 1, checkpoint_dir=tmp_path)
    raw = torch.load(tmp_path / "last.pt", weights_only=True)
    assert raw["format"] == "dlnotes-checkpoint" and raw["epoch"] == 1
    assert raw["loader"] == {"epoch": 1, "seed": 1}
    assert set(raw["rng"]) == {"python", "numpy", "torch", "cuda", "mps"}
    assert History.from_dict(raw["history"]) == history
    assert raw["scheduler"]["last_epoch"] == 1


def test_rng_state_round_trip_covers_python_numpy_torch():
    state = get_rng_state()
    a = (random.random(), np.random.rand(), torch.rand(1).item())
    set_rng_state(state)
    assert (random.random(), np.random.rand(), torch.rand(1).item()) == a
    with pytest.raises(ValueError, match="Invalid random state"):
        set_rng_state({"python": [3, [1, 2], None]})


def test_rng_state_saves_and_restores_mps_where_available(monkeypatch):
    # No Apple GPU here: a stand-in generator checks the plumbing; without MPS the entry is None.
    assert get_rng_state()["mps"] is None or torch.backends.mps.is_available()
    generator = {"state": torch.tensor([1, 2, 3], dtype=torch.uint8)}
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: True)
    monkeypatch.setattr(torch.mps, "get_rng_state", lambda: generator["state"].clone())
    monkeypatch.setattr(torch.mps, "set_rng_state", lambda s: generator.update(state=s.clone()))
    state = get_rng_state()
    assert torch.equal(state["mps"], torch.tensor([1, 2, 3], dtype=torch.uint8))
    generator["state"] = torch.tensor([9, 9, 9], dtype=torch.uint8)  # the run draws on
    set_rng_state(state)
    assert torch.equal(generator["state"], torch.tensor([1, 2, 3], dtype=torch.uint8))
    del state["mps"]  # a checkpoint from before the entry existed
    set_rng_state(state)


def test_corrupted_or_truncated_checkpoint_is_a_clear_error(tmp_path):
    model = torch.nn.Linear(3, 2)
    path = save_checkpoint(tmp_path / "last.pt", model=model, epoch=2)
    data = path.read_bytes()
    truncated = tmp_path / "truncated.pt"
    truncated.write_bytes(data[: len(data) // 2])
    with pytest.raises(ValueError, match=r"truncated\.pt: cannot read the checkpoint"):
        load_checkpoint(truncated)
    assert truncated.read_bytes() == data[: len(data) // 2]  # nothing overwritten
    garbage = tmp_path / "garbage.pt"
    garbage.write_bytes(b"not a checkpoint at all")
    with pytest.raises(ValueError, match=r"garbage\.pt"):
        load_checkpoint(garbage)
    other = tmp_path / "other.pt"
    torch.save({"weights": torch.zeros(2)}, other)
    with pytest.raises(ValueError, match="not a dlnotes checkpoint"):
        load_checkpoint(other)
    with pytest.raises(FileNotFoundError, match=r"missing\.pt"):
        load_checkpoint(tmp_path / "missing.pt")
    with pytest.raises(ValueError, match="Invalid epoch: -1"):
        save_checkpoint(tmp_path / "x.pt", model=model, epoch=-1)


def test_failed_save_keeps_the_previous_checkpoint(tmp_path, monkeypatch):
    model = torch.nn.Linear(3, 2)
    path = save_checkpoint(tmp_path / "last.pt", model=model, epoch=1)
    before = path.read_bytes()

    def save_half_then_fail(obj, file):  # a disk that fills up in the middle of the write
        file.write(before[: len(before) // 2])
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(torch, "save", save_half_then_fail)
    with pytest.raises(OSError, match="No space left"):
        save_checkpoint(path, model=model, epoch=2)
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["last.pt"]  # no temporary file left


@pytest.mark.parametrize(
    ("extra", "named"),
    [
        ({"n": np.float64(1.0)}, r"checkpoint\['extra'\]\['n'\]: .*1\.0\)? is a numpy\.float64"),
        ({"dir": [Path("runs")]}, r"\['extra'\]\['dir'\]\[0\].* is a pathlib\.\w*Path"),
        ({"f": lambda: None}, r"\['extra'\]\['f'\].* is a \S*function"),
    ],
)
def test_unloadable_extra_is_refused_before_writing(tmp_path, extra, named):
    # torch.save would write these without complaint, and the file would then not load with
    # weights_only=True: refuse them while the previous checkpoint is still there.
    model = torch.nn.Linear(3, 2)
    path = save_checkpoint(tmp_path / "last.pt", model=model, epoch=1)
    before = path.read_bytes()
    with pytest.raises(TypeError, match=named):
        save_checkpoint(path, model=model, epoch=2, extra=extra)
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["last.pt"]


def test_plain_extra_round_trips(tmp_path):
    extra = {"config": {"hidden": (64, 32), "lr": 1e-3, "name": "mnist", "tags": {"a"}},
             "dtype": torch.float32, "mean": torch.tensor([0.5]), "none": None}  # fmt: skip
    path = save_checkpoint(tmp_path / "last.pt", model=torch.nn.Linear(3, 2), extra=extra)
    loaded = load_checkpoint(path)["extra"]
    assert loaded["config"] == extra["config"] and loaded["dtype"] is torch.float32
    assert torch.equal(loaded["mean"], extra["mean"]) and loaded["none"] is None


def test_whole_file_with_a_foreign_object_is_not_called_corrupted(tmp_path):
    path = save_checkpoint(tmp_path / "last.pt", model=torch.nn.Linear(3, 2), epoch=1)
    checkpoint = torch.load(path, weights_only=True)
    checkpoint["extra"] = {"n": np.float64(1.0)}  # written by other code, bypassing the check
    torch.save(checkpoint, path)
    with pytest.raises(ValueError, match=r"refuses to build.*not damaged.*numpy") as error:
        load_checkpoint(path)
    assert "corrupted" not in str(error.value)


# --- History ------------------------------------------------------------------------------------

RECORD = {"epoch": 1, "train_loss": 0.5, "train_seconds": 1.25, "test_loss": None,
          "test_accuracy": None, "lr": 0.1}  # fmt: skip


def test_history_json_csv_and_plot(tmp_path):
    history = History([RECORD, {**RECORD, "epoch": 2, "test_loss": 0.4, "test_accuracy": 0.9}])
    history.to_json(tmp_path / "h.json")
    assert History.from_json(tmp_path / "h.json") == history
    assert json.loads((tmp_path / "h.json").read_text())["history"][0]["test_loss"] is None
    history.to_csv(tmp_path / "sub" / "h.csv")
    lines = (tmp_path / "sub" / "h.csv").read_text().splitlines()
    assert lines == [
        "epoch,train_loss,train_seconds,test_loss,test_accuracy,lr",
        "1,0.5,1.25,,,0.1",
        "2,0.5,1.25,0.4,0.9,0.1",
    ]
    history.plot(tmp_path / "h.png")
    assert (tmp_path / "h.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["h.json", "h.png", "sub"]


def test_history_stores_plain_numbers(tmp_path):
    # NumPy's float64 is a float subclass: kept as it is, it would make a checkpoint that
    # torch.load(..., weights_only=True) refuses.
    history = History([{**RECORD, "train_loss": np.float64(0.25), "lr": np.float32(0.5).item()}])
    assert type(history.last["train_loss"]) is float and history.last["train_loss"] == 0.25
    model = torch.nn.Linear(3, 2)
    path = save_checkpoint(tmp_path / "last.pt", model=model, epoch=1, history=history)
    assert History.from_dict(load_checkpoint(path)["history"]) == history


def test_history_rejects_bad_records_and_files(tmp_path):
    with pytest.raises(ValueError, match=r"missing \['lr'\]"):
        History([{k: v for k, v in RECORD.items() if k != "lr"}])
    with pytest.raises(ValueError, match="Invalid epoch: 0"):
        History([{**RECORD, "epoch": 0}])
    with pytest.raises(TypeError, match="Invalid train_loss: 'x'"):
        History([{**RECORD, "train_loss": "x"}])
    with pytest.raises(ValueError, match="Unknown history field: 'loss'"):
        History().column("loss")
    with pytest.raises(IndexError, match="empty"):
        _ = History().last
    with pytest.raises(ValueError, match="empty history"):
        History().plot(tmp_path / "h.png")
    (tmp_path / "bad.json").write_text("{not json")
    with pytest.raises(ValueError, match=r"bad\.json: not a valid history"):
        History.from_json(tmp_path / "bad.json")


def test_progress_bar_shows_the_live_loss(digits, capsys, monkeypatch):
    import functools

    import tqdm.auto

    # Redraw on every update: the epoch is shorter than tqdm's default 0.1 s between redraws.
    monkeypatch.setattr(tqdm.auto, "tqdm", functools.partial(tqdm.auto.tqdm, mininterval=0))
    model, optimizer, _, train_loader, _ = make_run(digits)
    fit(model, optimizer, train_loader, num_epochs=1, progress=True)
    err = capsys.readouterr().err
    assert "epoch 1/1" in err and "loss=" in err
    fit(model, optimizer, train_loader, num_epochs=1, progress=None)  # stderr is no terminal
    assert capsys.readouterr().err == ""


def test_config_keeps_an_empty_hidden_tuple():
    # () is a model without hidden layers (softmax regression), not "use the default".
    from dlnotes.train import TrainConfig

    assert TrainConfig(hidden_features=()).resolved().hidden_features == ()
    assert TrainConfig().resolved().hidden_features == (64,)
    assert TrainConfig(dataset="mnist").resolved().hidden_features == (256,)
