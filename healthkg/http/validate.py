"""Changes sent as payloads: ``POST /validate`` (a dry run) and ``POST /changes`` (a commit).

Both take the same payloads: a SPARQL Update (``application/sparql-update``, or a form with
``update=``), an RDF body to add (Turtle, TriG, N-Triples, N-Quads, JSON-LD, RDF/XML; triple
formats go to ``?graph=IRI`` or the default graph), ``multipart/form-data`` with parts
``add`` and ``remove`` (RDF; each part's Content-Type, Turtle when absent) or ``update``, or
JSON ``{"update": ...}`` / ``{"add": ..., "remove": ..., "format": ..., "graph": ...}``.
``/validate`` writes nothing and needs no token: it answers 200 with the diff and the SHACL
report (negotiated as JSON, Turtle or HTML). ``/changes`` needs a token and commits.
"""

from __future__ import annotations

import json
import urllib.parse
from typing import Any

import flask
from werkzeug.http import parse_options_header

from healthkg import safety
from healthkg.changes import RDF_MEDIA_TYPES
from healthkg.errors import BadRequest, UnsupportedMediaType
from healthkg.http import auth, writing
from healthkg.http.context import current
from healthkg.http.graphstore import MULTIPART, multipart_parts
from healthkg.http.sparql import FORM, SPARQL_UPDATE
from healthkg.store.base import WriteRequest

blueprint = flask.Blueprint("validate", __name__)
JSON = "application/json"


def _text(data: bytes) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BadRequest(f"the request body is not UTF-8 (byte {exc.start})") from exc


def payload_request(*, author: str, dry_run: bool) -> WriteRequest:
    """The write a payload describes (see the module's docstring)."""
    request = flask.request
    settings = current().settings
    mimetype, options = parse_options_header(request.headers.get("Content-Type", ""))
    mimetype = mimetype.lower()
    args = request.args
    graph = args.get("graph") or None
    fields: dict[str, Any] = {"author": author, "dry_run": dry_run,
                              # Anyone may send a dry run: it is stopped at the query deadline.
                              "deadline": settings.query_timeout if dry_run else None,
                              "if_match": writing.if_match(), "graph": graph,
                              "base_iri": graph or request.base_url}
    form: dict[str, str] = {}
    update: str | None = None
    using = tuple(args.getlist("using-graph-uri"))
    using_named = tuple(args.getlist("using-named-graph-uri"))
    if mimetype == SPARQL_UPDATE:
        update = _text(writing.body())
    elif mimetype == FORM:
        params = urllib.parse.parse_qsl(_text(writing.body()), keep_blank_values=True)
        form = dict(params)
        if [k for k, _ in params].count("update") != 1:
            raise BadRequest("the form needs exactly one 'update' parameter")
        update = form["update"]
        using += tuple(v for k, v in params if k == "using-graph-uri")
        using_named += tuple(v for k, v in params if k == "using-named-graph-uri")
    elif mimetype in RDF_MEDIA_TYPES:
        fields.update(kind="patch", body=writing.body(), media_type=mimetype)
    elif mimetype == MULTIPART:
        boundary = options.get("boundary")
        if not boundary:
            raise BadRequest("a multipart/form-data body needs a boundary parameter")
        parts = {name: (media, data) for name, media, data in
                 multipart_parts(writing.body(), boundary)}
        form = {name: _text(data) for name, (_, data) in parts.items()
                if name in ("message", "graph", "update")}
        if "update" in parts:
            update = form["update"]
        elif "add" in parts or "remove" in parts:
            add_type, add = parts.get("add", ("text/turtle", b""))
            remove_type, remove = parts.get("remove", (add_type, b""))
            fields.update(kind="patch", body=add, media_type=add_type, remove_body=remove,
                          remove_media_type=remove_type)
        else:
            raise BadRequest("the multipart body needs a part 'add', 'remove' or 'update'")
        if form.get("graph"):
            fields.update(graph=form["graph"], base_iri=form["graph"])
    elif mimetype == JSON:
        try:
            data = json.loads(_text(writing.body()))
        except ValueError as exc:
            raise BadRequest(f"the JSON body does not parse: {exc}") from exc
        if not isinstance(data, dict):
            raise BadRequest("the JSON body must be an object")
        form = {k: v for k, v in data.items() if isinstance(v, str)}
        if "update" in form:
            update = form["update"]
        elif "add" in form or "remove" in form:
            fmt = form.get("format", "text/turtle")
            fields.update(kind="patch", body=form.get("add", "").encode("utf-8"),
                          media_type=fmt, remove_body=form.get("remove", "").encode("utf-8"),
                          remove_media_type=fmt)
        else:
            raise BadRequest('the JSON body needs "update", or "add" and/or "remove"')
        if form.get("graph"):
            fields.update(graph=form["graph"], base_iri=form["graph"])
    else:
        raise UnsupportedMediaType(
            f"cannot read {mimetype or 'a body without Content-Type'}; send a SPARQL "
            "Update, an RDF document, multipart/form-data (add, remove) or JSON")
    if update is not None:
        safety.check_update(update, settings)
        fields.update(kind="update", text=update, using_graphs=using,
                      using_named_graphs=using_named, base_iri=request.base_url)
    fields["message"] = writing.message(form)
    return WriteRequest(**fields)


@blueprint.route("/validate", methods=["POST"])
def validate() -> flask.Response:
    """A dry run: the diff and the report of a change; nothing is written."""
    outcome = writing.write(payload_request(author="", dry_run=True))
    return writing.dry_run_response(outcome)


@blueprint.route("/changes", methods=["POST"])
def commit() -> flask.Response:
    """Commit a change sent as a payload (token required)."""
    author = auth.require_steward()
    outcome = writing.write(payload_request(author=author, dry_run=False))
    return writing.outcome_response(outcome)
