"""``healthkg token add|list|revoke``: manage the write tokens of data stewards.

Exit codes: 0 done, 1 refused (name taken, unknown name), 2 unreadable tokens file.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from healthkg.config import from_environment
from healthkg.errors import HealthkgError, InputUnreadable
from healthkg.tokens import TokenFile


def register(subparsers: Any) -> None:
    """Add the ``token`` sub-command."""
    parser = subparsers.add_parser("token", help="Manage the write tokens of data stewards.")
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    for action, helptext in (("add", "Create a token and print it once (last line)."),
                             ("list", "List token names and creation dates."),
                             ("revoke", "Remove a steward's token.")):
        sub = actions.add_parser(action, help=helptext)
        if action != "list":
            sub.add_argument("name", help="The steward's name, e.g. alice.")
        sub.add_argument("--tokens", metavar="FILE",
                         help="Tokens file (default: $HEALTHKG_TOKENS or var/tokens.json).")
        sub.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Carry out the token action; return the exit code."""
    path = Path(args.tokens or from_environment().tokens)
    tokens = TokenFile(path)
    try:
        if args.action == "add":
            token = tokens.add(args.name)
            print(f"Token for {args.name} created in {path}. It is shown only once:")
            print(token)
        elif args.action == "revoke":
            tokens.revoke(args.name)
            print(f"Token of {args.name} revoked.")
        else:
            records = tokens.records()
            if not records:
                print(f"No tokens in {path}.")
            for record in records:
                print(f"{record.name}\t{record.created}")
    except HealthkgError as exc:
        print(f"healthkg token: {exc.message}", file=sys.stderr)
        return 2 if isinstance(exc, InputUnreadable) else 1
    return 0
