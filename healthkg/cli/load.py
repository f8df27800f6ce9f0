"""``healthkg load FILE --message TEXT [--graph IRI]``: add an RDF file through the gate.

Exit codes: see ``healthkg.cli.local`` (0 done, 1 refused by the shapes, 2 bad input,
3 store in use by a running server).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from healthkg.cli import local

#: Media type of each file suffix the command reads.
SUFFIXES = {".ttl": "text/turtle", ".trig": "application/trig", ".nt": "application/n-triples",
            ".nq": "application/n-quads", ".jsonld": "application/ld+json",
            ".rdf": "application/rdf+xml", ".owl": "application/rdf+xml"}
_TRIPLES = {"text/turtle", "application/n-triples", "application/rdf+xml",
            "application/ld+json"}


def register(subparsers: Any) -> None:
    """Add the ``load`` sub-command."""
    parser = subparsers.add_parser(
        "load", help="Add the triples of an RDF file to the local store, through the shapes.")
    parser.add_argument("file", type=Path, help="Turtle, TriG, N-Triples, N-Quads, "
                                                "JSON-LD or RDF/XML file.")
    parser.add_argument("--graph", metavar="IRI",
                        help="Named graph of the triples (required for triple formats).")
    local.add_store_options(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Load the file; return the exit code."""
    media_type = SUFFIXES.get(args.file.suffix.lower())
    if media_type is None:
        print(f"healthkg load: {args.file}: unknown suffix (use one of "
              f"{', '.join(sorted(SUFFIXES))})", file=sys.stderr)
        return local.EXIT_INPUT
    if media_type in _TRIPLES and not args.graph and media_type != "application/ld+json":
        print("healthkg load: give --graph IRI: the facts of this dataset live in named "
              "graphs", file=sys.stderr)
        return local.EXIT_INPUT
    try:
        body = args.file.read_bytes()
    except OSError as exc:
        print(f"healthkg load: {args.file}: {exc}", file=sys.stderr)
        return local.EXIT_INPUT
    return local.run_write(args, "load", kind="patch", body=body, media_type=media_type,
                           graph=args.graph, base_iri=args.graph or args.file.resolve().as_uri())
