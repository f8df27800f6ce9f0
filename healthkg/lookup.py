"""Read queries the linked-data pages run through the Store interface.

Every query text here is a constant; the resource a page is about reaches the engine as a
substitution (an N-Triples term), never pasted into the text. Answers are requested as
SPARQL JSON results and parsed back into pyoxigraph terms.
"""

from __future__ import annotations

from collections.abc import Mapping

import pyoxigraph

from healthkg import negotiation
from healthkg.store.base import QueryRequest, Store

Term = pyoxigraph.NamedNode | pyoxigraph.BlankNode | pyoxigraph.Literal
Row = dict[str, Term]


def nt(term: Term) -> str:
    """A term in N-Triples syntax (what substitutions carry)."""
    return str(term)


def request(text: str, bindings: Mapping[str, Term] | None = None) -> QueryRequest:
    """The QueryRequest of a constant query with its bindings, answered as SPARQL JSON."""
    substitutions = tuple(sorted((name, nt(term)) for name, term in (bindings or {}).items()))
    return QueryRequest(text=text, accept=negotiation.SPARQL_JSON,
                        substitutions=substitutions)


def select(store: Store, text: str, bindings: Mapping[str, Term] | None = None, *,
           timeout: float) -> list[Row]:
    """Run a SELECT query and return its rows as dictionaries of terms."""
    outcome = store.query(request(text, bindings), timeout=timeout)
    solutions = pyoxigraph.parse_query_results(outcome.body,
                                               format=pyoxigraph.QueryResultsFormat.JSON)
    if not isinstance(solutions, pyoxigraph.QuerySolutions):
        raise TypeError("expected SELECT results")
    names = [v.value for v in solutions.variables]
    rows: list[Row] = []
    for solution in solutions:
        row: Row = {}
        for name in names:
            value = solution[name]
            if isinstance(value, pyoxigraph.NamedNode | pyoxigraph.BlankNode
                          | pyoxigraph.Literal):
                row[name] = value
        rows.append(row)
    return rows


def integer(row: Row, name: str) -> int:
    """An integer column of a row (0 when unbound)."""
    value = row.get(name)
    return int(value.value) if isinstance(value, pyoxigraph.Literal) else 0
