"""The SPARQL 1.1 Protocol query endpoint at /sparql.

GET with ``query=``, POST form-encoded, POST ``application/sparql-query``;
``default-graph-uri`` / ``named-graph-uri``; GET without a query gives the service
description. Updates sent here are refused (they go to /update).
"""

from __future__ import annotations

import urllib.parse

import flask
from werkzeug.http import parse_options_header

from healthkg import negotiation, safety, servicedescription
from healthkg.errors import BadRequest, UnsupportedMediaType
from healthkg.http import protocol, resultpage
from healthkg.http.context import current
from healthkg.store.base import QueryRequest

blueprint = flask.Blueprint("sparql", __name__)

FORM = "application/x-www-form-urlencoded"
SPARQL_QUERY = "application/sparql-query"
SPARQL_UPDATE = "application/sparql-update"


def _refuse_update(params: list[tuple[str, str]]) -> None:
    if any(k == "update" for k, _ in params):
        raise BadRequest("this is the query endpoint; send SPARQL Update requests with POST "
                         "to /update")


@blueprint.route("/sparql", methods=["GET", "POST"])
@blueprint.route("/sparql/", methods=["GET", "POST"])
def sparql() -> flask.Response:
    """Answer a query, or describe the service when there is no query."""
    context = current()
    settings = context.settings
    request = flask.request
    url_params = urllib.parse.parse_qsl(request.query_string.decode("utf-8", "replace"),
                                        keep_blank_values=True)
    in_url = request.method == "GET"
    if request.method == "GET":
        params = url_params
        _refuse_update(params)
        text = protocol.single_parameter(params, "query")
        if text is None:
            return _service_description(params)
    else:
        mimetype, options = parse_options_header(request.headers.get("Content-Type", ""))
        mimetype = mimetype.lower()
        if mimetype == FORM:
            protocol.require_utf8(options.get("charset"))
            body = protocol.decode_utf8(protocol.read_body(request.environ, settings.max_body))
            params = urllib.parse.parse_qsl(body, keep_blank_values=True) + url_params
            _refuse_update(params)
            text = protocol.single_parameter(params, "query")
            if text is None:
                raise BadRequest("the form has no 'query' parameter")
        elif mimetype == SPARQL_QUERY:
            protocol.require_utf8(options.get("charset"))
            params = url_params
            _refuse_update(params)
            if protocol.single_parameter(params, "query") is not None:
                raise BadRequest("a query is in the body; do not give 'query' in the URL too")
            text = protocol.decode_utf8(protocol.read_body(request.environ, settings.max_body))
        elif mimetype == SPARQL_UPDATE:
            raise BadRequest("this is the query endpoint; send SPARQL Update requests to "
                             "/update")
        else:
            raise UnsupportedMediaType(
                f"a query is sent as {FORM} or {SPARQL_QUERY}, not "
                f"{mimetype or 'a body without Content-Type'}",
                details={"accepted": [FORM, SPARQL_QUERY]})
    if resultpage.wanted(protocol.single_parameter(params, "format")):
        # A person's browser (the editor's plain form): the answer as an HTML page.
        def prepare() -> QueryRequest:
            safety.check_query(text, settings, in_url=in_url)
            return QueryRequest(
                text=text, default_graphs=tuple(v for k, v in params
                                                if k == "default-graph-uri"),
                named_graphs=tuple(v for k, v in params if k == "named-graph-uri"),
                base_iri=request.base_url.rstrip("/"))

        return resultpage.answer(context, text, prepare, params=params)
    safety.check_query(text, settings, in_url=in_url)
    query = QueryRequest(
        text=text,
        accept=request.headers.get("Accept", ""),
        format=protocol.single_parameter(params, "format"),
        default_graphs=tuple(v for k, v in params if k == "default-graph-uri"),
        named_graphs=tuple(v for k, v in params if k == "named-graph-uri"),
        base_iri=request.base_url.rstrip("/"),
    )
    return protocol.answer(context, query)


def _service_description(params: list[tuple[str, str]]) -> flask.Response:
    context = current()
    media_type = negotiation.negotiate(flask.request.headers.get("Accept"),
                                       servicedescription.OFFERED,
                                       format=protocol.single_parameter(params, "format"))
    endpoint = flask.request.base_url.rstrip("/")
    body = servicedescription.describe(endpoint, context.settings, media_type)
    response = flask.Response(body, content_type=protocol.content_type(media_type))
    response.headers["Vary"] = "Accept"
    return response
