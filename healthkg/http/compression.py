"""gzip for every compressible answer the client accepts it for (one after_request hook).

Compressed when: the client's Accept-Encoding gives gzip (or ``*``) a q-value above 0, the
type is textual (text/*, JSON, XML, RDF and SPARQL result formats), the body is at least
``MIN_SIZE`` bytes and not streamed or already encoded. A strong ETag becomes weak (the
bytes differ; the representation is the same), and ``Vary: Accept-Encoding`` is added.
"""

from __future__ import annotations

import gzip

import flask

MIN_SIZE = 1024
_TEXTUAL = ("text/", "application/json", "application/ld+json", "application/n-triples",
            "application/n-quads", "application/trig", "application/rdf+xml",
            "application/sparql-results+", "application/xml", "application/javascript",
            "image/svg+xml")


def accepts_gzip(header: str | None) -> bool:
    """Whether an Accept-Encoding header allows gzip (q-values and '*' honoured)."""
    if not header:
        return False
    gzip_q: float | None = None
    star_q: float | None = None
    for element in header.split(","):
        name, *params = [p.strip() for p in element.split(";")]
        q = 1.0
        for param in params:
            key, _, value = param.partition("=")
            if key.strip().lower() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        name = name.lower()
        if name in ("gzip", "x-gzip"):
            gzip_q = q
        elif name == "*":
            star_q = q
    if gzip_q is not None:
        return gzip_q > 0
    return star_q is not None and star_q > 0


def _add_vary(response: flask.Response, name: str) -> None:
    present = [v.strip().lower() for v in response.headers.get("Vary", "").split(",")
               if v.strip()]
    if name.lower() not in present:
        response.headers["Vary"] = ", ".join([*filter(None, [response.headers.get("Vary")]),
                                              name])


def would_compress(mimetype: str, size: int) -> bool:
    """Whether a 200 of this type and size would be gzipped for the current request."""
    return (mimetype.startswith(_TEXTUAL) and size >= MIN_SIZE
            and flask.request.method != "HEAD"
            and accepts_gzip(flask.request.headers.get("Accept-Encoding")))




def compress(response: flask.Response) -> flask.Response:
    """Gzip the response when worthwhile and accepted (the after_request hook)."""
    mimetype = response.mimetype or ""
    if not mimetype.startswith(_TEXTUAL):
        return response
    if response.status_code == 304 or ((not response.is_streamed and
                                       response.calculate_content_length()) or 0) >= MIN_SIZE:
        # Only answers of at least MIN_SIZE bytes are ever encoded: they vary on it.
        _add_vary(response, "Accept-Encoding")
    if (response.status_code < 200 or response.status_code in (204, 206, 304)
            or response.direct_passthrough or response.is_streamed
            or "Content-Encoding" in response.headers
            or flask.request.method == "HEAD"
            or not accepts_gzip(flask.request.headers.get("Accept-Encoding"))):
        return response
    body = response.get_data()
    if len(body) < MIN_SIZE:
        return response
    response.set_data(gzip.compress(body, compresslevel=6, mtime=0))
    response.headers["Content-Encoding"] = "gzip"
    tag = response.headers.get("ETag")
    if tag and not tag.startswith("W/"):
        response.headers["ETag"] = "W/" + tag
    return response


def register(app: flask.Flask) -> None:
    """Install the hook on ``app``."""
    app.after_request(compress)
