"""The dataset version, shared between the engine and the HTTP workers through a mapped file.

The supervisor creates the file before anything forks; the engine writes the version at
start-up and after every accepted write; workers read it before each cache lookup at the
cost of a memory read (no system call). A sequence counter makes reads consistent while a
write is in progress (the engine is the only writer).
"""

from __future__ import annotations

import mmap
import os
import struct
import time
from pathlib import Path

_SEQ = struct.Struct("=Q")
_LEN = struct.Struct("=B")
_DATA_OFFSET = _SEQ.size + _LEN.size
SIZE = 128
MAX_VERSION = SIZE - _DATA_OFFSET


class VersionBoard:
    """A small shared-memory slot holding the current dataset version."""

    def __init__(self, path: Path, *, create: bool = False) -> None:
        self.path = path
        flags = os.O_RDWR | (os.O_CREAT if create else 0)
        fd = os.open(path, flags, 0o600)
        try:
            if create:
                os.ftruncate(fd, SIZE)
            self._map = mmap.mmap(fd, SIZE, mmap.MAP_SHARED, mmap.PROT_READ | mmap.PROT_WRITE)
        finally:
            os.close(fd)

    def write(self, version: str) -> None:
        """Publish a new version (engine only)."""
        data = version.encode("ascii")
        if len(data) > MAX_VERSION:
            raise ValueError(f"version too long: {version!r}")
        (seq,) = _SEQ.unpack_from(self._map, 0)
        _SEQ.pack_into(self._map, 0, seq + 1)  # odd: a write is in progress
        _LEN.pack_into(self._map, _SEQ.size, len(data))
        self._map[_DATA_OFFSET:_DATA_OFFSET + len(data)] = data
        _SEQ.pack_into(self._map, 0, seq + 2)

    def read(self) -> str:
        """The current version ('' before the engine published one)."""
        for _ in range(10_000):
            (before,) = _SEQ.unpack_from(self._map, 0)
            if before % 2 == 0:
                (length,) = _LEN.unpack_from(self._map, _SEQ.size)
                data = self._map[_DATA_OFFSET:_DATA_OFFSET + length]
                (after,) = _SEQ.unpack_from(self._map, 0)
                if before == after:
                    return data.decode("ascii")
            time.sleep(0)
        raise RuntimeError("dataset version is being rewritten continuously")

    def close(self) -> None:
        """Unmap the slot."""
        self._map.close()
