"""The write journal: every accepted change, appended and synced before it is acknowledged.

Each record is one line ``<length> <sha256> <json>\\n`` where length and digest cover the
JSON text. Reading stops at the first record that is incomplete or does not match its digest
(a write torn by a crash); opening for append cuts the file back to the last whole record, so
a journal truncated at any byte offset replays to a prefix of the accepted changes.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
from array import array
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

JOURNAL_FILE = "journal.log"


@dataclass(frozen=True)
class ChangeRecord:
    """One accepted change as journaled."""

    seq: int
    change_id: str
    time: str
    author: str
    message: str
    shapes_version: str
    added: str
    """The quads added, as N-Quads."""
    removed: str
    """The quads removed, as N-Quads."""
    reverts: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> str:
        """The record as compact JSON text."""
        return json.dumps(asdict(self), ensure_ascii=False, separators=(",", ":"),
                          sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> ChangeRecord:
        """Read a record from its JSON text."""
        return cls(**json.loads(text))


def _encode(record: ChangeRecord) -> bytes:
    payload = record.to_json().encode("utf-8")
    digest = hashlib.sha256(payload).hexdigest()
    return b"%d %s " % (len(payload), digest.encode("ascii")) + payload + b"\n"


def _scan(data: bytes) -> Iterator[tuple[int, ChangeRecord]]:
    """Yield (end offset, record) for every whole, intact record from the start of ``data``."""
    offset = 0
    while offset < len(data):
        head_end = data.find(b" ", offset)
        digest_end = data.find(b" ", head_end + 1) if head_end >= 0 else -1
        if head_end < 0 or digest_end < 0:
            return
        try:
            length = int(data[offset:head_end])
        except ValueError:
            return
        digest = data[head_end + 1:digest_end]
        start, end = digest_end + 1, digest_end + 1 + length
        if end + 1 > len(data) or data[end:end + 1] != b"\n":
            return
        payload = data[start:end]
        if hashlib.sha256(payload).hexdigest().encode("ascii") != digest:
            return
        try:
            record = ChangeRecord.from_json(payload.decode("utf-8"))
        except (ValueError, TypeError):
            return
        offset = end + 1
        yield offset, record


class Journal:
    """An append-only, fsync'd log of accepted changes in one directory.

    What is kept in memory is an index (each record's end offset and its change id, about a
    hundred bytes a change); records are read from the file when asked for. The index
    follows the file: records appended by another process sharing the journal are indexed
    on the next call, and a file that shrank or whose last record no longer reads back is
    scanned again.
    """

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.path = directory / JOURNAL_FILE
        self._lock = threading.Lock()
        self._ends = array("q")
        """End offset of each whole record, in file (and sequence) order."""
        self._ids: dict[str, int] = {}
        """Position of each record in ``_ends``, by change id."""
        self._last_seq = 0

    # -- reading -------------------------------------------------------------------------

    def records(self) -> list[ChangeRecord]:
        """Every whole record, in order (a torn tail is ignored)."""
        try:
            data = self.path.read_bytes()
        except FileNotFoundError:
            return []
        return [record for _, record in _scan(data)]

    def count(self) -> int:
        """The number of whole records."""
        with self._lock:
            self._follow()
            return len(self._ends)

    def last_seq(self) -> int:
        """Sequence number of the last whole record (0 for an empty journal)."""
        with self._lock:
            self._follow()
            return self._last_seq

    def last(self) -> ChangeRecord | None:
        """The last whole record, or None for an empty journal."""
        with self._lock:
            self._follow()
            found = self._read([len(self._ends) - 1]) if self._ends else []
            return found[0] if found else None

    def get(self, change_id: str) -> ChangeRecord | None:
        """The record of one change, or None."""
        with self._lock:
            self._follow()
            position = self._ids.get(change_id)
            found = [] if position is None else self._read([position])
            return found[0] if found else None

    def newest(self, offset: int, limit: int) -> list[ChangeRecord]:
        """One page of records, newest first."""
        with self._lock:
            self._follow()
            last = len(self._ends) - 1 - max(offset, 0)
            positions = list(range(last, max(last - max(limit, 0), -1), -1))
            return self._read(positions)

    # -- writing -------------------------------------------------------------------------

    def repair(self) -> int:
        """Cut a torn tail off the file; return the number of bytes removed."""
        with self._lock:
            self._index_from(0)
            return self._cut_tail()

    def append(self, record: ChangeRecord) -> None:
        """Append a record and sync it to disk before returning."""
        with self._lock:
            new_file = not self.path.exists()
            self.directory.mkdir(parents=True, exist_ok=True)
            if not new_file:
                self._follow()
                self._cut_tail()
            else:
                self._index_from(0)
            with self.path.open("ab") as handle:
                handle.write(_encode(record))
                handle.flush()
                os.fsync(handle.fileno())
                end = handle.tell()
            if new_file:
                # The new directory entry must be durable too.
                dir_fd = os.open(self.directory, os.O_RDONLY)
                try:
                    os.fsync(dir_fd)
                finally:
                    os.close(dir_fd)
            self._add(end, record)

    def withdraw(self, record: ChangeRecord) -> None:
        """Remove ``record``, the last one appended (its change could not be applied)."""
        with self._lock:
            position = self._ids.get(record.change_id)
            if position is None or position != len(self._ends) - 1:
                raise ValueError(f"change {record.change_id} is not the journal's last record")
            start = self._ends[position - 1] if position else 0
            with self.path.open("r+b") as handle:
                handle.truncate(start)
                handle.flush()
                os.fsync(handle.fileno())
            self._index_from(0)

    # -- the index -----------------------------------------------------------------------

    def _size(self) -> int:
        try:
            return self.path.stat().st_size
        except FileNotFoundError:
            return 0

    def _end(self) -> int:
        return self._ends[-1] if self._ends else 0

    def _follow(self) -> None:
        """Bring the index up to date with the file."""
        size = self._size()
        # A last record that no longer reads back means the file was rewritten under the
        # index (a record withdrawn by another process, a torn or damaged tail).
        if size < self._end() or (self._ends and not self._last_intact()):
            self._index_from(0)
        elif size > self._end():
            self._index_from(self._end())

    def _last_intact(self) -> bool:
        start = self._ends[-2] if len(self._ends) > 1 else 0
        with self.path.open("rb") as handle:
            handle.seek(start)
            data = handle.read(self._ends[-1] - start)
        return sum(1 for _ in _scan(data)) == 1

    def _index_from(self, offset: int) -> None:
        """Index the whole records from ``offset`` (0: forget the index and start again)."""
        if offset == 0:
            self._ends = array("q")
            self._ids = {}
            self._last_seq = 0
        try:
            with self.path.open("rb") as handle:
                handle.seek(offset)
                data = handle.read()
        except FileNotFoundError:
            return
        for end, record in _scan(data):
            self._add(offset + end, record)

    def _add(self, end: int, record: ChangeRecord) -> None:
        self._ids[record.change_id] = len(self._ends)
        self._ends.append(end)
        self._last_seq = record.seq

    def _cut_tail(self) -> int:
        size, good = self._size(), self._end()
        if good < size:
            with self.path.open("r+b") as handle:
                handle.truncate(good)
                handle.flush()
                os.fsync(handle.fileno())
        return size - good

    def _read(self, positions: list[int]) -> list[ChangeRecord]:
        records: list[ChangeRecord] = []
        if not positions:
            return records
        with self.path.open("rb") as handle:
            for position in positions:
                start = self._ends[position - 1] if position else 0
                handle.seek(start)
                data = handle.read(self._ends[position] - start)
                records.extend(record for _, record in _scan(data))
        return records
