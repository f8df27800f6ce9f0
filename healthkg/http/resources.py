"""Dereferencing: /id/... answers 303 to /doc/..., the documents, the ontology and shapes.

See ``healthkg.addresses`` for the scheme. Documents negotiate among HTML and the RDF
formats (``healthkg.negotiation``), a suffix (``.ttl``...) or ``format=`` names one, and
each answer lists the other formats in ``Link: rel="alternate"`` headers. An IRI under the
base that names nothing is 404: an HTML page with a search form for people, a plain
message otherwise.
"""

from __future__ import annotations

import json

import flask
import pyoxigraph
from werkzeug.exceptions import NotFound as WerkzeugNotFound

from healthkg import documentation, negotiation, presentation, serialisation
from healthkg.addresses import SUFFIX_OF, split_suffix
from healthkg.config import BASE_IRI
from healthkg.description import Description, describe
from healthkg.errors import BadRequest, HealthkgError, NotFound
from healthkg.http import conditional, web
from healthkg.http.context import current
from healthkg.http.errors import error_response
from healthkg.http.state import current as ld
from healthkg.lookup import select

blueprint = flask.Blueprint("resources", __name__, template_folder="templates")

#: Formats of a resource's document, the default (for clients without preferences) first.
OFFERED = (negotiation.TURTLE, negotiation.HTML, negotiation.JSON_LD, negotiation.N_TRIPLES,
           negotiation.RDF_XML, negotiation.TRIG, negotiation.N_QUADS)

EXISTS = """
SELECT ?s WHERE {
  { ?s ?p ?o } UNION { ?x ?y ?s } UNION { GRAPH ?s { ?a ?b ?c } }
} LIMIT 1
"""


def _exists(iri: str) -> bool:
    context = current()
    version = context.store.version()

    def compute() -> bool:
        return bool(select(context.store, EXISTS, {"s": pyoxigraph.NamedNode(iri)},
                           timeout=context.settings.query_timeout))

    return bool(ld().memo.get(version, ("exists", iri), compute))


def _valid_iri(iri: str) -> bool:
    try:
        pyoxigraph.NamedNode(iri)
    except ValueError:
        return False
    return True


def _query_string() -> str:
    raw = flask.request.query_string.decode("utf-8", "replace")
    return "?" + raw if raw else ""


@blueprint.route("/id/<path:path>", methods=["GET"])
def thing(path: str) -> flask.Response:
    """A thing's IRI: 303 See Other to the document about it."""
    iri = BASE_IRI + "id/" + path
    if not _valid_iri(iri) or not _exists(iri):
        raise NotFound(f"nothing in this dataset is named {iri}")
    location = ld().addresses.page(iri) + _query_string()
    response = flask.Response(f"See {location}\n", status=303,
                              content_type="text/plain; charset=utf-8")
    response.headers["Location"] = location
    response.headers["Vary"] = "Accept"
    response.headers["Cache-Control"] = "public, max-age=3600"
    response.headers["Access-Control-Expose-Headers"] = conditional.EXPOSED
    return response


def _page_number() -> int:
    raw = flask.request.args.get("page", "1")
    try:
        page = int(raw)
    except ValueError as exc:
        raise BadRequest(f"page={raw!r} is not a page number (use 1, 2, ...)") from exc
    if page < 1:
        raise BadRequest(f"page={raw!r} is not a page number (use 1, 2, ...)")
    return page


def choose(forced: str | None, offered: tuple[str, ...]) -> str:
    """The media type of the answer: a suffix wins, then format=, then Accept."""
    if forced is not None:
        return forced
    return negotiation.negotiate(flask.request.headers.get("Accept"), offered,
                                 format=flask.request.args.get("format"))


def alternates(url_of: dict[str, str], chosen: str) -> list[tuple[str, str, str | None]]:
    """Link header entries for the formats other than ``chosen``."""
    return [(url, "alternate", media_type) for media_type, url in url_of.items()
            if media_type != chosen]


@blueprint.route("/doc/<path:path>", methods=["GET"])
def document(path: str) -> flask.Response:
    """The document about a thing, in the negotiated (or suffixed) format."""
    stem, forced = split_suffix(path)
    media_type = choose(forced, OFFERED)
    page = _page_number()
    iri = BASE_IRI + "id/" + stem
    context = current()
    state = ld()
    version = context.store.version()
    if not _valid_iri(iri):
        raise NotFound(f"nothing in this dataset is named {iri}")

    def compute() -> Description:
        return describe(context.store, iri, page=page, timeout=context.settings.query_timeout)

    description: Description = state.memo.get(version, ("describe", iri, page), compute)
    if not description.exists:
        raise NotFound(f"nothing in this dataset is named {iri}")
    if page > description.pages:
        raise NotFound(f"{iri} has {description.pages} page(s) of incoming links")
    addresses = state.addresses
    body = state.memo.get(version, ("body", iri, page, media_type),
                          lambda: _render(description, media_type))
    suffix = f"?page={page}" if page > 1 else ""
    url_of = {t: addresses.page(iri, t) + suffix for t in OFFERED}
    links = alternates(url_of, media_type)
    links.append((addresses.url(iri), "about", None))
    generic = addresses.page(iri)
    if description.pages > 1:
        if page < description.pages:
            links.append((f"{generic}?page={page + 1}", "next", None))
        if page > 1:
            links.append((f"{generic}?page={page - 1}", "prev", None))
    headers = {"Content-Location": url_of[media_type]}
    return conditional.respond(body, media_type, version=version,
                               variant=("doc", iri, page, media_type), links=links,
                               headers=headers)


