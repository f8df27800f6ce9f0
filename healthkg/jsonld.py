"""JSON-LD a person can read: an inline context with short keys, one node object per subject.

pyoxigraph writes expanded JSON-LD (every key a full IRI). This writer compacts by hand,
which for flat graphs is simple and needs no remote context: each property gets a short
key (its local name when that is unambiguous, else a prefixed name), the prefixes are
declared in the context, ``id`` and ``type`` alias ``@id`` and ``@type``. Values keep full
IRIs: they are the persistent IRIs clients compare.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

import pyoxigraph

from healthkg.namespaces import RDF_TYPE, XSD, curie

_KEYWORDS = {"id", "type", "graph", "context", "value", "language"}


def _key_names(predicates: Iterable[str], prefixes: Mapping[str, str]) -> dict[str, str]:
    by_local: dict[str, set[str]] = defaultdict(set)
    for predicate in predicates:
        short = curie(predicate)
        local = short.split(":", 1)[1] if ":" in short and short != predicate else None
        if local is not None:
            by_local[local].add(predicate)
    names: dict[str, str] = {}
    for predicate in predicates:
        short = curie(predicate)
        local = short.split(":", 1)[1] if ":" in short and short != predicate else None
        if local and len(by_local[local]) == 1 and local not in _KEYWORDS and \
                local not in prefixes:
            names[predicate] = local
        else:
            names[predicate] = short
    return names


def _term(term: pyoxigraph.NamedNode | pyoxigraph.BlankNode) -> str:
    return term.value if isinstance(term, pyoxigraph.NamedNode) else "_:" + term.value


def _value(term: Any) -> Any:
    if isinstance(term, pyoxigraph.NamedNode | pyoxigraph.BlankNode):
        return {"id": _term(term)}
    literal: pyoxigraph.Literal = term
    if literal.language:
        return {"value": literal.value, "language": literal.language}
    if literal.datatype.value == XSD + "string":
        return literal.value
    return {"value": literal.value, "type": literal.datatype.value}


def write(triples: Iterable[pyoxigraph.Triple], prefixes: Mapping[str, str]) -> bytes:
    """Serialise triples as compact JSON-LD with an inline context."""
    nodes: dict[str, dict[str, Any]] = {}
    order: list[str] = []
    predicates: list[str] = []
    triples = list(triples)
    for triple in triples:
        if triple.predicate.value not in predicates and triple.predicate.value != RDF_TYPE:
            predicates.append(triple.predicate.value)
    names = _key_names(predicates, prefixes)
    used_prefixes: set[str] = set()
    for triple in triples:
        subject = _term(triple.subject)  # type: ignore[arg-type]
        node = nodes.get(subject)
        if node is None:
            node = nodes[subject] = {"id": subject}
            order.append(subject)
        if triple.predicate.value == RDF_TYPE and isinstance(triple.object,
                                                              pyoxigraph.NamedNode):
            node.setdefault("type", []).append(triple.object.value)
            continue
        key = names[triple.predicate.value]
        if ":" in key:
            used_prefixes.add(key.split(":", 1)[0])
        node.setdefault(key, []).append(_value(triple.object))
    context: dict[str, Any] = {"id": "@id", "type": "@type", "value": "@value",
                               "language": "@language", "graph": "@graph"}
    for prefix, namespace in prefixes.items():
        if prefix in used_prefixes:
            context[prefix] = namespace
    for predicate, name in sorted(names.items(), key=lambda item: item[1]):
        if ":" not in name:
            context[name] = predicate
    graph = []
    for subject in order:
        node = nodes[subject]
        graph.append({k: (v[0] if isinstance(v, list) and len(v) == 1 else v)
                      for k, v in node.items()})
    document = {"@context": context, "graph": graph}
    return (json.dumps(document, ensure_ascii=False, indent=1) + "\n").encode("utf-8")
