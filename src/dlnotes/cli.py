"""The `dlnotes` command line.

`dlnotes info` prints the versions and devices a bug report needs; `dlnotes --version` prints the
package version. Each sub-command maps its flags onto the package's functions, so anything the
command line does can also be done from Python.
"""

from __future__ import annotations

import argparse
import platform
import sys
from collections.abc import Sequence

import dlnotes

__all__ = ["build_parser", "main"]


def _info(args: argparse.Namespace) -> int:
    import numpy as np
    import torch

    from dlnotes.tensor import get_device

    try:
        device = get_device(args.device)
    except ValueError as exc:
        print(f"dlnotes: error: {exc}", file=sys.stderr)
        return 2
    mps = getattr(torch.backends, "mps", None)
    rows = [
        ("dlnotes", dlnotes.__version__),
        ("python", platform.python_version()),
        ("platform", platform.platform()),
        ("torch", torch.__version__),
        ("numpy", np.__version__),
        ("cuda available", str(torch.cuda.is_available())),
        ("cuda devices", str(torch.cuda.device_count())),
        ("mps available", str(bool(mps is not None and mps.is_available()))),
        ("cpu threads", str(torch.get_num_threads())),
        ("selected device", str(device)),
    ]
    width = max(len(k) for k, _ in rows)
    for key, value in rows:
        print(f"{key:<{width}}  {value}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    """Builds the argument parser (exposed for tests and documentation).

    Returns:
        The parser for the `dlnotes` command.
    """
    parser = argparse.ArgumentParser(
        prog="dlnotes",
        description="Companion tools for the dlnotes deep-learning course.",
    )
    parser.add_argument("--version", action="version", version=f"dlnotes {dlnotes.__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    info = sub.add_parser("info", help="print versions and available devices")
    info.add_argument(
        "--device",
        default="auto",
        help="device to check: auto (default), cpu, cuda, cuda:N or mps",
    )
    info.set_defaults(func=_info)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Runs the command line.

    Args:
        argv: The arguments, without the program name; `sys.argv[1:]` by default.

    Returns:
        The exit status: 0 on success, 2 on a usage error.
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    if not hasattr(args, "func"):
        parser.print_help()
        return 0
    return int(args.func(args))
