"""Write tokens of data stewards: created once, stored only as hashes, checked in constant time.

Tokens are 256-bit random strings, so a single SHA-256 is enough to store them safely (a slow
password hash protects guessable secrets, which these are not). The file is rewritten
atomically and re-read when it changes on disk, so the server picks up added and revoked
tokens without a restart.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
import tempfile
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from healthkg.errors import BadRequest, InputUnreadable, NotFound

TOKEN_PREFIX = "hkg_"  # noqa: S105 - a recognisable prefix, not a secret
_NAME_CHARS = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._@-")


@dataclass(frozen=True)
class TokenRecord:
    """One steward's token as stored: the name, the hash, when it was created."""

    name: str
    digest: str
    created: str


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _check_name(name: str) -> None:
    if not name or len(name) > 64 or not set(name) <= _NAME_CHARS:
        raise BadRequest(f"invalid token name {name!r}: use 1 to 64 letters, digits, "
                         "'.', '_', '@' or '-'")


class TokenFile:
    """The tokens file: read, add, revoke, and check a presented token."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._cache: tuple[tuple[int, int], tuple[TokenRecord, ...]] | None = None

    def records(self) -> tuple[TokenRecord, ...]:
        """The stored tokens, re-read only when the file changed on disk."""
        try:
            stat = self.path.stat()
        except FileNotFoundError:
            return ()
        key = (stat.st_mtime_ns, stat.st_size)
        with self._lock:
            if self._cache is not None and self._cache[0] == key:
                return self._cache[1]
            records = self._read()
            self._cache = (key, records)
            return records

    def _read(self) -> tuple[TokenRecord, ...]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8") or "{}")
            return tuple(TokenRecord(r["name"], r["sha256"], r.get("created", ""))
                         for r in data.get("tokens", []))
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
            raise InputUnreadable(f"{self.path}: not a healthkg tokens file: {exc}") from exc

    def _write(self, records: tuple[TokenRecord, ...]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        body = json.dumps({"tokens": [{"name": r.name, "sha256": r.digest, "created": r.created}
                                      for r in records]}, indent=2) + "\n"
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".tokens-")
        try:
            os.fchmod(fd, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(body)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, self.path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def add(self, name: str) -> str:
        """Create a token for ``name`` and return it; only its hash is stored."""
        _check_name(name)
        records = self.records()
        if any(r.name == name for r in records):
            raise BadRequest(f"a token named {name!r} exists already: revoke it first")
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        created = datetime.now(UTC).replace(microsecond=0).isoformat()
        self._write((*records, TokenRecord(name, _digest(token), created)))
        return token

    def revoke(self, name: str) -> None:
        """Remove the token named ``name``."""
        records = self.records()
        kept = tuple(r for r in records if r.name != name)
        if len(kept) == len(records):
            raise NotFound(f"no token named {name!r}")
        self._write(kept)

    def check(self, token: str) -> str | None:
        """Return the name of the steward owning ``token``, or None; constant time per record."""
        digest = _digest(token)
        owner = None
        for record in self.records():
            # Compare against every record so the time does not depend on which one matches.
            if hmac.compare_digest(record.digest, digest):
                owner = record.name
        return owner
