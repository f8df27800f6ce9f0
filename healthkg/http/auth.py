"""Who may write: the one place where a write request's token is checked.

A write needs ``Authorization: Bearer TOKEN`` with a token of the tokens file
(``--tokens``, re-read when it changes). The scheme is matched exactly as ``Bearer``; a
token anywhere else (query string, form field, Basic credentials) is never looked at.
Anything else is answered 401 with ``WWW-Authenticate`` before the body is read, so that
nothing is changed. Method-override headers and fields are not honoured anywhere.
"""

from __future__ import annotations

from pathlib import Path

import flask

from healthkg.errors import Unauthorized
from healthkg.http.context import current
from healthkg.tokens import TokenFile

REALM = 'Bearer realm="healthkg"'
_EXTENSION = "healthkg.tokens"


def _tokens() -> TokenFile:
    app = flask.current_app
    tokens: TokenFile | None = app.extensions.get(_EXTENSION)
    if tokens is None:
        settings = current().settings
        path = Path(settings.tokens)
        tokens = TokenFile(path if path.is_absolute() else settings.project_root / path)
        app.extensions[_EXTENSION] = tokens
    return tokens


def require_steward() -> str:
    """The name of the steward whose token the request carries, or 401."""
    header = flask.request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    token = token.strip()
    if not header:
        problem = "this request changes the data: send Authorization: Bearer TOKEN"
    elif scheme != "Bearer" or not token:
        problem = "the Authorization header must be exactly 'Bearer TOKEN'"
    else:
        owner = _tokens().check(token)
        if owner is not None:
            return owner
        problem = "the token is not valid (unknown or revoked)"
    raise Unauthorized(problem + "; create a token with 'healthkg token add NAME'",
                       headers={"WWW-Authenticate": REALM})
