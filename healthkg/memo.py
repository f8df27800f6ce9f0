"""Values computed once per dataset version (search index, VoID, dumps, documentation)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from datetime import UTC, datetime
from typing import Any


class VersionedMemo:
    """Remembers computed values for the current dataset version only."""

    def __init__(self, capacity: int = 4096) -> None:
        self.capacity = capacity
        self._version: str | None = None
        self._values: dict[Hashable, Any] = {}
        self._lock = threading.Lock()

    def get(self, version: str, key: Hashable, compute: Callable[[], Any]) -> Any:
        """The value for ``key`` at ``version``, computed at most once per version."""
        with self._lock:
            if self._version != version:
                self._version, self._values = version, {}
            if key in self._values:
                return self._values[key]
        value = compute()
        with self._lock:
            if self._version == version:
                if len(self._values) >= self.capacity:
                    self._values.clear()  # crude, but bounded
                self._values[key] = value
        return value


class VersionClock:
    """When each dataset version was first seen, for ``Last-Modified``.

    The first version gets the time the clock was made (the application is built before
    the workers fork, so every worker dates the initial version alike); later versions get
    the time a worker first saw them, to the second.
    """

    def __init__(self, started: datetime | None = None) -> None:
        self._started = (started or datetime.now(UTC)).replace(microsecond=0)
        self._seen: dict[str, datetime] = {}
        self._lock = threading.Lock()

    def modified(self, version: str) -> datetime:
        """The time ``version`` dates from."""
        with self._lock:
            when = self._seen.get(version)
            if when is None:
                when = self._started if not self._seen else \
                    datetime.now(UTC).replace(microsecond=0)
                if len(self._seen) > 1000:
                    self._seen.clear()
                self._seen[version] = when
            return when
