"""Per-app state of the linked-data routes: addresses, caches per version, the clock."""

from __future__ import annotations

from dataclasses import dataclass, field

import flask

from healthkg.addresses import Addresses
from healthkg.memo import VersionClock, VersionedMemo

EXTENSION = "healthkg.linkeddata"


@dataclass
class LinkedData:
    """What the linked-data blueprints share within one app (one worker)."""

    addresses: Addresses
    clock: VersionClock = field(default_factory=VersionClock)
    memo: VersionedMemo = field(default_factory=VersionedMemo)


def install(app: flask.Flask, public_base: str) -> LinkedData:
    """Create the state of ``app`` (called by the app factory, before workers fork)."""
    state = LinkedData(Addresses(public_base))
    app.extensions[EXTENSION] = state
    return state


def current() -> LinkedData:
    """The linked-data state of the app handling the current request."""
    state: LinkedData = flask.current_app.extensions[EXTENSION]
    return state
