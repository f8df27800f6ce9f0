"""A per-worker LRU cache of serialised query answers, keyed by dataset version and request."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable

from healthkg.store.base import QueryOutcome


class ResultCache:
    """At most ``capacity`` answers; the least recently used goes first.

    Keys start with the dataset version, so a write (which changes the version) makes every
    older entry unreachable; they age out as new answers come in.
    """

    def __init__(self, capacity: int) -> None:
        self.capacity = max(capacity, 0)
        self._entries: OrderedDict[Hashable, QueryOutcome] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get(self, key: Hashable) -> QueryOutcome | None:
        """The cached answer for ``key``, or None."""
        with self._lock:
            outcome = self._entries.get(key)
            if outcome is None:
                self.misses += 1
                return None
            self._entries.move_to_end(key)
            self.hits += 1
            return outcome

    def put(self, key: Hashable, outcome: QueryOutcome) -> None:
        """Remember an answer, evicting the least recently used beyond capacity."""
        if self.capacity == 0:
            return
        with self._lock:
            self._entries[key] = outcome
            self._entries.move_to_end(key)
            while len(self._entries) > self.capacity:
                self._entries.popitem(last=False)

    def __len__(self) -> int:
        return len(self._entries)
