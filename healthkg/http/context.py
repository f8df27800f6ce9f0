"""What every request handler of one app needs: settings, store, cache, metrics."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import flask

from healthkg.config import Settings
from healthkg.http.cache import ResultCache
from healthkg.http.metrics import Metrics
from healthkg.store.base import Store

if TYPE_CHECKING:
    from healthkg.namedqueries import NamedQuery

EXTENSION = "healthkg"


@dataclass
class Context:
    """Per-app (hence per-worker) state, kept in ``app.extensions``."""

    settings: Settings
    store: Store
    cache: ResultCache
    metrics: Metrics = field(default_factory=Metrics)
    named_queries: dict[str, NamedQuery] | None = None


def current() -> Context:
    """The context of the app handling the current request."""
    context: Context = flask.current_app.extensions[EXTENSION]
    return context
