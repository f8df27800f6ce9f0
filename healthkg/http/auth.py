"""Who may write: the one place where a write request's token is checked.

A write needs ``Authorization: Bearer TOKEN`` with a token of the tokens file
(``--tokens``, re-read when it changes), in the form of RFC 6750 (section 2.1): the scheme
spelled exactly ``Bearer``, one or more spaces, a token of b64token characters, optional
trailing spaces; nothing else is trimmed (Python's ``strip`` would drop non-breaking and
other Unicode spaces). A token anywhere else (query string, form field, Basic credentials,
cookies) is never looked at.
Anything else is answered 401 with ``WWW-Authenticate`` before the body is read, so that
nothing is changed. Method-override headers and fields are not honoured anywhere.
"""

from __future__ import annotations

import re
from pathlib import Path

import flask

from healthkg.errors import Unauthorized
from healthkg.http.context import current
from healthkg.tokens import TokenFile

REALM = 'Bearer realm="healthkg"'
_EXTENSION = "healthkg.tokens"
#: RFC 6750, section 2.1: credentials = "Bearer" 1*SP b64token (and optional white space).
_CREDENTIALS = re.compile(r"Bearer +([A-Za-z0-9\-._~+/]+=*) *")


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
    credentials = _CREDENTIALS.fullmatch(header)
    if not header:
        problem = "this request changes the data: send Authorization: Bearer TOKEN"
    elif credentials is None:
        problem = "the Authorization header must be exactly 'Bearer TOKEN'"
    else:
        owner = _tokens().check(credentials.group(1))
        if owner is not None:
            return owner
        problem = "the token is not valid (unknown or revoked)"
    raise Unauthorized(problem + "; create a token with 'healthkg token add NAME'",
                       headers={"WWW-Authenticate": REALM})
