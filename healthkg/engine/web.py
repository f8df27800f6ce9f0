"""The HTTP side: gunicorn's arbiter serving the WSGI application the caller built."""

from __future__ import annotations

from typing import Any

from gunicorn.app.base import BaseApplication

from healthkg.config import Settings
from healthkg.engine import THREADS_PER_WORKER


class WebServer(BaseApplication):
    """gunicorn configured from the settings, serving one preloaded WSGI application."""

    def __init__(self, application: Any, settings: Settings) -> None:
        self.application = application
        self.settings = settings
        super().__init__()

    def load_config(self) -> None:
        """Set gunicorn's options from the settings."""
        s = self.settings
        options: dict[str, Any] = {
            "bind": f"[{s.host}]:{s.port}" if ":" in s.host else f"{s.host}:{s.port}",
            "workers": max(1, s.workers),
            "worker_class": "gthread",
            "threads": THREADS_PER_WORKER,
            # The heartbeat of gthread workers is independent of request length, but keep the
            # arbiter's timeout well above the query deadline anyway.
            "timeout": max(30, int(3 * s.query_timeout) + 10),
            # On SIGTERM, requests in flight may run to their deadline before workers stop.
            "graceful_timeout": max(10, int(s.query_timeout) + 5),
            "keepalive": 5,
            # 0 lets the application itself answer over-long query URLs with a clear 414.
            "limit_request_line": 0,
            "accesslog": None,
            "errorlog": "-",
            "loglevel": "info",
            "proc_name": "healthkg",
            # One control socket per user would be shared by every server of that user.
            "control_socket_disable": True,
            "preload_app": True,
        }
        for key, value in options.items():
            self.cfg.set(key, value)

    def load(self) -> Any:
        """The WSGI application."""
        return self.application
