"""``healthkg query``: run a SPARQL query or a named query in-process and print the answer.

    healthkg query 'SELECT ...'                 a query text ('-' reads it from stdin)
    healthkg query NAME --param key=value       a named query of queries/
    healthkg query --list                       the named queries and their parameters

Exit codes: 0 answered, 1 the query was refused (syntax error, bad parameter) or ran past
its deadline (``--timeout``), 2 usage error or unreadable input (unknown named query,
missing store directory).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import threading
from pathlib import Path
from typing import Any

from healthkg import namedqueries
from healthkg.config import Settings, from_environment
from healthkg.errors import HealthkgError, InputUnreadable, QueryTimeout
from healthkg.namespaces import curie
from healthkg.store.base import QueryOutcome, QueryRequest, Store

#: Output formats: 'table' is for people; the others are what the store serialises.
FORMATS = ("table", "csv", "tsv", "json", "xml", "turtle", "ntriples", "nquads", "trig",
           "jsonld")

#: What 'table' asks the store for: JSON results, or Turtle for CONSTRUCT and DESCRIBE.
TABLE_ACCEPT = "application/sparql-results+json, text/turtle;q=0.9"



class UsageError(Exception):
    """The command line is wrong (exit code 2)."""


def register(subparsers: Any) -> None:
    """Add the ``query`` sub-command."""
    parser = subparsers.add_parser(
        "query", help="Run a SPARQL query or a named query and print the answer.",
        description="Run a SPARQL query (text, or '-' for stdin) or a named query of "
                    "queries/ on the project's graph. Exit codes: 0 answered, 1 query "
                    "refused (syntax, parameter, deadline), 2 usage or unreadable input.")
    parser.add_argument("query", nargs="?", metavar="QUERY|NAME",
                        help="SPARQL text, '-' to read it from stdin, or a named query's name.")
    parser.add_argument("--param", "-p", action="append", default=[], metavar="KEY=VALUE",
                        help="A parameter of a named query (repeatable).")
    parser.add_argument("--format", "-f", choices=FORMATS, default="table",
                        help="Output format (default: table).")
    parser.add_argument("--store", metavar="DIR",
                        help="An existing on-disk store (default: an in-memory store loaded "
                             "from the project's ontology/ and data/).")
    parser.add_argument("--timeout", type=float, metavar="SECONDS",
                        help="Deadline of the query (default: $HEALTHKG_QUERY_TIMEOUT or 10).")
    parser.add_argument("--list", action="store_true", help="List the named queries.")
    parser.set_defaults(func=run)


def _parameters(pairs: list[str]) -> dict[str, str]:
    values: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise UsageError(f"--param {pair!r}: expected KEY=VALUE")
        if key in values:
            raise UsageError(f"--param {key!r} is given twice")
        values[key] = value
    return values


def _request(args: argparse.Namespace, settings: Settings) -> QueryRequest:
    """Turn the command line into a query request (named queries bound safely)."""
    if args.query is None:
        raise UsageError("give a query, a named query's name, or --list")
    directory = settings.queries_dir
    values = _parameters(args.param)
    fmt = None if args.format == "table" else args.format
    accept = TABLE_ACCEPT if args.format == "table" else ""
    text: str = args.query
    if text == "-":
        text = sys.stdin.read()
    elif namedqueries.NAME_PATTERN.fullmatch(text):
        if not (directory / f"{text}.rq").is_file():
            raise UsageError(f"no named query {text!r} in {directory} "
                             "(healthkg query --list shows them)")
        named = namedqueries.load(directory / f"{text}.rq")
        return QueryRequest(text=named.text, accept=accept, format=fmt,
                            substitutions=namedqueries.bind(named, values))
    if values:
        raise UsageError("--param applies only to a named query")
    return QueryRequest(text=text, accept=accept, format=fmt)


def _open_store(settings: Settings, store_dir: str | None) -> Store:
    from healthkg.store.direct import DirectStore  # imported late: opens pyoxigraph

    if store_dir is not None:
        if not Path(store_dir).is_dir():
            raise UsageError(f"--store {store_dir}: no such store directory")
        settings = settings.with_overrides(store=store_dir, memory=False)
    else:
        settings = settings.with_overrides(memory=True)
    store: Store = DirectStore(settings)
    return store


def _answer(store: Store, request: QueryRequest, timeout: float) -> QueryOutcome:
    """Run the query in a worker thread and wait for it until the deadline at most.

    pyoxigraph cannot be interrupted, but it releases the GIL while it evaluates: the main
    thread wakes at the deadline and the command ends the whole process (see ``run``).
    """
    outcome: list[QueryOutcome] = []
    failure: list[BaseException] = []

    def work() -> None:
        try:
            outcome.append(store.query(request, timeout=timeout))
        except BaseException as exc:  # handed to the main thread, which reports it
            failure.append(exc)

    worker = threading.Thread(target=work, name="healthkg-query", daemon=True)
    worker.start()
    worker.join(timeout)
    if worker.is_alive():
        raise QueryTimeout(f"the query ran past its deadline of {timeout:g} s and was "
                           "stopped (--timeout sets another deadline)")
    if failure:
        raise failure[0]
    return outcome[0]


def _cell(term: dict[str, str] | None) -> str:
    if term is None:
        return ""
    value = term.get("value", "")
    kind = term.get("type")
    if kind == "uri":
        short = curie(value)
        return short if short != value else f"<{value}>"
    if kind == "bnode":
        return f"_:{value}"
    if "xml:lang" in term:
        return f"{value}@{term['xml:lang']}"
    return value


def table(body: bytes) -> str:
    """Render SPARQL JSON results as an aligned text table (or true/false for ASK)."""
    results = json.loads(body)
    if "boolean" in results:
        return "true\n" if results["boolean"] else "false\n"
    variables: list[str] = results["head"].get("vars", [])
    rows = [[_cell(binding.get(v)).replace("\n", " ") for v in variables]
            for binding in results["results"]["bindings"]]
    widths = [max([len(v)] + [len(row[i]) for row in rows]) for i, v in enumerate(variables)]
    lines = [" | ".join(v.ljust(w) for v, w in zip(variables, widths, strict=True)).rstrip(),
             "-+-".join("-" * w for w in widths)]
    lines += [" | ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip()
              for row in rows]
    lines.append(f"({len(rows)} row{'' if len(rows) == 1 else 's'})")
    return "\n".join(lines) + "\n"


def _print(outcome: QueryOutcome, fmt: str) -> None:
    if fmt == "table" and outcome.media_type.startswith("application/sparql-results+json"):
        sys.stdout.write(table(outcome.body))
    else:
        sys.stdout.buffer.write(outcome.body)
        sys.stdout.flush()
    if outcome.truncated:
        print(f"healthkg query: result truncated at {outcome.rows} rows (max_rows)",
              file=sys.stderr)


def _list(settings: Settings) -> None:
    for name, query in namedqueries.load_all(settings.queries_dir).items():
        print(f"{name}\n    {query.title}")
        for p in query.parameters:
            default = f" (default {p.default})" if p.default is not None else \
                " (required)" if p.required else " (optional)"
            print(f"    --param {p.name}=<{p.type}>  {p.description}{default}")


def run(args: argparse.Namespace) -> int:
    """Run the query and print its answer; return the exit code."""
    settings = from_environment()
    try:
        if args.list:
            _list(settings)
            return 0
        request = _request(args, settings)
        timeout = settings.query_timeout if args.timeout is None else args.timeout
        if timeout <= 0:
            raise UsageError("--timeout must be a positive number of seconds")
        store = _open_store(settings, args.store)
        try:
            outcome = _answer(store, request, timeout)
        except QueryTimeout as exc:
            # The evaluation cannot be stopped in-process: end the process, as the
            # service's engine does at a deadline.
            print(f"healthkg query: {exc.title.lower()}: {exc.message}", file=sys.stderr,
                  flush=True)
            os._exit(1)
        finally:
            store.close()  # not reached after os._exit: nothing to close in a dead process
    except (UsageError, InputUnreadable) as exc:
        message = exc.message if isinstance(exc, HealthkgError) else str(exc)
        print(f"healthkg query: {message}", file=sys.stderr)
        return 2
    except HealthkgError as exc:
        print(f"healthkg query: {exc.title.lower()}: {exc.message}", file=sys.stderr)
        return 1
    _print(outcome, args.format)
    return 0
