"""Query answers as an HTML page (``format=html``), for browsers without the editor's script.

The query runs exactly as for the other formats (same checks, cache, deadline and row cap);
its SPARQL JSON (SELECT, ASK) or Turtle (CONSTRUCT, DESCRIBE) answer is then rendered as a
table whose IRIs under the dataset's base link to the server's pages. Errors are shown on
the page, beside the query, with their HTTP status.
"""

from __future__ import annotations

import dataclasses
import json
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass

import flask

from healthkg import negotiation
from healthkg.errors import HealthkgError, NotAcceptable
from healthkg.http import protocol
from healthkg.http.context import Context
from healthkg.http.state import current as ld
from healthkg.namespaces import curie
from healthkg.store.base import QueryOutcome, QueryRequest

#: What the page asks the store for: SPARQL JSON for SELECT/ASK, Turtle for graphs.
_ACCEPT = f"{negotiation.SPARQL_JSON}, {negotiation.TURTLE};q=0.9"
_XSD = "http://www.w3.org/2001/XMLSchema#"


@dataclass(frozen=True)
class Cell:
    """One value of a result table as shown."""

    text: str
    href: str | None = None
    external: bool = False
    language: str | None = None
    datatype: str | None = None


def wanted(fmt: str | None) -> bool:
    """Whether a ``format=`` parameter asks for HTML (through the negotiation function)."""
    if not fmt:
        return False
    try:
        return negotiation.negotiate(None, (negotiation.HTML,), format=fmt) == negotiation.HTML
    except NotAcceptable:
        return False


def _cell(term: dict[str, object]) -> Cell:
    kind = term.get("type")
    value = str(term.get("value", ""))
    if kind == "uri":
        addresses = ld().addresses
        if addresses.is_local(value):
            return Cell(text=value, href=addresses.page(value))
        return Cell(text=curie(value), href=value, external=True)
    if kind == "bnode":
        return Cell(text="_:" + value)
    datatype = term.get("datatype")
    shown = curie(str(datatype)) if datatype and not str(datatype).startswith(
        _XSD + "string") else None
    language = term.get("xml:lang")
    return Cell(text=value, language=str(language) if language else None, datatype=shown)


def _evaluate(context: Context, query: QueryRequest) -> QueryOutcome:
    version = context.store.version()
    key = (version, query.cache_key())
    outcome = context.cache.get(key)
    if outcome is None:
        outcome = context.store.query(query, timeout=context.settings.query_timeout)
        context.cache.put((outcome.version, query.cache_key()), outcome)
    return outcome


def downloads(url: str, params: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Links that download the same answer in the tabular formats (``format=`` replaced)."""
    kept = [(k, v) for k, v in params if k != "format"]
    return [(name, url + "?" + urllib.parse.urlencode([*kept, ("format", name)]))
            for name in ("csv", "json", "tsv")]


def answer(context: Context, text: str, prepare: Callable[[], QueryRequest], *,
           params: list[tuple[str, str]], title: str = "Query results",
           editable: bool = True, description: str | None = None) -> flask.Response:
    """Check and run a query (``prepare`` checks it); answer its results or error as HTML."""
    values: dict[str, object] = {"query": text, "title": title, "editable": editable,
                                 "description": description, "error": None,
                                 "variables": [], "rows": [], "boolean": None, "graph": None,
                                 "truncated": False, "max_rows": context.settings.max_rows}
    status = 200
    try:
        request = dataclasses.replace(prepare(), accept=_ACCEPT, format=None)
        outcome = _evaluate(context, request)
    except HealthkgError as error:
        status = error.status
        values["error"] = error
    else:
        values["truncated"] = outcome.truncated
        if outcome.media_type == negotiation.SPARQL_JSON:
            data = json.loads(outcome.body)
            if "boolean" in data:
                values["boolean"] = bool(data["boolean"])
            else:
                variables = data["head"]["vars"]
                values["variables"] = variables
                values["rows"] = [[_cell(b[v]) if v in b else None for v in variables]
                                  for b in data["results"]["bindings"]]
        else:
            values["graph"] = outcome.body.decode("utf-8")
    values["downloads"] = downloads(flask.request.base_url, params) \
        if status == 200 and values["graph"] is None else []
    body = flask.render_template("results.html", **values)
    response = flask.Response(body, status=status,
                              content_type=protocol.content_type(negotiation.HTML))
    response.headers["Vary"] = "Accept"
    response.headers["Cache-Control"] = "no-cache"
    return response
