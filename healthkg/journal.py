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
    """An append-only, fsync'd log of accepted changes in one directory."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.path = directory / JOURNAL_FILE
        self._lock = threading.Lock()

    def records(self) -> list[ChangeRecord]:
        """Every whole record, in order (a torn tail is ignored)."""
        try:
            data = self.path.read_bytes()
        except FileNotFoundError:
            return []
        return [record for _, record in _scan(data)]

    def repair(self) -> int:
        """Cut a torn tail off the file; return the number of bytes removed."""
        try:
            data = self.path.read_bytes()
        except FileNotFoundError:
            return 0
        good = max((end for end, _ in _scan(data)), default=0)
        if good < len(data):
            with self.path.open("r+b") as handle:
                handle.truncate(good)
                handle.flush()
                os.fsync(handle.fileno())
        return len(data) - good

    def last_seq(self) -> int:
        """Sequence number of the last whole record (0 for an empty journal)."""
        records = self.records()
        return records[-1].seq if records else 0

    def append(self, record: ChangeRecord) -> None:
        """Append a record and sync it to disk before returning."""
        with self._lock:
            new_file = not self.path.exists()
            self.directory.mkdir(parents=True, exist_ok=True)
            if not new_file:
                self.repair()
            with self.path.open("ab") as handle:
                handle.write(_encode(record))
                handle.flush()
                os.fsync(handle.fileno())
            if new_file:
                # The new directory entry must be durable too.
                dir_fd = os.open(self.directory, os.O_RDONLY)
                try:
                    os.fsync(dir_fd)
                finally:
                    os.close(dir_fd)
