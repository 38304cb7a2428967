"""Tests of the `dlnotes` command line."""

from __future__ import annotations

import subprocess
import sys

import pytest

import dlnotes
from dlnotes.cli import main


def test_info_prints_versions(capsys):
    assert main(["info", "--device", "cpu"]) == 0
    out = capsys.readouterr().out
    assert f"dlnotes          {dlnotes.__version__}" in out
    assert "selected device  cpu" in out


def test_info_bad_device_is_a_clear_error(capsys):
    assert main(["info", "--device", "gpu7"]) == 2
    assert "Invalid device: 'gpu7'" in capsys.readouterr().err


def test_version(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["--version"])
    assert exc.value.code == 0
    assert capsys.readouterr().out.strip() == f"dlnotes {dlnotes.__version__}"


def test_no_command_prints_help(capsys):
    assert main([]) == 0
    assert "usage: dlnotes" in capsys.readouterr().out


def test_console_script_and_module_entry_points():
    result = subprocess.run(
        [sys.executable, "-m", "dlnotes", "--version"], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == f"dlnotes {dlnotes.__version__}"