def _render(description: Description, media_type: str) -> bytes:
    addresses = ld().addresses
    if media_type == negotiation.HTML:
        page = presentation.build(description, addresses)
        formats = [(SUFFIX_OF[t], addresses.page(description.iri, t))
                   for t in OFFERED if t != negotiation.HTML]
        generic = addresses.page(description.iri)
        # Organisations, networks and platforms of the cluster show their neighbourhood.
        neighbours = web.neighbours(description.iri)
        html = flask.render_template(
            "resource.html", page=page, formats=formats, description=description,
            generic=generic, base=addresses.public_base, neighbours=neighbours,
            addresses=addresses,
            cytoscape=bool(neighbours) and web.vendored(web.CYTOSCAPE_JS),
            config_json=json.dumps(web.browser_config()) if neighbours else "")
        return html.encode("utf-8")
    if media_type in serialisation.QUAD_FORMATS:
        return serialisation.write_quads(serialisation.sort_quads(
            description.quads(addresses)), media_type)
    return serialisation.write_triples(serialisation.sort_triples(
        description.triples(addresses)), media_type)


# -- the ontology, the shapes and the reused-terms document -----------------------------------

#: Formats of the ontology and shapes documents (HTML is pyLODE's documentation).
GRAPH_OFFERED = (negotiation.TURTLE, negotiation.HTML, negotiation.JSON_LD,
                 negotiation.N_TRIPLES, negotiation.RDF_XML)


def _graph_body(graph: str, media_type: str) -> bytes:
    context = current()
    timeout = context.settings.query_timeout
    triples = documentation.triples_of(context.store, graph, timeout=timeout)
    if media_type != negotiation.HTML:
        return serialisation.write_triples(serialisation.sort_triples(triples), media_type)
    try:
        return documentation.pylode_html(triples).encode("utf-8")
    except Exception as exc:  # pyLODE raises many unrelated types on unusual graphs
        flask.current_app.logger.warning("pyLODE could not document %s: %s", graph, exc)
        addresses = ld().addresses
        html = flask.render_template(
            "terms.html", graph=graph, url=addresses.url(graph), problem=str(exc),
            terms=documentation.terms(triples), addresses=addresses)
        return html.encode("utf-8")


def _graph_document(path: str) -> flask.Response:
    stem, forced = split_suffix(path)
    iri = BASE_IRI + stem
    context = current()
    state = ld()
    version = context.store.version()
    graph = state.memo.get(version, ("graph-of", iri), lambda: documentation.graph_of(
        context.store, iri, timeout=context.settings.query_timeout))
    if graph is None:
        raise NotFound(f"no ontology or shapes document is named {iri}")
    media_type = choose(forced, GRAPH_OFFERED)
    body = state.memo.get(version, ("graph", graph, media_type),
                          lambda: _graph_body(graph, media_type))
    url_of = {t: state.addresses.url(graph) + "." + SUFFIX_OF[t] for t in GRAPH_OFFERED}
    return conditional.respond(body, media_type, version=version,
                               variant=("graph", graph, media_type),
                               links=alternates(url_of, media_type),
                               headers={"Content-Location": url_of[media_type]})


@blueprint.route("/def", methods=["GET"])
@blueprint.route("/shapes", methods=["GET"])
@blueprint.route("/def.<suffix>", methods=["GET"])
@blueprint.route("/shapes.<suffix>", methods=["GET"])
@blueprint.route("/def/<path:rest>", methods=["GET"])
def graph_document(suffix: str | None = None, rest: str | None = None) -> flask.Response:
    """The ontology (``def``), the shapes, and other documents that are graphs."""
    path = flask.request.path.lstrip("/")
    return _graph_document(path)


# -- 404 for people -----------------------------------------------------------------------------

def not_found(error: HealthkgError) -> flask.Response:
    """404 as an HTML page with a search form when a person asks, else as usual."""
    try:
        media_type = negotiation.negotiate(flask.request.headers.get("Accept"),
                                           (negotiation.TEXT, negotiation.JSON,
                                            negotiation.HTML))
    except HealthkgError:
        media_type = negotiation.TEXT
    if media_type != negotiation.HTML:
        return error_response(error)
    path = flask.request.path
    html = flask.render_template("not_found.html", message=error.message,
                                 iri=BASE_IRI + path.lstrip("/"),
                                 query=path.rstrip("/").rsplit("/", 1)[-1].replace("-", " "))
    response = flask.Response(html, status=404, content_type="text/html; charset=utf-8")
    response.headers["Vary"] = "Accept"
    return response


@blueprint.app_errorhandler(NotFound)
def _healthkg_not_found(error: NotFound) -> flask.Response:
    return not_found(error)


@blueprint.app_errorhandler(WerkzeugNotFound)
def _werkzeug_not_found(error: WerkzeugNotFound) -> flask.Response:
    return not_found(NotFound(f"nothing is served at {flask.request.path}"))
