"""The SPARQL 1.1 Update endpoint at /update (POST only; a token is required).

The update is sent form-encoded (``update=``, with ``using-graph-uri`` /
``using-named-graph-uri`` and an optional ``message``) or as ``application/sparql-update``
(the dataset parameters in the URL). It goes through the writer's gate: 200 with the change
id, the counts and the new version; 422 with the report when it would violate a shape.
"""

from __future__ import annotations

import urllib.parse

import flask
from werkzeug.http import parse_options_header

from healthkg import safety
from healthkg.errors import BadRequest, UnsupportedMediaType
from healthkg.http import auth, protocol, writing
from healthkg.http.context import current
from healthkg.http.sparql import FORM, SPARQL_UPDATE
from healthkg.store.base import WriteRequest

blueprint = flask.Blueprint("update", __name__)


@blueprint.route("/update", methods=["POST"])
@blueprint.route("/update/", methods=["POST"])
def update() -> flask.Response:
    """Apply a SPARQL 1.1 Update through the gate."""
    author = auth.require_steward()
    request = flask.request
    settings = current().settings
    url_params = urllib.parse.parse_qsl(request.query_string.decode("utf-8", "replace"),
                                        keep_blank_values=True)
    mimetype, options = parse_options_header(request.headers.get("Content-Type", ""))
    mimetype = mimetype.lower()
    if mimetype == FORM:
        protocol.require_utf8(options.get("charset"))
        params = urllib.parse.parse_qsl(protocol.decode_utf8(writing.body()),
                                        keep_blank_values=True)
        params += url_params
        text = protocol.single_parameter(params, "update")
        if text is None:
            raise BadRequest("the form has no 'update' parameter")
    elif mimetype == SPARQL_UPDATE:
        protocol.require_utf8(options.get("charset"))
        params = url_params
        if protocol.single_parameter(params, "update") is not None:
            raise BadRequest("the update is in the body; do not give 'update' in the URL too")
        text = protocol.decode_utf8(writing.body())
    else:
        raise UnsupportedMediaType(
            f"an update is sent as {FORM} or {SPARQL_UPDATE}, not "
            f"{mimetype or 'a body without Content-Type'}",
            details={"accepted": [FORM, SPARQL_UPDATE]})
    safety.check_update(text, settings)
    form = dict(params)
    outcome = writing.write(WriteRequest(
        kind="update", text=text,
        using_graphs=tuple(v for k, v in params if k == "using-graph-uri"),
        using_named_graphs=tuple(v for k, v in params if k == "using-named-graph-uri"),
        base_iri=request.base_url.rstrip("/"), author=author,
        message=writing.message(form), if_match=writing.if_match()))
    return writing.outcome_response(outcome)
