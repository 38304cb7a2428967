"""Checkpoint faults, as a user meets them: damaged files, full disks, kills, two runs, resumes.

Each test states what the user sees and checks that no earlier good file was lost.
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
import torch

import dlnotes.train.checkpoint
from dlnotes.cli import main
from dlnotes.train import CheckpointFolder, FolderInUseError, load_checkpoint, save_checkpoint

# A quick run of the command line: digits, a small MLP, two epochs.
TRAIN = ["train", "--no-progress", "--hidden", "16", "--device", "cpu"]


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


@pytest.fixture
def run_folder(tmp_path):
    """A folder with last.pt (epoch 2) and previous.pt (epoch 1), as `dlnotes train` leaves it."""
    folder = tmp_path / "run"
    assert main([*TRAIN, "--epochs", "2", "--checkpoint-dir", str(folder)]) == 0
    return folder


# --- integrity ----------------------------------------------------------------------------------


def damage_middle(data: bytes) -> bytes:
    """Overwrites 64 bytes in the middle of the largest tensor's storage, as a bad sector would."""
    middle = len(data) // 2
    return data[:middle] + bytes(64) + data[middle + 64 :]


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (damage_middle, "damaged"),
        (lambda data: data[: len(data) // 2], "damaged"),
        (lambda data: b"", "damaged"),
        (lambda data: b"just some text, not a checkpoint\n", "damaged"),
    ],
    ids=["damaged-in-the-middle", "truncated", "empty", "text-file"],
)
def test_a_damaged_file_is_refused_with_its_name(tmp_path, damage, message):
    model = torch.nn.Linear(300, 200)  # large enough that the middle falls in a weight
    path = save_checkpoint(tmp_path / "last.pt", model=model, epoch=3)
    damaged = damage(path.read_bytes())
    path.write_bytes(damaged)
    with pytest.raises(ValueError, match=rf"last\.pt: the checkpoint is {message}"):
        load_checkpoint(path)
    assert path.read_bytes() == damaged  # loading never writes


def test_other_files_are_named_for_what_they_are(tmp_path):
    tensor_file = tmp_path / "weights.pt"
    torch.save({"weights": torch.zeros(2)}, tensor_file)
    with pytest.raises(ValueError, match="not a dlnotes checkpoint"):
        load_checkpoint(tensor_file)
    foreign = tmp_path / "foreign.pt"
    torch.save({"n": np.float64(1.0)}, foreign)  # written by other code
    with pytest.raises(ValueError, match=r"refuses to build.*not damaged"):
        load_checkpoint(foreign)
    with pytest.raises(FileNotFoundError, match=r"missing\.pt"):
        load_checkpoint(tmp_path / "missing.pt")


def test_the_digest_covers_every_value(tmp_path):
    path = save_checkpoint(tmp_path / "last.pt", model=torch.nn.Linear(3, 2), epoch=1,
                           extra={"lr": 0.1})  # fmt: skip
    checkpoint = torch.load(path, weights_only=True)
    for change in (
        lambda c: c["model"]["weight"].view(-1)[0].add_(1e-6),
        lambda c: c["extra"].update(lr=0.1000001),
        lambda c: c.update(epoch=2),
    ):
        edited = torch.load(path, weights_only=True)
        change(edited)
        torch.save(edited, tmp_path / "edited.pt")
        with pytest.raises(ValueError, match="do not match its SHA-256 digest"):
            load_checkpoint(tmp_path / "edited.pt")
    torch.save(checkpoint, tmp_path / "same.pt")  # saved again, unchanged: still verifies
    assert load_checkpoint(tmp_path / "same.pt")["epoch"] == 1


@pytest.mark.parametrize("extra", [{"n": np.float64(1.0)}, {"dir": [Path("runs")]}])
def test_an_unloadable_value_is_refused_before_writing(tmp_path, extra):
    model = torch.nn.Linear(3, 2)
    path = save_checkpoint(tmp_path / "last.pt", model=model, epoch=1)
    before = snapshot(tmp_path)
    with pytest.raises(TypeError, match=r"weights_only=True\) cannot read back"):
        save_checkpoint(path, model=model, epoch=2, extra=extra)
    assert snapshot(tmp_path) == before


