"""Named queries: GET /queries lists queries/*.rq; GET /queries/NAME runs one.

Parameters come from the URL, are typed and checked by ``healthkg.namedqueries.bind`` and
reach the engine as substitutions: they are never pasted into the query text.
"""

from __future__ import annotations

import html
import json
import urllib.parse

import flask

from healthkg import namedqueries, negotiation, safety
from healthkg.errors import BadRequest, InputUnreadable, NotFound, ServiceUnavailable
from healthkg.http import protocol, resultpage
from healthkg.http.context import Context, current
from healthkg.namedqueries import NamedQuery
from healthkg.store.base import QueryRequest

blueprint = flask.Blueprint("queries", __name__)

#: Parameters of the protocol itself, never passed to a named query.
RESERVED = frozenset({"format"})


def named(context: Context) -> dict[str, NamedQuery]:
    """The named queries, read once per worker; a broken file is the server's fault (503)."""
    if context.named_queries is None:
        try:
            context.named_queries = namedqueries.load_all(context.settings.queries_dir)
        except InputUnreadable as exc:
            raise ServiceUnavailable(
                f"the named queries cannot be read: {exc.message}; the service's "
                "administrator must fix the file") from exc
    return context.named_queries


def _describe(query: NamedQuery, base: str) -> dict[str, object]:
    return {
        "name": query.name,
        "title": query.title,
        "description": query.description,
        "url": base + urllib.parse.quote(query.name),
        "query": query.text,
        "parameters": [{"name": p.name, "type": p.type, "description": p.description,
                        "default": p.default, "required": p.required}
                       for p in query.parameters],
    }


@blueprint.route("/queries", methods=["GET"])
@blueprint.route("/queries/", methods=["GET"])
def list_queries() -> flask.Response:
    """List the named queries with their titles, descriptions and parameters."""
    request = flask.request
    media_type = negotiation.negotiate(request.headers.get("Accept"),
                                       (negotiation.JSON, negotiation.HTML),
                                       format=request.args.get("format"))
    base = request.url_root + "queries/"
    items = [_describe(q, base) for _, q in sorted(named(current()).items())]
    if media_type == negotiation.JSON:
        body = json.dumps({"queries": items}, ensure_ascii=False, indent=1) + "\n"
    else:
        body = _html(items)
    response = flask.Response(body, content_type=protocol.content_type(media_type))
    response.headers["Vary"] = "Accept"
    return response


def _html(items: list[dict[str, object]]) -> str:
    rows = []
    for item in items:
        params = ", ".join(html.escape(str(p["name"])) + " (" + html.escape(str(p["type"]))
                           + ")" for p in item["parameters"])  # type: ignore[attr-defined]
        rows.append(f'<li><a href="{html.escape(str(item["url"]))}">'
                    f'{html.escape(str(item["title"]))}</a> <code>'
                    f'{html.escape(str(item["name"]))}</code><p>'
                    f'{html.escape(str(item["description"]))}</p>'
                    + (f"<p>Parameters: {params}</p>" if params else "") + "</li>")
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            "<title>Named queries</title></head><body><main><h1>Named queries</h1><ul>"
            + "".join(rows) + "</ul></main></body></html>\n")


@blueprint.route("/queries/<name>", methods=["GET"])
def run_query(name: str) -> flask.Response:
    """Run a named query with the parameters of the URL."""
    context = current()
    request = flask.request
    query = named(context).get(name)
    if query is None:
        raise NotFound(f"there is no named query {name!r}; see /queries for the list")
    values: dict[str, str] = {}
    for key, value in urllib.parse.parse_qsl(request.query_string.decode("utf-8", "replace"),
                                             keep_blank_values=True):
        if key in RESERVED:
            continue
        if key in values:
            raise BadRequest(f"the parameter {key!r} is given more than once")
        values[key] = value
    formats = request.args.getlist("format")
    if len(formats) > 1:
        raise BadRequest("the 'format' parameter is given more than once")
    if formats and resultpage.wanted(formats[0]):
        # A person's browser: the answer as an HTML page (errors shown on the page).
        def prepare() -> QueryRequest:
            safety.check_query(query.text, context.settings)
            return QueryRequest(text=query.text, substitutions=namedqueries.bind(query, values),
                                base_iri=request.url_root + "sparql")

        return resultpage.answer(context, query.text, prepare, params=[*values.items()],
                                 title=query.title, editable=False,
                                 description=query.description)
    substitutions = namedqueries.bind(query, values)
    safety.check_query(query.text, context.settings)
    request_ = QueryRequest(text=query.text, accept=request.headers.get("Accept", ""),
                            format=formats[0] if formats else None,
                            substitutions=substitutions,
                            base_iri=request.url_root + "sparql")
    return protocol.answer(context, request_)
