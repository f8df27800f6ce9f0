"""The project's RDF files: where they are, which named graph each goes to, how to read them.

Turtle files (the ontology, the shapes) go to the named graph of the ``owl:Ontology`` they
declare; TriG files (the facts and their provenance) keep their own graphs. Nothing goes to
the default graph: a query sees the union of the named graphs (see the service description).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

import pyoxigraph
import rdflib
from rdflib.namespace import OWL, RDF

from healthkg.config import BASE_IRI
from healthkg.errors import InputUnreadable

ONTOLOGY_IRI = BASE_IRI + "def"
SHAPES_IRI = BASE_IRI + "shapes"

#: Suffixes of the RDF files the loader reads, with their rdflib format names.
FORMATS = {".ttl": "turtle", ".trig": "trig", ".nt": "nt", ".nq": "nquads"}


def default_paths(project_root: Path) -> list[Path]:
    """The ontology and data directories of a project checkout."""
    return [project_root / "ontology", project_root / "data"]


def rdf_files(paths: Iterable[Path]) -> list[Path]:
    """Expand directories into the RDF files they hold, sorted; keep files as given."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files.extend(sorted(p for p in path.rglob("*") if p.suffix in FORMATS))
        elif path.exists():
            files.append(path)
        else:
            raise InputUnreadable(f"{path}: no such file or directory")
    return files


def parse_file(path: Path) -> rdflib.Dataset:
    """Parse one RDF file into a Dataset, naming the graph of a Turtle file by its ontology."""
    fmt = FORMATS.get(path.suffix)
    if fmt is None:
        raise InputUnreadable(f"{path}: unknown RDF file type {path.suffix!r} "
                              f"(expected one of {', '.join(sorted(FORMATS))})")
    dataset = rdflib.Dataset()
    try:
        data = path.read_bytes()
        if fmt in {"turtle", "nt"}:
            graph = rdflib.Graph()
            # Parse from bytes with an explicit format: a str would be fetched as a URL.
            graph.parse(data=data, format=fmt, publicID=path.resolve().as_uri())
            target = dataset.graph(rdflib.URIRef(_graph_name(path, graph)))
            for triple in graph:
                target.add(triple)
            for prefix, ns in graph.namespaces():
                dataset.bind(prefix, ns, override=False)
        else:
            dataset.parse(data=data, format=fmt, publicID=path.resolve().as_uri())
    except (OSError, UnicodeDecodeError) as exc:
        raise InputUnreadable(f"{path}: cannot read: {exc}") from exc
    except Exception as exc:  # rdflib raises many unrelated types for bad syntax
        raise InputUnreadable(f"{path}: {_syntax_message(exc)}") from exc
    return dataset


def _graph_name(path: Path, graph: rdflib.Graph) -> str:
    ontologies = sorted(str(s) for s in graph.subjects(RDF.type, OWL.Ontology)
                        if isinstance(s, rdflib.URIRef))
    if len(ontologies) == 1:
        return ontologies[0]
    return BASE_IRI + "graph/" + path.stem


def _syntax_message(exc: Exception) -> str:
    # rdflib's Turtle/TriG BadSyntax keeps the text and the offset of the error: turn them
    # into a line and column a person can go to (its str() has neither column nor file).
    text_bytes, offset, why = (getattr(exc, name, None) for name in ("_str", "_i", "_why"))
    if isinstance(text_bytes, bytes) and isinstance(offset, int) and why:
        start = text_bytes.rfind(b"\n", 0, offset) + 1
        end = text_bytes.find(b"\n", offset)
        line_text = text_bytes[start:end if end >= 0 else None].decode("utf-8", "replace")
        column = len(text_bytes[start:offset].decode("utf-8", "replace")) + 1
        line = text_bytes.count(b"\n", 0, offset) + 1
        return (f"syntax error at line {line}, column {column}: {why}\n"
                f"    {line_text.strip()[:200]}")
    # rdflib's BadSyntax carries the line; its str() names the file URI and position.
    lines = getattr(exc, "lines", None)
    text = str(exc).strip() or type(exc).__name__
    if lines is not None and "line" not in text:
        text = f"line {lines + 1}: {text}"
    return f"syntax error: {text}"


def load(paths: Iterable[Path]) -> rdflib.Dataset:
    """Parse every RDF file under the given paths into one Dataset."""
    dataset = rdflib.Dataset()
    for file in rdf_files(paths):
        part = parse_file(file)
        for prefix, ns in part.namespaces():
            dataset.bind(prefix, ns, override=False)
        for s, p, o, g in part.quads((None, None, None, None)):
            dataset.graph(g).add((s, p, o))
    return dataset


def iter_nquads(paths: Iterable[Path]) -> Iterator[str]:
    """Yield every quad of the project files as an N-Quads line (for bulk loading)."""
    for s, p, o, g in load(paths).quads((None, None, None, None)):
        graph = g.identifier if isinstance(g, rdflib.Graph) else g
        yield (f"{_nquads_term(s)} {_nquads_term(p)} {_nquads_term(o)} "
               f"{_nquads_term(graph)} .\n")


def _nquads_term(term: object) -> str:
    """A term in N-Quads syntax (rdflib's n3() writes multi-line literals in triple quotes,
    which N-Quads does not allow)."""
    if isinstance(term, rdflib.Literal):
        text = (str(term).replace("\\", "\\\\").replace('"', '\\"')
                .replace("\n", "\\n").replace("\r", "\\r"))
        if term.language:
            return f'"{text}"@{term.language}'
        if term.datatype is not None:
            return f'"{text}"^^<{term.datatype}>'
        return f'"{text}"'
    return str(term.n3())  # type: ignore[attr-defined]


def load_into(store: pyoxigraph.Store, paths: Iterable[Path]) -> int:
    """Bulk-load the project files into a pyoxigraph store; return the number of quads read."""
    payload = "".join(iter_nquads(paths)).encode("utf-8")
    store.bulk_load(payload, format=pyoxigraph.RdfFormat.N_QUADS)
    store.flush()
    return payload.count(b"\n")
