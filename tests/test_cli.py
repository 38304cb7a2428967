"""Tests of the `dlnotes` command line."""

from __future__ import annotations

import json
import math
import subprocess
import sys

import pytest

import dlnotes
from dlnotes.cli import main


def test_info_prints_versions(capsys):
    assert main(["info", "--device", "cpu"]) == 0
    out = capsys.readouterr().out
    assert f"dlnotes-course   {dlnotes.__version__}" in out
    assert "selected device  cpu" in out


def test_info_warns_when_the_other_dlnotes_is_installed(capsys, monkeypatch):
    """`dlnotes` on PyPI is another project that installs a module of the same name."""
    import importlib.metadata

    both = {"dlnotes": ["dlnotes-course", "dlnotes"], "torch": ["torch"]}
    monkeypatch.setattr(importlib.metadata, "packages_distributions", lambda: both)
    assert main(["info", "--device", "cpu"]) == 0
    err = capsys.readouterr().err
    assert "the distribution 'dlnotes' is installed too" in err
    assert "pip uninstall dlnotes" in err
    monkeypatch.setattr(
        importlib.metadata, "packages_distributions", lambda: {"dlnotes": ["dlnotes_course"]}
    )
    assert main(["info", "--device", "cpu"]) == 0
    assert capsys.readouterr().err == ""


def test_info_bad_device_is_a_clear_error(capsys):
    assert main(["info", "--device", "gpu7"]) == 2
    assert "Invalid device: 'gpu7'" in capsys.readouterr().err


def test_version(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["--version"])
    assert exc.value.code == 0
    assert capsys.readouterr().out.strip() == f"dlnotes (dlnotes-course) {dlnotes.__version__}"


def test_no_command_prints_help(capsys):
    assert main([]) == 0
    assert "usage: dlnotes" in capsys.readouterr().out


def test_console_script_and_module_entry_points():
    result = subprocess.run(
        [sys.executable, "-m", "dlnotes", "--version"], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == f"dlnotes (dlnotes-course) {dlnotes.__version__}"


# --- dlnotes train ------------------------------------------------------------------------------


def test_train_runs_on_digits_and_writes_metrics(tmp_path, capsys):
    out = tmp_path / "m.json"
    assert main(["train", "--epochs", "2", "--no-progress", "--metrics-out", str(out)]) == 0
    metrics = json.loads(out.read_text())
    assert [r["epoch"] for r in metrics["history"]] == [1, 2]
    for record in metrics["history"]:
        assert set(record) == {"epoch", "train_loss", "train_seconds", "val_loss",
                               "val_accuracy", "lr"}  # fmt: skip
    assert metrics["test_accuracy"] > 0.5 and metrics["test_loss"] > 0
    assert metrics["config"]["hidden_features"] == [64]
    assert metrics["config"]["val_fraction"] == 0.2
    out = capsys.readouterr().out
    assert "epoch   2  train_loss" in out and "val_acc" in out
    assert out.count("test_acc") == 1  # the test set is evaluated once, at the end


def test_train_flags_override_only_what_they_name(tmp_path):
    out = tmp_path / "m.json"
    argv = ["train", "--epochs", "1", "--no-progress", "--metrics-out", str(out)]
    assert main([*argv, "--hidden", "--val-fraction", "0", "--from-scratch"]) == 0
    config = json.loads(out.read_text())["config"]
    assert config["hidden_features"] == [] and config["val_fraction"] == 0.0
    assert config["from_scratch"] is True and config["batch_size"] == 32  # the digits' preset
    assert json.loads(out.read_text())["history"][0]["val_loss"] is None


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--hidden", "0"], "argument --hidden: must be a positive int, got 0"),
        (["--epochs", "two"], "argument --epochs: invalid int value: 'two'"),
        (["--lr", "-1"], "argument --lr: must be a positive number"),
        (["--optimizer", "lbfgs"], "argument --optimizer: invalid choice: 'lbfgs'"),
        (["--resume"], "resume needs a checkpoint_dir"),
        (["--val-fraction", "1"], "argument --val-fraction: must be in [0, 1), got 1.0"),
        (["--device", "gpu7"], "Invalid device: 'gpu7'"),
    ],
)
def test_train_bad_flags_exit_2(argv, message, capsys):
    with pytest.raises(SystemExit) as exc:
        main(["train", *argv])
    assert exc.value.code == 2
    assert message in capsys.readouterr().err


def test_train_resume_continues(tmp_path, capsys):
    common = ["train", "--no-progress", "--hidden", "16", "--optimizer", "nag", "--lr", "0.1",
              "--from-scratch", "--device", "cpu", "--checkpoint-dir", str(tmp_path)]  # fmt: skip
    assert main([*common, "--epochs", "1"]) == 0
    out = tmp_path / "m.json"
    assert main([*common, "--epochs", "2", "--resume", "--metrics-out", str(out)]) == 0
    printed = capsys.readouterr().out
    # Epoch 1 ran once, in the first call: the second continued from its checkpoint.
    assert printed.count("epoch   1  train_loss") == 1
    assert printed.count("epoch   2  train_loss") == 1
    assert [r["epoch"] for r in json.loads(out.read_text())["history"]] == [1, 2]


def test_train_schedule_and_normalize_flags(tmp_path):
    out = tmp_path / "m.json"
    common = ["train", "--epochs", "4", "--no-progress", "--metrics-out", str(out)]
    assert main(common) == 0
    metrics = json.loads(out.read_text())
    # cosine by default: lr (1 + cos(pi e / 4)) / 2 at epochs e = 0..3
    expected = [1e-3 * 0.5 * (1 + math.cos(math.pi * e / 4)) for e in range(4)]
    assert [r["lr"] for r in metrics["history"]] == pytest.approx(expected)
    assert metrics["config"]["schedule"] == "cosine" and metrics["config"]["normalize"] is True
    assert main([*common, "--schedule", "constant", "--no-normalize"]) == 0
    metrics = json.loads(out.read_text())
    assert [r["lr"] for r in metrics["history"]] == [1e-3] * 4
    assert metrics["config"]["normalize"] is False


def test_train_bad_schedule_exits_2(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["train", "--schedule", "step"])
    assert exc.value.code == 2
    assert "argument --schedule: invalid choice: 'step'" in capsys.readouterr().err


def test_train_failure_exits_1_and_ctrl_c_130(tmp_path, capsys, monkeypatch):
    # Exit statuses as main() documents them: 1 for a run that fails, 130 after Ctrl-C.
    missing = ["train", "--dataset", "mnist", "--data-dir", str(tmp_path), "--no-progress"]
    assert main(missing) == 1
    assert "dlnotes train: error:" in capsys.readouterr().err

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr("dlnotes.train.run", interrupted)  # cli imports it when called
    assert main(["train", "--no-progress", "--checkpoint-dir", str(tmp_path)]) == 130
    assert f"resume with --resume --checkpoint-dir {tmp_path}" in capsys.readouterr().err
