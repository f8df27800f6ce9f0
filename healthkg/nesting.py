"""How deep an RDF body nests, measured before a parser sees it.

pyoxigraph's JSON-LD parser recurses: a body of 20,000 nested objects (or 5,000 nested
``@list`` arrays, about 60 KB) kills the process with a segmentation fault, as its SPARQL
parser does on nested parentheses (see ``safety``). The Turtle family nests too (collections
and blank-node property lists). So a body is scanned first, by a regular expression that
skips strings, IRIs and comments, and one that nests deeper than the limit is refused with
400. N-Triples and N-Quads cannot nest; RDF/XML is read by an iterative parser.
"""

from __future__ import annotations

import re

import pyoxigraph as ox

from healthkg.errors import BadRequest

# Strings, IRIs and comments are matched whole so that their brackets do not count.
_TURTLE_TOKEN = re.compile(rb'''
    """(?:[^"\\]|\\.|"(?!""))*"""
   |\'\'\'(?:[^'\\]|\\.|'(?!''))*\'\'\'
   |"(?:[^"\\\n]|\\.)*"
   |'(?:[^'\\\n]|\\.)*'
   |<[^<>"{}|^`\\\s]*>
   |\#[^\n]*
   |(?P<open>[(\[{])
   |(?P<close>[)\]}])
''', re.VERBOSE | re.DOTALL)

_JSON_TOKEN = re.compile(rb'"(?:[^"\\]|\\.)*"|(?P<open>[\[{])|(?P<close>[\]}])', re.DOTALL)

_SCANNERS = {
    ox.RdfFormat.TURTLE: _TURTLE_TOKEN,
    ox.RdfFormat.TRIG: _TURTLE_TOKEN,
    ox.RdfFormat.N3: _TURTLE_TOKEN,
    ox.RdfFormat.JSON_LD: _JSON_TOKEN,
}


def depth(body: bytes, fmt: ox.RdfFormat) -> int:
    """The deepest nesting of brackets in ``body`` (0 for formats that cannot nest)."""
    scanner = _SCANNERS.get(fmt)
    if scanner is None:
        return 0
    level = deepest = 0
    for match in scanner.finditer(body):
        if match.group("open"):
            level += 1
            deepest = max(deepest, level)
        elif match.group("close"):
            level -= 1
    return deepest


def check(body: bytes, fmt: ox.RdfFormat, media_type: str, limit: int) -> None:
    """Refuse (400) a body that nests brackets deeper than ``limit``."""
    found = depth(body, fmt)
    if found > limit:
        raise BadRequest(f"the {media_type} body nests brackets {found} deep; the limit is "
                         f"{limit} (flatten the nested lists or blank nodes)",
                         details={"limit": limit})
