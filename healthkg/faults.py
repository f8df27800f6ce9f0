"""Fault points of the write path: a test hook that makes the engine kill itself (SIGKILL).

Off by default. The engine reads ``HEALTHKG_FAULT`` once when it starts, a comma-separated
list of points, each optionally with how many times it fires (``after-journal-sync:2``);
the default is once. The counts are kept in the server's run directory, so a point fires
that many times over the server's life, across the engine restarts its firing causes
(``during-replay`` would otherwise kill every restarted engine).

The points, in the order a write meets them: ``after-parse`` (the change is computed),
``after-validate`` (the shapes were checked), ``after-journal-sync`` (the record is on
disk), ``after-commit`` (the store holds the change), ``before-answer`` (the new version is
published, the answer not yet sent); and ``during-replay`` (a restarted engine has replayed
one journaled change of several). The reliability tests use them to show that a kill at any
of these moments loses no acknowledged change and leaves none half-applied.

When the variable is unset the hook is a method returning at once: no cost on the write path.
"""

from __future__ import annotations

import logging
import os
import signal
from collections.abc import Mapping
from pathlib import Path

log = logging.getLogger("healthkg.engine")

VARIABLE = "HEALTHKG_FAULT"
POINTS = ("after-parse", "after-validate", "after-journal-sync", "after-commit",
          "before-answer", "during-replay")


class Faults:
    """The fault points armed for this engine (none unless ``HEALTHKG_FAULT`` is set)."""

    def __init__(self, armed: Mapping[str, int] | None = None,
                 state_dir: Path | None = None) -> None:
        self.armed = dict(armed or {})
        self.state_dir = state_dir

    @classmethod
    def from_environment(cls, environ: Mapping[str, str], state_dir: Path) -> Faults:
        """Read ``HEALTHKG_FAULT``; an unknown point is an error (a test would silently pass)."""
        spec = environ.get(VARIABLE, "").strip()
        armed: dict[str, int] = {}
        for item in filter(None, (part.strip() for part in spec.split(","))):
            name, _, times = item.partition(":")
            if name not in POINTS:
                raise ValueError(f"{VARIABLE}: unknown fault point {name!r}; the points are "
                                 + ", ".join(POINTS))
            armed[name] = int(times) if times else 1
        return cls(armed, state_dir)

    def point(self, name: str) -> None:
        """Kill this process here if ``name`` is armed and has not fired its count yet."""
        if not self.armed or name not in self.armed:
            return
        assert self.state_dir is not None
        counter = self.state_dir / f"fault-{name}.count"
        fired = int(counter.read_text()) if counter.exists() else 0
        if fired >= self.armed[name]:
            return
        counter.write_text(str(fired + 1))
        log.warning("engine %d: fault point %s reached: killing the engine (test hook %s)",
                    os.getpid(), name, VARIABLE)
        os.kill(os.getpid(), signal.SIGKILL)