def test_a_full_disk_keeps_the_previous_checkpoints(run_folder, monkeypatch):
    before = snapshot(run_folder)
    real_atomic_open = dlnotes.train.checkpoint.atomic_open

    class FullDisk:
        def __init__(self, file):
            self.file = file

        def write(self, data):  # half of it fits, then the disk is full
            self.file.write(bytes(data[: len(data) // 2]))
            raise OSError(28, "No space left on device")

    def atomic_open(path, mode):
        import contextlib

        @contextlib.contextmanager
        def opened():
            with real_atomic_open(path, mode) as file:
                yield FullDisk(file)

        return opened()

    monkeypatch.setattr(dlnotes.train.checkpoint, "atomic_open", atomic_open)
    model = torch.nn.Linear(3, 2)
    with pytest.raises(OSError, match="No space left"), CheckpointFolder(run_folder) as folder:
        folder.save(model=model, epoch=3)
    assert snapshot(run_folder) == before  # no temporary file left, nothing replaced


# --- kill -9 in the middle of a save -------------------------------------------------------------

KILLED_SAVE = """
import os, sys, time, torch
from dlnotes.train import CheckpointFolder
folder, pause_in = sys.argv[1], sys.argv[2]
model = torch.nn.Linear(64, 64)
with CheckpointFolder(folder) as run:
    run.save(model=model, epoch=1)
    run.save(model=model, epoch=2)
    real_fsync, real_replace = os.fsync, os.replace
    def pause(*args):
        print("paused", flush=True)
        time.sleep(60)
    if pause_in == "write":  # the new file is written, not yet flushed nor renamed
        os.fsync = lambda fd: pause()
    else:  # verified, previous.pt linked, last.pt not yet replaced
        os.replace = lambda a, b: pause() if str(b).endswith("last.pt") else real_replace(a, b)
    with torch.no_grad():
        model.weight.add_(1.0)
    run.save(model=model, epoch=3)
"""


@pytest.mark.parametrize("pause_in", ["write", "rotate"])
def test_kill_9_during_a_save_leaves_the_last_checkpoint_whole(tmp_path, pause_in):
    child = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(KILLED_SAVE), str(tmp_path), pause_in],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert child.stdout is not None
    assert child.stdout.readline().strip() == "paused"
    child.send_signal(signal.SIGKILL)
    child.wait(timeout=30)
    assert load_checkpoint(tmp_path / "last.pt")["epoch"] == 2
    assert load_checkpoint(tmp_path / "previous.pt")["epoch"] in (1, 2)
    assert (tmp_path / "lock").read_text().split()[0] == str(child.pid)  # left by the dead run
    # The next run takes the stale lock over and clears what the killed save left.
    with CheckpointFolder(tmp_path) as folder:
        assert folder.load_latest()["epoch"] == 2
        assert not list(tmp_path.glob(".*.tmp"))
    assert not (tmp_path / "lock").exists()


# --- one run per folder -------------------------------------------------------------------------


def test_a_second_run_on_a_folder_in_use_is_refused(run_folder, capsys):
    before = snapshot(run_folder)
    with CheckpointFolder(run_folder):  # this process holds it, as a running `dlnotes train`
        with pytest.raises(
            FolderInUseError, match=rf"{run_folder} is in use by process {os.getpid()}"
        ):
            CheckpointFolder(run_folder).__enter__()
        assert main([*TRAIN, "--epochs", "3", "--checkpoint-dir", str(run_folder),
                     "--resume"]) == 1  # fmt: skip
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"is in use by process {os.getpid()}" in err
    assert snapshot(run_folder) == before  # the first run's files untouched, lock released


def test_a_lock_held_by_another_live_process_is_respected(tmp_path):
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys, time; from dlnotes.train import CheckpointFolder\n"
         "with CheckpointFolder(sys.argv[1]):\n    print('locked', flush=True); time.sleep(60)",
         str(tmp_path)],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        with pytest.raises(FolderInUseError, match=f"in use by process {holder.pid}"):
            CheckpointFolder(tmp_path).__enter__()
    finally:
        holder.terminate()  # SIGTERM: the with-block releases the lock on the way out
        holder.wait(timeout=30)
    with CheckpointFolder(tmp_path):
        pass


def test_a_stale_lock_of_a_dead_process_is_taken_over(tmp_path):
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)  # fmt: skip
    (tmp_path / "lock").write_text(f"{dead.stdout.strip()} {socket.gethostname()}\n")
    with CheckpointFolder(tmp_path):
        assert (tmp_path / "lock").read_text().split()[0] == str(os.getpid())
    (tmp_path / "lock").write_text("")  # a writer killed between creating and writing it
    with CheckpointFolder(tmp_path):
        pass
    (tmp_path / "lock").write_text("12345 some-other-host\n")  # cannot be checked from here
    with pytest.raises(FolderInUseError, match=r"on some-other-host.*delete the lock file"):
        CheckpointFolder(tmp_path).__enter__()


