"""GET /dump (negotiated) and /dump.<ext>[.gz][.sha256]: the whole dataset, never cut.

The bytes come from ``Store.dump`` (sorted, stable) and are kept per dataset version.
Each answer says its SHA-256 in ``Repr-Digest`` (RFC 9530) and at ``<url>.sha256`` (in the
``sha256sum`` format). The ``.gz`` files are gzip files (``application/gzip``); the plain
URLs are also sent gzip-encoded to clients that accept it.
"""

from __future__ import annotations

import base64
import hashlib

import flask

from healthkg import negotiation
from healthkg.dump import BY_SUFFIX, FORMATS, DumpFile
from healthkg.errors import NotFound
from healthkg.http import conditional
from healthkg.http.compression import accepts_gzip
from healthkg.http.context import current
from healthkg.http.state import current as ld

blueprint = flask.Blueprint("dumps", __name__)

OFFERED = tuple(FORMATS)


def dump_file(media_type: str) -> DumpFile:
    """The dump of the current version in ``media_type``."""
    context = current()
    version = context.store.version()
    made: DumpFile = ld().memo.get(version, ("dump", media_type),
                                   lambda: DumpFile.of(media_type,
                                                       context.store.dump(media_type)))
    return made


def _digest(body: bytes) -> str:
    return "sha-256=:" + base64.b64encode(hashlib.sha256(body).digest()).decode() + ":"


def _links(chosen: str) -> list[tuple[str, str, str | None]]:
    base = ld().addresses.public_base
    return [(f"{base}dump.{suffix}", "alternate", media_type)
            for media_type, suffix in FORMATS.items() if media_type != chosen]


def _send(media_type: str, *, gzipped_file: bool, negotiated: bool) -> flask.Response:
    made = dump_file(media_type)
    version = current().store.version()
    suffix = FORMATS[media_type]
    filename = f"healthkg.{suffix}" + (".gz" if gzipped_file else "")
    headers = {"Content-Disposition": f'inline; filename="{filename}"'}
    if gzipped_file:
        body, sent_type = made.gzipped, "application/gzip"
    elif accepts_gzip(flask.request.headers.get("Accept-Encoding")):
        body, sent_type = made.gzipped, media_type
        headers["Content-Encoding"] = "gzip"
    else:
        body, sent_type = made.body, media_type
    headers["Repr-Digest"] = _digest(body)
    if negotiated:
        headers["Content-Location"] = f"{ld().addresses.public_base}dump.{suffix}"
    response = conditional.respond(body, sent_type, version=version,
                                   variant=("dump", media_type, gzipped_file,
                                            "Content-Encoding" in headers),
                                   links=_links(media_type), vary=negotiated,
                                   headers=headers)
    if "Content-Encoding" in headers:
        response.headers["Vary"] = ", ".join(filter(None, [response.headers.get("Vary"),
                                                          "Accept-Encoding"]))
    return response


@blueprint.route("/dump", methods=["GET"])
def dump() -> flask.Response:
    """The dump in the negotiated format (Turtle by default)."""
    media_type = negotiation.negotiate(flask.request.headers.get("Accept"), OFFERED,
                                       format=flask.request.args.get("format"))
    return _send(media_type, gzipped_file=False, negotiated=True)


@blueprint.route("/dump.<path:name>", methods=["GET"])
def dump_named(name: str) -> flask.Response:
    """/dump.ttl, /dump.trig, /dump.nq, /dump.jsonld, their .gz, and .sha256 of each."""
    checksum = name.endswith(".sha256")
    stem = name.removesuffix(".sha256")
    gzipped = stem.endswith(".gz")
    suffix = stem.removesuffix(".gz")
    media_type = BY_SUFFIX.get(suffix)
    if media_type is None:
        raise NotFound(f"there is no dump /dump.{name}; use one of: "
                       + ", ".join(f"/dump.{s}" for s in BY_SUFFIX))
    if not checksum:
        return _send(media_type, gzipped_file=gzipped, negotiated=False)
    made = dump_file(media_type)
    digest = made.gzipped_sha256 if gzipped else made.sha256
    body = f"{digest}  dump.{stem}\n"
    return conditional.respond(body, negotiation.TEXT, version=current().store.version(),
                               variant=("dump-sha256", stem), vary=False)
