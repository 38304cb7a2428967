"""Tests of `dlnotes.train`: evaluate, fit, History and exact resumption."""

from __future__ import annotations

import math
import random

import numpy as np
import pytest
import torch

from dlnotes.data import InMemoryLoader, load_digits_split
from dlnotes.models import MLP
from dlnotes.optim import Adam
from dlnotes.train import (
    EarlyStopping,
    History,
    TrainConfig,
    evaluate,
    fit,
    load_checkpoint,
    train_one_epoch,
)


@pytest.fixture(scope="module")
def digits():
    # A small slice keeps every fit well under a second on one thread.
    X_train, y_train, X_test, y_test = load_digits_split(seed=0)
    return X_train[:320], y_train[:320], X_test[:160], y_test[:160]


def make_run(digits, dropout=0.3, lr=1e-2, scheduler="step"):
    """A fresh model, optimizer, scheduler and loaders, as a new process would build them."""
    X_train, y_train, X_val, y_val = digits
    model = MLP(64, 16, 10, dropout=dropout, generator=torch.Generator().manual_seed(0))
    optimizer = Adam(model.parameters(), lr=lr)
    schedulers = {
        "step": lambda: torch.optim.lr_scheduler.StepLR(optimizer, step_size=1, gamma=0.5),
        "none": lambda: None,
    }
    train_loader = InMemoryLoader(X_train, y_train, batch_size=32, seed=1)
    val_loader = InMemoryLoader(X_val, y_val, batch_size=80, shuffle=False)
    return model, optimizer, schedulers[scheduler](), train_loader, val_loader


def train(digits, num_epochs, scheduler="step", **kwargs):
    model, optimizer, sched, train_loader, val_loader = make_run(digits, scheduler=scheduler)
    history = fit(
        model, optimizer, train_loader, num_epochs=num_epochs, val_loader=val_loader,
        scheduler=sched, progress=False, seed=0, **kwargs,
    )  # fmt: skip
    return model, history


def without_times(history):
    return [{k: v for k, v in r.items() if k != "train_seconds"} for r in history]


# --- evaluate and one epoch ---------------------------------------------------------------------


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


def test_train_one_epoch_is_the_five_line_loop(digits):
    X, y = digits[0][:64], digits[1][:64]
    batches = [(X[:32], y[:32]), (X[32:], y[32:])]
    model = torch.nn.Linear(64, 10)
    copy = torch.nn.Linear(64, 10)
    copy.load_state_dict(model.state_dict())
    loss_sum, n = train_one_epoch(model, torch.optim.SGD(model.parameters(), lr=0.1), batches,
                                  torch.nn.functional.cross_entropy)  # fmt: skip
    optimizer = torch.optim.SGD(copy.parameters(), lr=0.1)
    expected = 0.0
    for X_batch, y_batch in batches:
        optimizer.zero_grad()
        loss = torch.nn.functional.cross_entropy(copy(X_batch), y_batch)
        loss.backward()
        optimizer.step()
        expected += loss.item() * 32
    assert (loss_sum, n) == (expected, 64)
    assert torch.equal(model.weight, copy.weight)


# --- fit ----------------------------------------------------------------------------------------


def test_fit_learns_and_records_every_field(digits):
    model, history = train(digits, 3)
    assert history.column("epoch") == [1, 2, 3]
    assert history.column("lr") == [1e-2, 5e-3, 2.5e-3]  # StepLR halves after each epoch
    assert history[0]["train_loss"] > history[-1]["train_loss"]
    assert history.last["val_accuracy"] > 0.3  # chance is 0.1
    assert all(r["train_seconds"] > 0 for r in history)
    # The recorded validation metrics are those of the final model.
    val_loader = make_run(digits)[4]
    assert evaluate(model, val_loader)["accuracy"] == history.last["val_accuracy"]


def test_fit_checks_arguments(digits, tmp_path):
    model, optimizer, _, train_loader, _ = make_run(digits)
    with pytest.raises(ValueError, match="Invalid num_epochs: 0"):
        fit(model, optimizer, train_loader, num_epochs=0)
    with pytest.raises(TypeError, match=r"Invalid num_epochs: 1\.5"):
        fit(model, optimizer, train_loader, num_epochs=1.5)
    with pytest.raises(ValueError, match="needs a checkpoint_dir"):
        fit(model, optimizer, train_loader, num_epochs=1, resume=True)
    with pytest.raises(ValueError, match="give a val_loader"):
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

    with pytest.raises(FloatingPointError, match=r"Epoch 2: Loss is inf at batch 3"):
        fit(model, optimizer, train_loader, num_epochs=3, loss_fn=loss_fn, progress=False,
            checkpoint_dir=tmp_path)  # fmt: skip
    assert load_checkpoint(tmp_path / "last.pt")["epoch"] == 1
    assert all(torch.isfinite(p).all() for p in model.parameters())
    assert not (tmp_path / "lock").exists()  # released on the way out


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


# --- resuming -----------------------------------------------------------------------------------


