"""``healthkg validate [PATH ...]``: check RDF files against the project's SHACL shapes.

Exit codes: 0 the data conforms, 1 it violates a shape (the report says where and why),
2 an input cannot be read (a syntax error names the file, line and column).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import rdflib

from healthkg import dataset
from healthkg.config import from_environment
from healthkg.errors import HealthkgError, InputUnreadable
from healthkg.report import FORMATS, render


def register(subparsers: Any) -> None:
    """Add the ``validate`` sub-command."""
    parser = subparsers.add_parser(
        "validate", help="Validate RDF files against the project's SHACL shapes.",
        description="Validate Turtle/TriG files (default: the project's ontology/ and data/) "
                    "against the project's shapes. Exit codes: 0 conforms, 1 violations, "
                    "2 unreadable input.")
    parser.add_argument("paths", nargs="*", type=Path, metavar="PATH",
                        help="RDF files or directories (default: ontology/ and data/). "
                             "The project's ontology is always used for the class hierarchy.")
    parser.add_argument("--format", choices=FORMATS, default="text",
                        help="Report format (default: text).")
    parser.set_defaults(func=run)


def _ontology(project_root: Path) -> rdflib.Graph:
    """The project's ontology as one graph (classes and their hierarchy)."""
    graph = rdflib.Graph()
    for s, p, o, _ in dataset.load([project_root / "ontology"]).quads((None, None, None, None)):
        graph.add((s, p, o))
    return graph


def run(args: argparse.Namespace) -> int:
    """Validate the given paths and print the report; return the exit code."""
    settings = from_environment()
    root = settings.project_root
    paths: list[Path] = list(args.paths) or dataset.default_paths(root)
    try:
        files = dataset.rdf_files(paths)
        if not files:
            raise InputUnreadable(
                f"no RDF files ({', '.join(sorted(dataset.FORMATS))}) in "
                f"{', '.join(str(p) for p in paths)}")
        data = dataset.load(files)
        from healthkg import validation  # imported late: pyshacl is slow to import

        shapes = validation.load_shapes(root)
        report = validation.validate(data, shapes, ontology=_ontology(root))
    except HealthkgError as exc:
        print(f"healthkg validate: {exc.message}", file=sys.stderr)
        return 2
    sys.stdout.write(render(report, args.format))
    return 0 if report.conforms else 1
