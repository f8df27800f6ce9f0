"""The ``healthkg`` command: one sub-command per module of this package."""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from healthkg import __version__

#: Sub-command modules; each defines ``register(subparsers)`` and sets ``func`` on its parser.
COMMANDS = ("validate", "serve", "query", "token", "load", "update", "export")


def build_parser() -> argparse.ArgumentParser:
    """Build the argument parser with every sub-command."""
    parser = argparse.ArgumentParser(
        prog="healthkg",
        description="Knowledge graph of the Rennes health technologies and sciences cluster.")
    parser.add_argument("--version", action="version", version=f"healthkg {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMANDS:
        importlib.import_module(f"healthkg.cli.{name}").register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the process exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help(sys.stderr)
        return 2
    code: int = args.func(args)
    return code


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
