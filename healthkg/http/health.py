"""GET /health (ready, store size, dataset version) and GET /metrics (Prometheus text)."""

from __future__ import annotations

import json

import flask

from healthkg.errors import HealthkgError
from healthkg.http.context import current

blueprint = flask.Blueprint("health", __name__)


@blueprint.route("/health", methods=["GET"])
def health() -> flask.Response:
    """Say whether the store answers, how big it is and which version it holds."""
    context = current()
    try:
        stats = context.store.stats()
        body: dict[str, object] = {"ready": True, "version": context.store.version(), **stats}
        status = 200
    except HealthkgError as exc:
        body, status = {"ready": False, "message": exc.message}, 503
    response = flask.Response(json.dumps(body) + "\n", status=status,
                              content_type="application/json")
    response.headers["Cache-Control"] = "no-store"
    return response


@blueprint.route("/metrics", methods=["GET"])
def metrics() -> flask.Response:
    """Counters of this worker in the Prometheus text format."""
    context = current()
    extra = {"healthkg_cache_entries": float(len(context.cache)),
             "healthkg_cache_hits_total": float(context.cache.hits),
             "healthkg_cache_misses_total": float(context.cache.misses)}
    response = flask.Response(context.metrics.render(extra),
                              content_type="text/plain; version=0.0.4; charset=utf-8")
    response.headers["Cache-Control"] = "no-store"
    return response
