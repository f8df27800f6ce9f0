"""Run one read query on a pyoxigraph store and serialise its answer.

This is the single place where a query meets the engine: the engine process and the
in-process store both call ``execute``. It chooses the dataset (the union of the named
graphs by default; the protocol's ``default-graph-uri`` / ``named-graph-uri`` take
precedence over FROM / FROM NAMED), binds named-query parameters through pyoxigraph
substitutions (never by editing the text), negotiates the media type from the result's
form and writes at most ``max_rows`` rows.
"""

from __future__ import annotations

import itertools
import re
from typing import Any

import pyoxigraph

from healthkg import negotiation, results, safety
from healthkg.errors import BadRequest, HealthkgError, NotAcceptable, QuerySyntaxError
from healthkg.namespaces import PREFIXES
from healthkg.store.base import QueryOutcome, QueryRequest

#: Nesting no query may exceed whatever the settings say: pyoxigraph's parser crashes the
#: whole process at about 5,000 nested parentheses. The HTTP layer applies the (lower)
#: configured limit first; this guards every other caller.
HARD_NESTING_LIMIT = 1000

GRAPH_FORMATS = negotiation.RDF_FORMATS

#: Prefixes used when writing Turtle and TriG, besides those the query declares.
DEFAULT_PREFIXES = PREFIXES

_PREFIX_DECL = re.compile(r"PREFIX\s+([A-Za-z][\w.\-]*)?:\s*<([^<>\"{}|^`\\\s]*)>",
                          re.IGNORECASE)
_POSITION = re.compile(r"error at (\d+):(\d+)")


def parse_term(text: str) -> pyoxigraph.NamedNode | pyoxigraph.Literal:
    """Parse one IRI or literal written in N-Triples syntax (a substitution value)."""
    try:
        quads = list(pyoxigraph.parse(f"<urn:x:s> <urn:x:p> {text} .".encode(),
                                      format=pyoxigraph.RdfFormat.N_TRIPLES))
    except (SyntaxError, ValueError) as exc:
        raise BadRequest(f"not an N-Triples term: {text!r}") from exc
    term = quads[0].object if len(quads) == 1 else None
    if not isinstance(term, pyoxigraph.NamedNode | pyoxigraph.Literal):
        raise BadRequest(f"not an IRI or a literal: {text!r}")
    return term


def _named_node(iri: str, what: str) -> pyoxigraph.NamedNode:
    try:
        return pyoxigraph.NamedNode(iri)
    except ValueError as exc:
        raise BadRequest(f"{what} is not a valid IRI: {iri!r} ({exc})") from exc


def syntax_error(exc: SyntaxError) -> QuerySyntaxError:
    """Turn pyoxigraph's SyntaxError into a QuerySyntaxError with its line and column."""
    message = str(exc).strip() or "the query does not parse"
    details: dict[str, Any] = {}
    position = _POSITION.search(message)
    if position:
        details = {"line": int(position.group(1)), "column": int(position.group(2))}
    return QuerySyntaxError(message, details=details)


def _dataset_options(request: QueryRequest, has_dataset: bool) -> dict[str, Any]:
    if request.default_graphs or request.named_graphs:
        # The protocol's dataset replaces FROM / FROM NAMED entirely (SPARQL 1.1 Protocol
        # 2.1.4): the default graph is the merge of default-graph-uri (empty if none).
        return {
            "default_graph": [_named_node(g, "default-graph-uri")
                              for g in request.default_graphs],
            "named_graphs": [_named_node(g, "named-graph-uri")
                             for g in request.named_graphs],
        }
    if has_dataset:
        # pyoxigraph ignores FROM when the union flag is set, so leave it to the query.
        return {}
    return {"use_default_graph_as_union": True}


def _prefixes(text: str) -> dict[str, str]:
    prefixes = dict(DEFAULT_PREFIXES)
    for name, iri in _PREFIX_DECL.findall(text):
        if name and iri:
            prefixes[name] = iri
    return prefixes


def execute(store: pyoxigraph.Store, request: QueryRequest, *, max_rows: int, version: str,
            allow_service: bool = False) -> QueryOutcome:
    """Run a read query on ``store``; return its negotiated, serialised, capped answer."""
    analysis = safety.analyse(request.text)
    if analysis.is_update:
        raise BadRequest(f"{analysis.operation} is a SPARQL Update operation; the query "
                         "endpoint only answers queries (send updates to /update)")
    if analysis.depth > HARD_NESTING_LIMIT:
        raise BadRequest(f"the query nests brackets {analysis.depth} deep; the limit is "
                         f"{HARD_NESTING_LIMIT}")
    if not allow_service and (analysis.service or analysis.load):
        raise BadRequest("SERVICE and LOAD are not allowed: this service makes no outbound "
                         "requests")
    options = _dataset_options(request, analysis.has_dataset)
    if request.substitutions:
        options["substitutions"] = {pyoxigraph.Variable(name): parse_term(value)
                                    for name, value in request.substitutions}
    try:
        answer = store.query(request.text, base_iri=request.base_iri, **options)
        return _serialise(answer, request, max_rows=max_rows, version=version)
    except SyntaxError as exc:
        raise syntax_error(exc) from exc
    except HealthkgError:
        raise
    except (ValueError, TypeError, RuntimeError) as exc:
        raise BadRequest(f"the query cannot be evaluated: {exc}") from exc
    except OSError as exc:
        # Evaluation errors of pyoxigraph surface as OSError (e.g. a refused SERVICE).
        raise BadRequest(f"the query failed during evaluation: {exc}") from exc


def serialise_answer(answer: Any, request: QueryRequest, *, max_rows: int,
                     version: str) -> QueryOutcome:
    """Write a query's answer (solutions, boolean or triples) as negotiated, capped."""
    return _serialise(answer, request, max_rows=max_rows, version=version)


def _serialise(answer: Any, request: QueryRequest, *, max_rows: int,
               version: str) -> QueryOutcome:
    if isinstance(answer, pyoxigraph.QueryBoolean):
        media_type = negotiation.negotiate(request.accept, negotiation.BOOLEAN,
                                           format=request.format)
        return QueryOutcome(media_type, results.write_ask(media_type, bool(answer)), "ask",
                            1, False, version)
    if isinstance(answer, pyoxigraph.QuerySolutions):
        media_type = negotiation.negotiate(request.accept, negotiation.TABULAR,
                                           format=request.format)
        variables = [v.value for v in answer.variables]
        body, rows, truncated = results.write_select(media_type, variables, answer, max_rows)
        return QueryOutcome(media_type, body, "select", rows, truncated, version)
    media_type = negotiation.negotiate(request.accept, negotiation.GRAPH,
                                       format=request.format)
    triples = list(itertools.islice(answer, max_rows + 1))
    truncated = len(triples) > max_rows
    del triples[max_rows:]
    rdf_format = GRAPH_FORMATS[media_type]
    prefixes = _prefixes(request.text) if rdf_format in (
        pyoxigraph.RdfFormat.TURTLE, pyoxigraph.RdfFormat.TRIG) else None
    try:
        body = pyoxigraph.serialize(triples, format=rdf_format, prefixes=prefixes) or b""
    except (OSError, ValueError, TypeError) as exc:
        # e.g. triple terms (RDF 1.2), which JSON-LD cannot carry yet.
        others = [t for t in negotiation.GRAPH if t != media_type]
        raise NotAcceptable(f"this result cannot be written as {media_type} ({exc}); ask "
                            "for one of: " + ", ".join(others),
                            details={"offered": others}) from exc
    return QueryOutcome(media_type, body, "graph", len(triples), truncated, version)
