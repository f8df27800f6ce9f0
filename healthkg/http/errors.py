"""The one place where errors become HTTP responses, and where CORS headers are added.

A ``HealthkgError`` keeps its status, message and headers; Werkzeug's own errors (404,
405 with ``Allow``) are answered the same way; anything unexpected is logged and answered
500 without internals. The body is JSON when the client's Accept prefers JSON, plain text
otherwise. Every response, errors included, carries the CORS headers.
"""

from __future__ import annotations

import json

import flask
from werkzeug.exceptions import HTTPException

from healthkg import negotiation
from healthkg.errors import HealthkgError, MethodNotAllowed, QueryTimeout, ValidationFailed
from healthkg.http.context import EXTENSION, Context

CORS_HEADERS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Allow-Methods": "GET, HEAD, POST, PUT, DELETE, OPTIONS",
    "Access-Control-Allow-Headers": "Accept, Authorization, Content-Type, If-Match, "
                                    "If-None-Match, If-Modified-Since, HealthKG-Message",
    "Access-Control-Expose-Headers": "ETag, Location, Retry-After, Allow, HealthKG-Truncated, "
                                     "HealthKG-Row-Limit, HealthKG-Rows",
    "Access-Control-Max-Age": "86400",
}


def _wants_json(accept: str) -> bool:
    ranges = negotiation.parse_accept(accept)
    json_q = max((r.q for r in ranges if "json" in r.subtype), default=0.0)
    text_q = max((r.q for r in ranges if r.type in ("text", "*") and "json" not in r.subtype),
                 default=0.0)
    return json_q > 0 and json_q >= text_q


def error_response(error: HealthkgError) -> flask.Response:
    """The response for an error, as JSON or plain text according to Accept."""
    accept = flask.request.headers.get("Accept", "") if flask.has_request_context() else ""
    if _wants_json(accept):
        body = json.dumps(error.to_dict(), ensure_ascii=False, indent=1) + "\n"
        response = flask.Response(body, status=error.status, content_type="application/json")
    else:
        text = f"{error.status} {error.title}: {error.message}\n"
        response = flask.Response(text, status=error.status,
                                  content_type="text/plain; charset=utf-8")
    for name, value in error.headers.items():
        response.headers[name] = value
    response.headers["Vary"] = "Accept"
    return response


def _from_werkzeug(exc: HTTPException) -> HealthkgError:
    status = exc.code or 500
    error = HealthkgError(exc.description or exc.name)
    error.status = status
    error.title = exc.name
    if status == 405:
        allowed = sorted(getattr(exc, "valid_methods", None) or [])
        error = MethodNotAllowed(f"{flask.request.method} is not allowed here; use "
                                 + ", ".join(allowed),
                                 headers={"Allow": ", ".join(allowed)})
    return error


def register(app: flask.Flask) -> None:
    """Install the error handlers and the CORS headers on ``app``."""

    @app.errorhandler(HealthkgError)
    def _healthkg_error(exc: HealthkgError) -> flask.Response:
        if isinstance(exc, QueryTimeout):
            context: Context = app.extensions[EXTENSION]
            context.metrics.timeout()
        if isinstance(exc, ValidationFailed) and "report" in exc.details:
            # A refused change: the report, negotiated (JSON, Turtle, HTML).
            from healthkg.http.writing import validation_failed_response

            try:
                return validation_failed_response(exc)
            except HealthkgError:  # 406: the plain error body instead
                pass
        return error_response(exc)

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException) -> flask.Response:
        return error_response(_from_werkzeug(exc))

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception) -> flask.Response:
        app.logger.exception("unexpected error on %s %s", flask.request.method,
                             flask.request.path)
        return error_response(HealthkgError("the server failed to answer this request; "
                                            "the failure has been logged"))

    @app.after_request
    def _cors(response: flask.Response) -> flask.Response:
        for name, value in CORS_HEADERS.items():
            response.headers.setdefault(name, value)
        return response
