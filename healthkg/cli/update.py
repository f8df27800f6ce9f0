"""``healthkg update 'INSERT DATA {...}' [--message TEXT]``: a SPARQL Update through the gate.

Exit codes: see ``healthkg.cli.local`` (0 done, 1 refused by the shapes, 2 bad input,
3 store in use by a running server).
"""

from __future__ import annotations

import argparse
from typing import Any

from healthkg.cli import local


def register(subparsers: Any) -> None:
    """Add the ``update`` sub-command."""
    parser = subparsers.add_parser(
        "update", help="Apply a SPARQL Update to the local store, through the shapes.")
    parser.add_argument("update", help="The SPARQL 1.1 Update text.")
    local.add_store_options(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Apply the update; return the exit code."""
    return local.run_write(args, "update", kind="update", text=args.update)
