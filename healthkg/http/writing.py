"""What every write route shares: the request's message and If-Match, the body, the answer.

A write is answered with JSON ``{"change", "added", "removed", "version"}`` and the new
dataset ETag; a dry run and a refused change (422) carry the diff and the SHACL report,
negotiated as JSON (default), Turtle (the W3C ``sh:ValidationReport``) or HTML.
"""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import flask

from healthkg import negotiation
from healthkg.errors import ValidationFailed
from healthkg.http import protocol
from healthkg.http.context import current
from healthkg.store.base import WriteOutcome, WriteRequest

MESSAGE_HEADER = "HealthKG-Message"
#: Renderings of a validation report (dry run or 422), the default first.
REPORT_TYPES = (negotiation.JSON, negotiation.TURTLE, negotiation.HTML)


def body() -> bytes:
    """The request body, at most ``--max-body`` bytes (413 beyond, never truncated)."""
    return protocol.read_body(flask.request.environ, current().settings.max_body)


def message(form: dict[str, str] | None = None) -> str:
    """The change's message: the HealthKG-Message header, else a ``message`` field."""
    text = flask.request.headers.get(MESSAGE_HEADER)
    if text is None and form is not None:
        text = form.get("message")
    return (text or "").strip()[:2000]


def if_match() -> str | None:
    """The If-Match header, if any (the writer compares it with the dataset version)."""
    return flask.request.headers.get("If-Match")


def write(request: WriteRequest) -> WriteOutcome:
    """Send a write to the store, under the configured write deadline unless it has one."""
    context = current()
    if request.deadline is None:
        request = replace(request, deadline=context.settings.write_timeout)
    return context.store.write(request)


def outcome_response(outcome: WriteOutcome, *, status: int = 200,
                     headers: dict[str, str] | None = None) -> flask.Response:
    """The answer to an accepted write."""
    data = {"change": outcome.change_id, "added": outcome.added, "removed": outcome.removed,
            "version": outcome.version}
    response = flask.Response(json.dumps(data) + "\n", status=status,
                              content_type="application/json")
    response.headers["ETag"] = f'"{outcome.version}"'
    response.headers["Cache-Control"] = "no-store"
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def _lines(nquads: str) -> list[str]:
    return [line for line in nquads.splitlines() if line.strip()]


def report_response(report: dict[str, Any], turtle: str, added: str, removed: str, *,
                    status: int, message: str, extra: dict[str, Any] | None = None
                    ) -> flask.Response:
    """A validation report with the diff, negotiated (JSON, Turtle, HTML)."""
    request = flask.request
    media_type = negotiation.negotiate(request.headers.get("Accept"), REPORT_TYPES,
                                       format=request.args.get("format"))
    if media_type == negotiation.TURTLE:
        response = flask.Response(turtle, status=status,
                                  content_type=protocol.content_type(media_type))
    elif media_type == negotiation.HTML:
        html = flask.render_template("report.html", report=report, added=_lines(added),
                                     removed=_lines(removed), message=message,
                                     status=status)
        response = flask.Response(html, status=status, content_type="text/html; charset=utf-8")
    else:
        data: dict[str, Any] = dict(extra or {})
        data.update({"message": message, "conforms": report.get("conforms", True),
                     "added": _lines(added), "removed": _lines(removed), "report": report})
        response = flask.Response(json.dumps(data, ensure_ascii=False, indent=1) + "\n",
                                  status=status, content_type="application/json")
    response.headers["Vary"] = "Accept"
    response.headers["Cache-Control"] = "no-store"
    return response


def validation_failed_response(error: ValidationFailed) -> flask.Response:
    """The 422 answer: what would be wrong, for people and programs."""
    details = error.details
    return report_response(details.get("report", {}), details.get("report_turtle", ""),
                           details.get("added", ""), details.get("removed", ""),
                           status=error.status, message=error.message,
                           extra={"status": error.status, "error": error.title})


def dry_run_response(outcome: WriteOutcome) -> flask.Response:
    """The answer of /validate: the diff and the report; nothing was written."""
    report = outcome.report or {"conforms": True, "summary": "conforms (nothing changes)",
                                "counts": {}, "resources": []}
    text = report.get("summary", "")
    return report_response(report, outcome.report_turtle, outcome.diff_added,
                           outcome.diff_removed, status=200,
                           message=f"dry run, nothing written: {text}",
                           extra={"version": outcome.version})
