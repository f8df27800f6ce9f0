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
from healthkg.http import auth, writing
from healthkg.http.context import current
from healthkg.http.sparql import FORM, SPARQL_UPDATE
from healthkg.store.base import WriteRequest

blueprint = flask.Blueprint("update", __name__)


def _utf8(charset: str | None) -> None:
    if charset and charset.strip().lower().replace("_", "-") not in ("utf-8", "utf8"):
        raise UnsupportedMediaType(f"charset={charset} is not supported; send UTF-8")


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BadRequest(f"the request body is not UTF-8 (byte {exc.start})") from exc


def _single(params: list[tuple[str, str]], name: str) -> str | None:
    values = [v for k, v in params if k == name]
    if len(values) > 1:
        raise BadRequest(f"the {name!r} parameter is given {len(values)} times; give it once")
    return values[0] if values else None


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
        _utf8(options.get("charset"))
        params = urllib.parse.parse_qsl(_decode(writing.body()), keep_blank_values=True)
        params += url_params
        text = _single(params, "update")
        if text is None:
            raise BadRequest("the form has no 'update' parameter")
    elif mimetype == SPARQL_UPDATE:
        _utf8(options.get("charset"))
        params = url_params
        if _single(params, "update") is not None:
            raise BadRequest("the update is in the body; do not give 'update' in the URL too")
        text = _decode(writing.body())
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