# --- the command line on a damaged folder -------------------------------------------------------


def test_resume_from_a_damaged_last_checkpoint_exits_1_and_names_the_intact_one(run_folder, capsys):
    last = run_folder / "last.pt"
    last.write_bytes(damage_middle(last.read_bytes()))
    before = snapshot(run_folder)
    command = [*TRAIN, "--epochs", "3", "--checkpoint-dir", str(run_folder)]
    assert main([*command, "--resume"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert f"{last}: the checkpoint is damaged" in err
    assert f"{run_folder / 'previous.pt'} (epoch 1) is intact" in err
    assert snapshot(run_folder) == before  # nothing removed or replaced
    # As the message says: resume from previous.pt. The damaged last.pt is replaced, and the
    # run ends where an unbroken one does.
    assert main([*command, "--resume", str(run_folder / "previous.pt")]) == 0
    assert load_checkpoint(last)["epoch"] == 3
    unbroken = run_folder.parent / "unbroken"
    assert main([*TRAIN, "--epochs", "3", "--checkpoint-dir", str(unbroken)]) == 0
    for key, tensor in load_checkpoint(unbroken / "last.pt")["model"].items():
        assert torch.equal(load_checkpoint(last)["model"][key], tensor), key


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (["--batch-size", "64"], "with batch_size=32, not batch_size=64"),
        (["--optimizer", "sgd"], "with optimizer='adam', not optimizer='sgd'"),
        (["--hidden", "32"], r"with hidden_features=\[16\], not hidden_features=\[32\]"),
        (["--epochs", "1"], "has 2 epochs done already; num_epochs=1"),
    ],
)
def test_resume_with_other_settings_is_refused(run_folder, capsys, flags, message):
    before = snapshot(run_folder)
    argv = [*TRAIN, "--epochs", "3", "--checkpoint-dir", str(run_folder), "--resume", *flags]
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert re.search(message, err), err
    assert snapshot(run_folder) == before


def test_resume_with_more_epochs_continues_the_cosine_for_the_new_total(run_folder, tmp_path):
    out = tmp_path / "m.json"
    assert main([*TRAIN, "--epochs", "4", "--checkpoint-dir", str(run_folder), "--resume",
                 "--metrics-out", str(out)]) == 0  # fmt: skip
    lrs = [r["lr"] for r in json.loads(out.read_text())["history"]]
    assert lrs[:2] == pytest.approx([1e-3, 5e-4])  # the 2-epoch cosine, which ended at 0
    # Epoch 3 trains at the 4-epoch cosine's value for epoch index 2, not at the old final 0.
    assert lrs[2:] == pytest.approx([5e-4, 1e-3 * 0.5 * (1 + np.cos(0.75 * np.pi))])


# --- stopped by a signal, resumed with the same command -----------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize(
    ("signum", "schedule"), [(signal.SIGTERM, "cosine"), (signal.SIGKILL, "constant")]
)
def test_a_run_stopped_by_a_signal_resumes_bit_for_bit(tmp_path, signum, schedule):
    # Batches of 4 make an epoch long enough to be stopped in the middle of the second one.
    command = [*TRAIN, "--epochs", "4", "--batch-size", "4", "--schedule", schedule]
    stopped = tmp_path / "stopped"
    child = subprocess.Popen(
        [sys.executable, "-m", "dlnotes", *command, "--checkpoint-dir", str(stopped)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert child.stdout is not None
    for line in child.stdout:
        if line.startswith("epoch   1"):
            break
    child.send_signal(signum)
    _, err = child.communicate(timeout=60)
    assert child.returncode == (143 if signum == signal.SIGTERM else -signal.SIGKILL), err
    if signum == signal.SIGTERM:
        assert "terminated; resume with --resume" in err
        assert not (stopped / "lock").exists()
    assert load_checkpoint(stopped / "last.pt")["epoch"] in (1, 2)
    assert main([*command, "--checkpoint-dir", str(stopped), "--resume"]) == 0
    unbroken = tmp_path / "unbroken"
    assert main([*command, "--checkpoint-dir", str(unbroken)]) == 0
    resumed, straight = load_checkpoint(stopped / "last.pt"), load_checkpoint(unbroken / "last.pt")
    for key, tensor in straight["model"].items():
        assert torch.equal(resumed["model"][key], tensor), key
    for a, b in zip(resumed["history"]["history"], straight["history"]["history"], strict=True):
        assert {**a, "train_seconds": 0} == {**b, "train_seconds": 0}
