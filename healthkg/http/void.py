"""GET /.well-known/void: the VoID and DCAT description (Turtle, JSON-LD, HTML...)."""

from __future__ import annotations

import flask

from healthkg import negotiation, serialisation, void
from healthkg.dump import FORMATS as DUMP_FORMATS
from healthkg.http import conditional
from healthkg.http.context import current
from healthkg.http.resources import alternates
from healthkg.http.state import current as ld
from healthkg.namespaces import curie

blueprint = flask.Blueprint("void", __name__, template_folder="templates")

OFFERED = (negotiation.TURTLE, negotiation.HTML, negotiation.JSON_LD, negotiation.N_TRIPLES,
           negotiation.RDF_XML)


def statistics() -> void.Statistics:
    """The statistics of the current dataset version."""
    context = current()
    version = context.store.version()
    stats: void.Statistics = ld().memo.get(version, "void", lambda: void.compute(
        context.store, timeout=context.settings.query_timeout))
    return stats


@blueprint.route("/.well-known/void", methods=["GET"])
@blueprint.route("/.well-known/void.<suffix>", methods=["GET"])
def description(suffix: str | None = None) -> flask.Response:
    """The dataset's description, in the negotiated (or suffixed) format."""
    from healthkg.addresses import SUFFIXES

    forced = SUFFIXES.get(suffix) if suffix else None
    if suffix and forced not in OFFERED:
        raise_not_found(suffix)
    media_type = forced or negotiation.negotiate(flask.request.headers.get("Accept"),
                                                 OFFERED, format=flask.request.args.get(
                                                     "format"))
    context = current()
    version = context.store.version()
    base = ld().addresses.public_base
    stats = statistics()

    def render() -> bytes:
        if media_type == negotiation.HTML:
            return flask.render_template("void.html", stats=stats, base=base, curie=curie,
                                         dumps=DUMP_FORMATS).encode("utf-8")
        return serialisation.write_triples(
            serialisation.sort_triples(void.triples(stats, base, DUMP_FORMATS)), media_type)

    body = ld().memo.get(version, ("void-body", media_type), render)
    from healthkg.addresses import SUFFIX_OF

    url_of = {t: f"{base}.well-known/void.{SUFFIX_OF[t]}" for t in OFFERED}
    return conditional.respond(body, media_type, version=version,
                               variant=("void", media_type),
                               links=alternates(url_of, media_type),
                               headers={"Content-Location": url_of[media_type]})


def raise_not_found(suffix: str) -> None:
    """404 for an unknown suffix."""
    from healthkg.errors import NotFound

    raise NotFound(f"the dataset description is not offered as .{suffix}")
