"""The Flask app factory: one app per worker, over the store it is given."""

from __future__ import annotations

import time

import flask

from healthkg.config import Settings
from healthkg.http import (
    compression,
    dumps,
    errors,
    graphstore,
    health,
    history,
    home,
    queries,
    resources,
    search,
    sparql,
    state,
    update,
    validate,
    void,
    web,
)
from healthkg.http.cache import ResultCache
from healthkg.http.context import EXTENSION, Context
from healthkg.store.base import Store


def create_app(settings: Settings, store: Store | None = None) -> flask.Flask:
    """Build the app; without a store, open an in-process one as the settings say."""
    if store is None:
        from healthkg.store.direct import DirectStore

        store = DirectStore(settings)
    app = flask.Flask("healthkg")
    # The query routes read bodies themselves (protocol.read_body) so that nothing is
    # ever truncated silently; Flask's own limit must not cut a chunked body short.
    app.config["MAX_CONTENT_LENGTH"] = None
    app.json.sort_keys = False  # type: ignore[attr-defined]
    context = Context(settings=settings, store=store,
                      cache=ResultCache(settings.cache_entries))
    app.extensions[EXTENSION] = context
    for blueprint in (sparql.blueprint, queries.blueprint, health.blueprint):
        app.register_blueprint(blueprint)
    # Linked data: dereferencing, pages, search, dumps, VoID (see docs/HTTP.md).
    state.install(app, settings.public_base)
    for blueprint in (home.blueprint, resources.blueprint, search.blueprint,
                      dumps.blueprint, void.blueprint, web.blueprint):
        app.register_blueprint(blueprint)
    # Writes (token required) and the history of changes (see docs/HTTP.md).
    for blueprint in (update.blueprint, graphstore.blueprint, validate.blueprint,
                      history.blueprint):
        app.register_blueprint(blueprint)
    errors.register(app)
    compression.register(app)

    @app.before_request
    def _start_clock() -> None:
        flask.g.healthkg_started = time.perf_counter()

    @app.after_request
    def _count(response: flask.Response) -> flask.Response:
        started = flask.g.get("healthkg_started")
        if started is not None:
            rule = flask.request.url_rule
            route = rule.rule if rule is not None else "(unmatched)"
            context.metrics.observe(route, flask.request.method, response.status_code,
                                    time.perf_counter() - started)
        return response

    return app