@pytest.mark.parametrize("scheduler", ["step", "none"])
def test_resume_is_bit_identical_to_an_unbroken_run(digits, tmp_path, scheduler):
    straight_model, straight_history = train(digits, 4, scheduler=scheduler)

    def stop_after_two(record):
        if record["epoch"] == 2:
            raise KeyboardInterrupt  # Ctrl-C

    with pytest.raises(KeyboardInterrupt):
        train(digits, 4, scheduler=scheduler, checkpoint_dir=tmp_path, on_epoch_end=stop_after_two)
    assert not (tmp_path / "lock").exists()
    # A fresh "process": new objects, and the global random state moved on.
    torch.manual_seed(12345)
    random.seed(1)
    np.random.seed(1)
    model, optimizer, sched, train_loader, val_loader = make_run(digits, scheduler=scheduler)
    history = fit(
        model, optimizer, train_loader, num_epochs=4, val_loader=val_loader, scheduler=sched,
        progress=False, seed=99, checkpoint_dir=tmp_path, resume=True,
    )  # fmt: skip
    for name, tensor in straight_model.state_dict().items():
        assert torch.equal(model.state_dict()[name], tensor), name
    assert without_times(history) == without_times(straight_history)
    assert load_checkpoint(tmp_path / "last.pt")["epoch"] == 4
    assert load_checkpoint(tmp_path / "previous.pt")["epoch"] == 3


def test_resume_with_more_epochs_recomputes_a_lambda_schedule(digits, tmp_path):
    def cosine_run(num_epochs, **kwargs):
        model, optimizer, _, train_loader, _ = make_run(digits, scheduler="none")
        scheduler = torch.optim.lr_scheduler.LambdaLR(
            optimizer, lambda e: 0.5 * (1 + math.cos(math.pi * e / num_epochs))
        )
        return fit(model, optimizer, train_loader, num_epochs=num_epochs, scheduler=scheduler,
                   progress=False, seed=0, checkpoint_dir=tmp_path, **kwargs)  # fmt: skip

    cosine_run(2)  # its last epoch ended the schedule at lr 0
    history = cosine_run(4, resume=True)
    # Epochs 3 and 4 follow the 4-epoch cosine from epoch index 2 on, not the old final lr 0.
    assert history.column("lr")[2:] == pytest.approx(
        [5e-3, 1e-2 * 0.5 * (1 + math.cos(0.75 * math.pi))]
    )


def test_resume_refusals_name_the_reason(digits, tmp_path):
    train(digits, 2, checkpoint_dir=tmp_path)
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    model, optimizer, sched, train_loader, _ = make_run(digits)
    common = {"progress": False, "checkpoint_dir": tmp_path, "resume": True}
    cosine = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=5)
    with pytest.raises(ValueError, match=r"CosineAnnealingLR keeps the old total \(T_max\)"):
        fit(model, optimizer, train_loader, num_epochs=5, scheduler=cosine, **common)
    with pytest.raises(ValueError, match=r"has 2 epochs done already; num_epochs=1"):
        fit(model, optimizer, train_loader, num_epochs=1, scheduler=sched, **common)
    sgd = torch.optim.SGD(model.parameters(), lr=0.1)
    with pytest.raises(ValueError, match=r"saved with the optimizer dlnotes\.optim\.adam\.Adam"):
        fit(model, sgd, train_loader, num_epochs=2, scheduler=sched, **common)
    wider = MLP(64, 32, 10)
    with pytest.raises(ValueError, match=r"last\.pt: the checkpoint holds another model: .*size"):
        fit(wider, Adam(wider.parameters()), train_loader, num_epochs=2, scheduler=sched,
            **common)  # fmt: skip
    with pytest.raises(ValueError, match=r"saved by a run with batch_size=None, not batch_size=64"):
        fit(model, optimizer, train_loader, num_epochs=2, scheduler=sched,
            extra={"batch_size": 64}, **common)  # fmt: skip
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before  # nothing touched


# --- History ------------------------------------------------------------------------------------

RECORD = {"epoch": 1, "train_loss": 0.5, "train_seconds": 1.25, "val_loss": None,
          "val_accuracy": None, "lr": 0.1}  # fmt: skip


def test_history_round_trips_and_stores_plain_numbers():
    history = History([{**RECORD, "train_loss": np.float64(0.25)}, {**RECORD, "epoch": 2}])
    assert type(history.last["train_loss"]) is float
    assert type(history[0]["train_loss"]) is float and history[0]["train_loss"] == 0.25
    history.stopped_early = True
    assert History.from_dict(history.to_dict()) == history


def test_history_rejects_bad_records():
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
    with pytest.raises(ValueError, match="'history' list"):
        History.from_dict({"records": []})


# --- configuration ------------------------------------------------------------------------------


def test_config_presets_and_checks():
    assert TrainConfig().hidden_features == (64,)
    assert TrainConfig(hidden_features=()).hidden_features == ()  # softmax regression
    mnist = TrainConfig.for_dataset("mnist", lr=0.01)
    assert (mnist.hidden_features, mnist.batch_size, mnist.lr) == ((256,), 256, 0.01)
    assert round(mnist.val_fraction * 60_000) == 5_000
    with pytest.raises(ValueError, match="Unknown dataset: 'cifar'"):
        TrainConfig.for_dataset("cifar")
    with pytest.raises(ValueError, match="Invalid batch_size: 0"):
        TrainConfig(batch_size=0)
    with pytest.raises(TypeError, match=r"Invalid hidden_features: \[64\]"):
        TrainConfig(hidden_features=[64])
    with pytest.raises(ValueError, match=r"Invalid val_fraction: 1\.0"):
        TrainConfig(val_fraction=1.0)
    with pytest.raises(ValueError, match="resume needs a checkpoint_dir"):
        TrainConfig(resume=True)
    key = TrainConfig(num_epochs=3, device="cpu").resume_key()
    assert "num_epochs" not in key and "device" not in key and key["hidden_features"] == [64]
