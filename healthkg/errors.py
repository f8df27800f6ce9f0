"""Error types of healthkg, each carrying the HTTP status it maps to.

The HTTP layer maps these in one place (``healthkg.http.errors``); the CLI maps them to
exit codes. Messages are written for the person who sent the request.
"""

from __future__ import annotations

from typing import Any


class HealthkgError(Exception):
    """Base of every error the service reports to a client."""

    status: int = 500
    title: str = "Internal error"

    def __init__(self, message: str, *, details: dict[str, Any] | None = None,
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details or {}
        self.headers = headers or {}

    def to_dict(self) -> dict[str, Any]:
        """Return the error as a JSON-serialisable dictionary."""
        body: dict[str, Any] = {"status": self.status, "error": self.title,
                                "message": self.message}
        body.update(self.details)
        return body


class BadRequest(HealthkgError):
    """The request is malformed (syntax error, bad parameter, forbidden feature)."""

    status = 400
    title = "Bad request"


class QuerySyntaxError(BadRequest):
    """The SPARQL text does not parse."""

    title = "Malformed query"


class Unauthorized(HealthkgError):
    """A write was attempted without a valid token."""

    status = 401
    title = "Unauthorized"


class Forbidden(HealthkgError):
    """The caller is known but may not do this."""

    status = 403
    title = "Forbidden"


class NotFound(HealthkgError):
    """Nothing is known under this name."""

    status = 404
    title = "Not found"


class MethodNotAllowed(HealthkgError):
    """The route exists but not for this HTTP method."""

    status = 405
    title = "Method not allowed"


class NotAcceptable(HealthkgError):
    """No representation matches the Accept header."""

    status = 406
    title = "Not acceptable"


class LengthRequired(HealthkgError):
    """A body was sent without a length where one is needed."""

    status = 411
    title = "Length required"


class PreconditionFailed(HealthkgError):
    """An If-Match precondition did not hold."""

    status = 412
    title = "Precondition failed"


class PayloadTooLarge(HealthkgError):
    """The request body is over the configured limit."""

    status = 413
    title = "Payload too large"


class UriTooLong(HealthkgError):
    """The request line is over the configured limit."""

    status = 414
    title = "URI too long"


class UnsupportedMediaType(HealthkgError):
    """The request body has a media type the route does not take."""

    status = 415
    title = "Unsupported media type"


class ValidationFailed(HealthkgError):
    """A change would leave the graph violating its SHACL shapes."""

    status = 422
    title = "Validation failed"


class QueryTimeout(HealthkgError):
    """A query ran past its deadline and was stopped."""

    status = 503
    title = "Query timeout"

    @classmethod
    def past(cls, timeout: float, retry_after: int = 1) -> QueryTimeout:
        """The error for a query stopped at its deadline of ``timeout`` seconds."""
        return cls(
            f"The query ran longer than its deadline of {timeout:g} s and was stopped. "
            "Narrow it (fewer unbound patterns, a LIMIT, a more specific property path) "
            "or try again later.",
            details={"timeout": timeout}, headers={"Retry-After": str(retry_after)})


class ServiceUnavailable(HealthkgError):
    """The service cannot answer now; try again later."""

    status = 503
    title = "Service unavailable"


class InputUnreadable(HealthkgError):
    """An input file cannot be read or parsed (CLI exit code 2)."""

    status = 400
    title = "Unreadable input"


class NotImplementedHere(HealthkgError):
    """The operation exists but this configuration of the service cannot carry it out."""

    status = 501
    title = "Not implemented"
