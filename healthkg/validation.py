"""SHACL validation of the knowledge graph against the project's own shapes.

This is the one validation function of the project: ``healthkg validate`` and the write gate
both call :func:`validate`. The shapes always come from the project (:func:`load_shapes`),
never from the data being validated, so that a change cannot carry shapes that never fail.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import pyshacl
import rdflib
from rdflib.namespace import RDF, SH, SKOS
from rdflib.term import BNode, Literal, Node, URIRef

from healthkg.errors import InputUnreadable

SHAPES_FILE = Path("ontology") / "shapes.ttl"

_SEVERITIES = {SH.Violation: "Violation", SH.Warning: "Warning", SH.Info: "Info"}


@dataclass(frozen=True)
class Violation:
    """One result of a validation: what is wrong, where, and which shape says so."""

    focus: str
    focus_label: str | None
    path: str | None
    value: str | None
    message: str
    shape: str
    severity: str  # "Violation" | "Warning" | "Info"
    constraint: str  # e.g. "sh:MinCountConstraintComponent"
    #: The offending value as an N-Triples term ("25" vs 25, <iri>), which ``value`` (plain
    #: text, for reading) cannot tell apart; None when there is no value.
    value_term: str | None = None


@dataclass(frozen=True)
class Report:
    """The outcome of a validation: conformance, the results, and the W3C report graph."""

    conforms: bool
    violations: tuple[Violation, ...]
    graph: rdflib.Graph


def load_shapes(project_root: Path) -> rdflib.Graph:
    """Read the project's trusted shapes (ontology/shapes.ttl)."""
    path = project_root / SHAPES_FILE
    graph = rdflib.Graph()
    try:
        # Parse bytes, never a str: rdflib would fetch a string as a path or URL.
        graph.parse(data=path.read_bytes(), format="turtle", publicID=path.resolve().as_uri())
    except OSError as exc:
        raise InputUnreadable(f"{path}: cannot read the shapes: {exc}") from exc
    except Exception as exc:  # rdflib raises many unrelated types for bad syntax
        raise InputUnreadable(f"{path}: syntax error in the shapes: {exc}") from exc
    return graph


def _union(data: rdflib.Graph | rdflib.Dataset, ontology: rdflib.Graph | None) -> rdflib.Graph:
    # pyshacl validates each named graph of a Dataset on its own; the data is one whole, so
    # validate the union of every graph (plus the ontology, whose subclass axioms sh:class
    # and sh:targetClass follow).
    union = rdflib.Graph()
    if isinstance(data, rdflib.Dataset):
        for s, p, o, _g in data.quads((None, None, None, None)):
            union.add((s, p, o))
    else:
        for triple in data:
            union.add(triple)
    if ontology is not None:
        for triple in ontology:
            union.add(triple)
    return union


def _label(graph: rdflib.Graph, node: Node) -> str | None:
    labels = [o for o in graph.objects(node, SKOS.prefLabel)
              if isinstance(o, Literal)]
    if not labels:
        return None
    for lang in ("en", None, "fr"):
        for label in labels:
            if label.language == lang:
                return str(label)
    return str(sorted(labels)[0])


def _text(graph: rdflib.Graph, node: Node | None) -> str | None:
    if node is None:
        return None
    if isinstance(node, URIRef | Literal):
        return str(node)
    if isinstance(node, BNode):
        # A complex path or a blank value: show it as SHACL writes it, e.g. [ sh:inversePath ... ]
        parts = [f"{p.n3(graph.namespace_manager)} {o.n3(graph.namespace_manager)}"
                 for p, o in graph.predicate_objects(node)]
        return "[ " + " ; ".join(sorted(parts)) + " ]" if parts else str(node)
    return str(node)


def _term(graph: rdflib.Graph, node: Node | None) -> str | None:
    if node is None:
        return None
    if isinstance(node, URIRef | Literal):
        return node.n3()
    return _text(graph, node)  # a blank node: its description, its label means nothing


def _message(results: rdflib.Graph, result: Node) -> str:
    messages = [o for o in results.objects(result, SH.resultMessage)
                if isinstance(o, Literal)]
    english = [m for m in messages if m.language in (None, "en")]
    chosen = english or messages
    return str(sorted(chosen)[0]) if chosen else "The data does not satisfy a shape."


def _violations(results: rdflib.Graph, data: rdflib.Graph) -> tuple[Violation, ...]:
    found: list[Violation] = []
    for result in results.subjects(RDF.type, SH.ValidationResult):
        focus = results.value(result, SH.focusNode)
        severity = results.value(result, SH.resultSeverity)
        component = results.value(result, SH.sourceConstraintComponent)
        shape = results.value(result, SH.sourceShape)
        constraint = str(component) if component is not None else ""
        if constraint.startswith(str(SH)):
            constraint = "sh:" + constraint[len(str(SH)):]
        value = results.value(result, SH.value)
        found.append(Violation(
            focus=str(focus),
            focus_label=_label(data, focus) if focus is not None else None,
            path=_text(results, results.value(result, SH.resultPath)),
            value=_text(results, value),
            value_term=_term(results, value),
            message=_message(results, result),
            shape=_text(results, shape) or "",
            severity=_SEVERITIES.get(severity, str(severity)),  # type: ignore[call-overload]
            constraint=constraint,
        ))
    found.sort(key=lambda v: (v.focus, v.path or "", v.shape, v.message, v.value or "",
                              v.value_term or ""))
    return tuple(found)


def validate(data: rdflib.Graph | rdflib.Dataset, shapes: rdflib.Graph, *,
             ontology: rdflib.Graph | None = None,
             focus_nodes: Iterable[Node] | None = None) -> Report:
    """Validate the union of the data's graphs against the given trusted shapes."""
    if not isinstance(shapes, rdflib.Graph) or not isinstance(data, rdflib.Graph):
        raise TypeError("validate() takes rdflib graphs, never strings or paths")
    union = _union(data, ontology)
    focus = [n for n in focus_nodes] if focus_nodes is not None else None
    conforms, results, _text_report = pyshacl.validate(
        union,
        shacl_graph=shapes,
        inference="none",
        abort_on_first=False,
        allow_warnings=True,
        allow_infos=True,
        focus_nodes=focus,  # type: ignore[arg-type]
    )
    assert isinstance(results, rdflib.Graph)
    violations = _violations(results, union)
    # Warnings and infos are reported but do not make the data non-conforming.
    return Report(conforms=bool(conforms), violations=violations, graph=results)
