"""The SPARQL 1.1 Graph Store HTTP Protocol at /store.

Indirect identification: ``/store?default`` (the default graph) and ``/store?graph=IRI``.
Direct identification: ``/store/PATH`` names the graph ``<base>store/PATH`` (the persistent
base, as every path of the service maps to it). GET and HEAD are public and negotiated
(Turtle, N-Triples, RDF/XML, JSON-LD; 404 for a graph without triples). PUT replaces a
graph (201 when it is new), POST adds to it (a ``multipart/form-data`` body adds every
part; POST to ``/store`` alone creates a graph named by the service, 201 with
``Location``: its IRI), DELETE removes it (404 when absent). Writes need a token and pass
the gate like every other change.
"""

from __future__ import annotations

import email.parser
import email.policy
import uuid

import flask
from werkzeug.http import parse_options_header

from healthkg import negotiation
from healthkg.changes import RDF_MEDIA_TYPES
from healthkg.config import BASE_IRI
from healthkg.errors import BadRequest, NotFound, UnsupportedMediaType
from healthkg.http import auth, conditional, writing
from healthkg.http.context import current
from healthkg.store.base import WriteRequest

blueprint = flask.Blueprint("graphstore", __name__)

#: Media types a graph is offered in, the default first.
OFFERED = (negotiation.TURTLE, negotiation.N_TRIPLES, negotiation.RDF_XML,
           negotiation.JSON_LD)
MULTIPART = "multipart/form-data"
#: Graphs created by POST to /store are named under this prefix.
NEW_GRAPH_BASE = BASE_IRI + "id/graph/"
METHODS = ["GET", "PUT", "POST", "DELETE"]


def _indirect() -> tuple[str | None, bool]:
    """(graph IRI or None for the default graph, whether a graph was named at all)."""
    args = flask.request.args
    graphs = args.getlist("graph")
    if "default" in args and graphs:
        raise BadRequest("give either ?default or ?graph=IRI, not both")
    if len(graphs) > 1:
        raise BadRequest("the 'graph' parameter is given several times; give it once")
    if graphs:
        if not graphs[0]:
            raise BadRequest("?graph= needs an IRI")
        return graphs[0], True
    return None, "default" in args


@blueprint.route("/store", methods=METHODS)
def indirect() -> flask.Response:
    """A graph named by ?default or ?graph=IRI."""
    graph, named = _indirect()
    if not named:
        if flask.request.method == "POST":
            return _post(NEW_GRAPH_BASE + uuid.uuid4().hex, new=True)
        raise BadRequest("name the graph: /store?default or /store?graph=IRI")
    return _dispatch(graph)


@blueprint.route("/store/<path:rest>", methods=METHODS)
def direct(rest: str) -> flask.Response:
    """A graph named by the request's own URL (under the persistent base)."""
    return _dispatch(BASE_IRI + "store/" + rest)


def _dispatch(graph: str | None) -> flask.Response:
    method = flask.request.method
    if method in ("GET", "HEAD"):
        return _get(graph)
    if method == "POST":
        return _post(graph)
    author = auth.require_steward()
    if method == "PUT":
        media_type, data = _rdf_body()
        outcome = writing.write(_request("put", graph, author, body=data,
                                         media_type=media_type))
        return writing.outcome_response(outcome, status=201 if outcome.created else 200)
    outcome = writing.write(_request("delete", graph, author))
    return writing.outcome_response(outcome)


def _request(kind: str, graph: str | None, author: str, **fields: object) -> WriteRequest:
    return WriteRequest(kind=kind, graph=graph, author=author, message=writing.message(),
                        if_match=writing.if_match(),
                        base_iri=graph or flask.request.base_url, **fields)  # type: ignore[arg-type]


def _get(graph: str | None) -> flask.Response:
    context = current()
    media_type = negotiation.negotiate(flask.request.headers.get("Accept"), OFFERED,
                                       format=flask.request.args.get("format"))
    version = context.store.version()
    data = context.store.read_graph(graph, media_type)
    if data is None:
        raise NotFound(f"there is no graph {graph or '(default)'} (or it has no triples)")
    return conditional.respond(data, media_type, version=version,
                               variant=("store", graph, media_type))


def _media_type() -> tuple[str, dict[str, str]]:
    mimetype, options = parse_options_header(flask.request.headers.get("Content-Type", ""))
    return mimetype.lower(), options


def _check_charset(options: dict[str, str]) -> None:
    charset = options.get("charset")
    if charset and charset.strip().lower().replace("_", "-") not in ("utf-8", "utf8"):
        raise UnsupportedMediaType(f"charset={charset} is not supported; send UTF-8")


def _rdf_body() -> tuple[str, bytes]:
    mimetype, options = _media_type()
    if mimetype not in RDF_MEDIA_TYPES:
        raise UnsupportedMediaType(
            f"cannot read {mimetype or 'a body without Content-Type'}; send one of: "
            + ", ".join(sorted(RDF_MEDIA_TYPES)))
    _check_charset(options)
    return mimetype, writing.body()


def multipart_parts(data: bytes, boundary: str) -> list[tuple[str, str, bytes]]:
    """(field name, media type, bytes) of each part of a multipart/form-data body."""
    head = f'Content-Type: {MULTIPART}; boundary="{boundary}"\r\n\r\n'.encode()
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(head + data)
    if not message.is_multipart():
        raise BadRequest("the multipart body does not parse")
    parts = []
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition") or ""
        # A part without Content-Type: Turtle (text/plain would mean N-Triples).
        media = part.get_content_type() if part["Content-Type"] else "text/turtle"
        payload = part.get_payload(decode=True)
        parts.append((str(name), media.lower(),
                      payload if isinstance(payload, bytes) else b""))
    return parts


def _post(graph: str | None, *, new: bool = False) -> flask.Response:
    author = auth.require_steward()
    mimetype, options = _media_type()
    if mimetype == MULTIPART:
        boundary = options.get("boundary")
        if not boundary:
            raise BadRequest("a multipart/form-data body needs a boundary parameter")
        parts = tuple((media, data) for _, media, data in
                      multipart_parts(writing.body(), boundary))
        request = _request("post", graph, author, parts=parts)
    else:
        media_type, data = _rdf_body()
        request = _request("post", graph, author, body=data, media_type=media_type)
    outcome = writing.write(request)
    if new:
        return writing.outcome_response(outcome, status=201,
                                        headers={"Location": str(graph)})
    return writing.outcome_response(outcome, status=201 if outcome.created else 200)
