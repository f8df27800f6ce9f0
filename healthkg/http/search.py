"""GET /search?q=: labels and alternative labels, ranked; HTML or JSON by negotiation."""

from __future__ import annotations

import json

import flask

from healthkg import negotiation
from healthkg.errors import BadRequest
from healthkg.http import conditional
from healthkg.http.context import current
from healthkg.http.state import current as ld
from healthkg.namespaces import local_name
from healthkg.search import LabelIndex

blueprint = flask.Blueprint("search", __name__, template_folder="templates")

OFFERED = (negotiation.JSON, negotiation.HTML)
MAX_QUERY = 200


def index() -> LabelIndex:
    """The label index of the current dataset version."""
    context = current()
    version = context.store.version()
    built: LabelIndex = ld().memo.get(version, "label-index", lambda: LabelIndex.build(
        context.store, timeout=context.settings.query_timeout))
    return built


@blueprint.route("/search", methods=["GET"])
def search() -> flask.Response:
    """Search labels; an empty query shows the form."""
    request = flask.request
    text = request.args.get("q", "")
    if len(text) > MAX_QUERY:
        raise BadRequest(f"the search text is {len(text)} characters; the limit is "
                         f"{MAX_QUERY}")
    try:
        limit = min(max(int(request.args.get("limit", "50")), 1), 500)
    except ValueError as exc:
        raise BadRequest("limit must be a whole number") from exc
    media_type = negotiation.negotiate(request.headers.get("Accept"), OFFERED,
                                       format=request.args.get("format"))
    version = current().store.version()
    hits = index().search(text, limit) if text.strip() else []
    addresses = ld().addresses
    if media_type == negotiation.JSON:
        body = json.dumps({"query": text, "results": [h.to_dict(addresses.page(h.iri))
                                                      for h in hits]},
                          ensure_ascii=False, indent=1) + "\n"
    else:
        body = flask.render_template("search.html", q=text, hits=hits, addresses=addresses,
                                     local_name=local_name)
    return conditional.respond(body, media_type, version=version,
                               variant=("search", text, limit, media_type))
