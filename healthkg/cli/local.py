"""What the local write commands share: the on-disk store, the writer, the outcome printed.

``healthkg load`` and ``healthkg update`` go through the same writer (shapes gate, journal,
history) as the HTTP service, on the local on-disk store. The author of a change is the
local user name. A running server holds the store's lock: the steward is then told to use
the HTTP API with a token.

Exit codes of ``load``, ``update`` and ``export``: 0 done (or nothing to change), 1 refused
by the shapes (the report is printed), 2 unreadable or invalid input, 3 the store is in use
by a running server.
"""

from __future__ import annotations

import argparse
import gc
import getpass
import sys
from typing import Any

from healthkg import report
from healthkg.config import Settings, from_environment
from healthkg.errors import HealthkgError, ValidationFailed
from healthkg.store.base import WriteOutcome, WriteRequest
from healthkg.store.direct import DirectStore

EXIT_REFUSED = 1
EXIT_INPUT = 2
EXIT_IN_USE = 3


def add_store_options(parser: argparse.ArgumentParser, *, writes: bool = True) -> None:
    """The options of a command working on the local store."""
    parser.add_argument("--store", metavar="DIR",
                        help="On-disk store (default: $HEALTHKG_STORE or var/store).")
    parser.add_argument("--journal", metavar="DIR",
                        help="Journal directory (default: $HEALTHKG_JOURNAL or var/journal).")
    if writes:
        parser.add_argument("--message", "-m", default="", help="Why the change is made.")
        parser.add_argument("--dry-run", action="store_true",
                            help="Print the diff and the report; write nothing.")


def settings_of(args: argparse.Namespace) -> Settings:
    """Settings from the environment and the options (never an in-memory store)."""
    return from_environment(store=args.store, journal=args.journal).with_overrides(
        memory=False)


def open_store(settings: Settings, command: str) -> DirectStore | None:
    """The local store, or None (message printed) when a running server holds it."""
    try:
        return DirectStore(settings)
    except OSError as exc:
        if "lock" in str(exc).lower():
            print(f"healthkg {command}: the store {settings.store} is in use by a running "
                  "server; send the change to its HTTP API instead (POST /update or /store "
                  "with 'Authorization: Bearer TOKEN'; create a token with 'healthkg token "
                  "add NAME')", file=sys.stderr)
            return None
        raise


def run_write(args: argparse.Namespace, command: str, **fields: Any) -> int:
    """Send one write through the local store's writer and print what happened."""
    try:
        return _run_write(args, command, **fields)
    finally:
        # pyoxigraph releases an on-disk store's lock when the store is freed: free it now
        # (tracebacks of a refused change refer to it), for callers that open it again.
        gc.collect()


def _run_write(args: argparse.Namespace, command: str, **fields: Any) -> int:
    settings = settings_of(args)
    try:
        store = open_store(settings, command)
        if store is None:
            return EXIT_IN_USE
        try:
            outcome = store.write(WriteRequest(author=getpass.getuser(), message=args.message,
                                               dry_run=args.dry_run, **fields))
        finally:
            store.close()
    except ValidationFailed as exc:
        print(f"healthkg {command}: {exc.message}", file=sys.stderr)
        print(_report_text(exc.details.get("report", {})), end="")
        return EXIT_REFUSED
    except HealthkgError as exc:
        print(f"healthkg {command}: {exc.message}", file=sys.stderr)
        return EXIT_INPUT
    _print_outcome(outcome)
    return 0 if outcome.conforms else EXIT_REFUSED


def _report_text(data: dict[str, Any]) -> str:
    lines = []
    for resource in data.get("resources", []):
        label = resource.get("label")
        lines.append(f"{label} <{resource['focus']}>" if label else f"<{resource['focus']}>")
        for v in resource["violations"]:
            lines.append(f"  {v['severity']}: {v['message']}")
            if v.get("path"):
                lines.append(f"    path:  {report.compact(v['path'])}")
            if v.get("value") is not None:
                lines.append(f"    value: {v.get('value_term') or v['value']}")
            lines.append(f"    shape: {report.compact(v['shape'])}")
        lines.append("")
    lines.append(str(data.get("summary", "")))
    return "\n".join(lines) + "\n"


def _print_outcome(outcome: WriteOutcome) -> None:
    if outcome.dry_run:
        for line in outcome.diff_added.splitlines():
            print(f"+ {line}")
        for line in outcome.diff_removed.splitlines():
            print(f"- {line}")
        print(_report_text(outcome.report) if outcome.report else "nothing would change",
              end="" if outcome.report else "\n")
        print("dry run: nothing was written")
    elif outcome.change_id is None:
        print("nothing to change: the store already holds this")
    else:
        print(f"change {outcome.change_id}: {outcome.added} added, {outcome.removed} "
              f"removed; version {outcome.version}")
