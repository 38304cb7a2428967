"""Allows `python -m dlnotes`."""

from dlnotes.cli import main

raise SystemExit(main())
