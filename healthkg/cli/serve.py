"""``healthkg serve``: the production server (gunicorn workers and the engine process)."""

from __future__ import annotations

import argparse
import logging
import sys
from typing import Any

from healthkg.config import SETTINGS, Settings, from_environment


def register(subparsers: Any) -> None:
    """Add the ``serve`` sub-command; each setting gets an option and a HEALTHKG_* variable."""
    parser = subparsers.add_parser(
        "serve", help="serve the knowledge graph over HTTP (SPARQL 1.1, linked data)",
        description="Serve the knowledge graph with gunicorn. Every option can also be "
                    "set by its HEALTHKG_* environment variable; options win.")
    add_setting_options(parser)
    parser.set_defaults(func=run)


def add_setting_options(parser: argparse.ArgumentParser) -> None:
    """One option per setting of ``healthkg.config.SETTINGS``."""
    for setting in SETTINGS:
        text = f"{setting.help} [{setting.env}; default: {setting.default!r}]"
        if setting.flag:
            parser.add_argument(setting.option, dest=setting.name, action="store_const",
                                const=True, default=None, help=text)
        else:
            parser.add_argument(setting.option, dest=setting.name, type=setting.type,
                                default=None, metavar=setting.name.upper(), help=text)


def settings_from_args(args: argparse.Namespace) -> Settings:
    """Resolve settings: HEALTHKG_* variables, then the command-line options."""
    return from_environment(**{s.name: getattr(args, s.name, None) for s in SETTINGS})


def run(args: argparse.Namespace) -> int:
    """Start the server and block until it is stopped; return the exit code."""
    logging.basicConfig(level=logging.INFO, stream=sys.stderr,
                        format="[%(asctime)s] [%(process)d] [%(levelname)s] %(message)s")
    try:
        settings = settings_from_args(args)
    except ValueError as exc:
        print(f"healthkg serve: {exc}", file=sys.stderr)
        return 2
    from healthkg.store.remote import RemoteStore, is_remote

    if is_remote(settings.store):
        # A remote backend owns the data: no engine process, only the HTTP workers.
        from healthkg.engine.web import WebServer
        from healthkg.http.app import create_app as build_app

        try:
            remote = RemoteStore(settings)
        except ValueError as exc:
            print(f"healthkg serve: {exc}", file=sys.stderr)
            return 2
        WebServer(build_app(settings, remote), settings).run()
        return 0
    # Imported here so that other sub-commands do not pay for the web stack.
    from healthkg.engine.supervisor import Supervisor
    from healthkg.http.app import create_app

    return Supervisor(settings, create_app).run()
