"""The history of accepted changes: ``GET /changes``, ``GET /changes/ID``, revert.

The list is paged (``?page=N``, 50 a page, newest first) as JSON or HTML; as RDF it is the
PROV-O history graph (``id/graph/changes``, which SPARQL queries see too). One change is
its diff (quads added and removed), who, when, the message and the shapes version.
``POST /changes/ID/revert`` (token required) makes the inverse change, through the gate.
"""

from __future__ import annotations

import json
from typing import Any

import flask

from healthkg import negotiation
from healthkg.errors import BadRequest, NotFound
from healthkg.gate import CHANGES_GRAPH
from healthkg.http import auth, conditional, writing
from healthkg.http.context import current
from healthkg.journal import ChangeRecord
from healthkg.store.base import WriteRequest

blueprint = flask.Blueprint("history", __name__)

PAGE_SIZE = 50
LIST_TYPES = (negotiation.JSON, negotiation.HTML, negotiation.TURTLE, negotiation.JSON_LD,
              negotiation.N_TRIPLES, negotiation.RDF_XML)
ONE_TYPES = (negotiation.JSON, negotiation.HTML)


def summary(record: ChangeRecord) -> dict[str, Any]:
    """A change without its quads."""
    return {"change": record.change_id, "seq": record.seq, "time": record.time,
            "author": record.author, "message": record.message,
            "shapes_version": record.shapes_version, "reverts": record.reverts,
            "added": record.added.count("\n"), "removed": record.removed.count("\n"),
            "url": flask.url_for("history.one", change_id=record.change_id)}


def _page() -> int:
    raw = flask.request.args.get("page", "1")
    try:
        page = int(raw)
    except ValueError as exc:
        raise BadRequest(f"page={raw!r} is not a number") from exc
    if page < 1:
        raise BadRequest("pages are numbered from 1")
    return page


@blueprint.route("/changes", methods=["GET"])
def listing() -> flask.Response:
    """One page of the history, newest first."""
    context = current()
    media_type = negotiation.negotiate(flask.request.headers.get("Accept"), LIST_TYPES,
                                       format=flask.request.args.get("format"))
    version = context.store.version()
    if media_type not in ONE_TYPES:
        data = context.store.read_graph(CHANGES_GRAPH, media_type) or b""
        return conditional.respond(data, media_type, version=version,
                                   variant=("changes", media_type))
    page = _page()
    total, records = context.store.changes((page - 1) * PAGE_SIZE, PAGE_SIZE)
    body: dict[str, Any] = {"total": total, "page": page, "page_size": PAGE_SIZE,
                            "changes": [summary(r) for r in records]}
    if page * PAGE_SIZE < total:
        body["next"] = flask.url_for("history.listing", page=page + 1)
    if page > 1:
        body["previous"] = flask.url_for("history.listing", page=page - 1)
    if media_type == negotiation.HTML:
        text = flask.render_template("changes.html", **body)
    else:
        text = json.dumps(body, ensure_ascii=False, indent=1) + "\n"
    return conditional.respond(text.encode("utf-8"), media_type, version=version,
                               variant=("changes", page, media_type))


@blueprint.route("/changes/<change_id>", methods=["GET"])
def one(change_id: str) -> flask.Response:
    """One change with its diff."""
    context = current()
    media_type = negotiation.negotiate(flask.request.headers.get("Accept"), ONE_TYPES,
                                       format=flask.request.args.get("format"))
    record = context.store.change(change_id)
    if record is None:
        raise NotFound(f"there is no change {change_id!r}")
    body = summary(record)
    body["added_quads"] = record.added.splitlines()
    body["removed_quads"] = record.removed.splitlines()
    body["revert"] = flask.url_for("history.revert", change_id=change_id)
    if media_type == negotiation.HTML:
        text = flask.render_template("change.html", change=body)
    else:
        text = json.dumps(body, ensure_ascii=False, indent=1) + "\n"
    return conditional.respond(text.encode("utf-8"), media_type,
                               version=context.store.version(),
                               variant=("change", change_id, media_type))


@blueprint.route("/changes/<change_id>/revert", methods=["POST"])
def revert(change_id: str) -> flask.Response:
    """Undo a change: the inverse change, through the gate (token required)."""
    author = auth.require_steward()
    message = writing.message(dict(flask.request.form)) or f"revert {change_id}"
    outcome = writing.write(WriteRequest(kind="revert", reverts=change_id, author=author,
                                         message=message, if_match=writing.if_match()))
    return writing.outcome_response(outcome)
