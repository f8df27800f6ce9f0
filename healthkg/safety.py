"""Checks on the raw SPARQL text before any parser or engine sees it.

A small tokenizer skips strings, comments and IRIs, so that a word inside a literal
(``"use SERVICE here"``) is not mistaken for a keyword. It finds:

- the nesting depth of brackets: pyoxigraph's recursive parser crashes the process
  (segmentation fault) at about 5,000 nested parentheses, so nothing deeper than
  ``settings.max_nesting`` may reach it;
- ``SERVICE`` and ``LOAD``: pyoxigraph would make the outbound request itself, and nothing
  can intercept it, so they are refused unless ``allow_service`` is set;
- the operation (a query form or an update), so that an update sent to the query endpoint
  is refused with a clear message;
- whether the query names its own dataset (FROM / FROM NAMED).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from healthkg.config import Settings
from healthkg.errors import BadRequest, PayloadTooLarge, UriTooLong

QUERY_FORMS = frozenset({"SELECT", "CONSTRUCT", "DESCRIBE", "ASK"})
UPDATE_KEYWORDS = frozenset({"INSERT", "DELETE", "LOAD", "CLEAR", "CREATE", "DROP", "COPY",
                             "MOVE", "ADD", "WITH"})
_OPEN = "([{"
_CLOSE = ")]}"

_TOKEN = re.compile(r"""
    (?P<string>'''(?:[^'\\]|\\.|'(?!''))*'''
              |\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"
              |'(?:[^'\\\n\r]|\\.)*'
              |"(?:[^"\\\n\r]|\\.)*")
   |(?P<comment>\#[^\n\r]*)
   |(?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
   |(?P<var>[?$]\w*)
   |(?P<word>[^\s(){}\[\],;'"<>#?$=!&|*/+^-][^\s(){}\[\],;'"<>#?$=!&|*/+^]*)
   |(?P<space>\s+)
   |(?P<other>.)
""", re.VERBOSE | re.DOTALL)

#: The tokenizer, for other modules that must find keywords outside strings and IRIs.
TOKEN = _TOKEN

# Long runs of prefix operators also recurse in the parser ("!!!!...x", "- - - x").
_UNARY = frozenset("!-+^")


@dataclass(frozen=True)
class Analysis:
    """What the tokenizer found in a SPARQL text."""

    operation: str
    """The first keyword after the prologue, upper-case ('SELECT', 'INSERT', ... or '')."""
    depth: int
    """Deepest nesting of brackets (and runs of prefix operators)."""
    service: bool
    load: bool
    has_dataset: bool
    """True when the text has FROM or FROM NAMED."""

    @property
    def is_update(self) -> bool:
        """True when the text is a SPARQL Update rather than a query."""
        return self.operation in UPDATE_KEYWORDS


def analyse(text: str) -> Analysis:
    """Tokenize ``text`` and report its operation, nesting depth and risky keywords."""
    depth = max_depth = 0
    unary_run = 0
    operation = ""
    service = load = has_dataset = False
    for match in _TOKEN.finditer(text):
        kind = match.lastgroup
        if kind in ("space", "comment"):
            continue
        value = match.group()
        if kind == "other" and value in _UNARY:
            unary_run += 1
            max_depth = max(max_depth, depth + unary_run)
            continue
        unary_run = 0
        if kind == "other":
            if value in _OPEN:
                depth += 1
                max_depth = max(max_depth, depth)
            elif value in _CLOSE:
                depth = max(depth - 1, 0)
            continue
        if kind != "word" or ":" in value:
            continue  # strings, IRIs, variables, prefixed names: never keywords
        keyword = value.upper()
        if not operation:
            # The prologue's arguments (a prefixed name, an IRI) are skipped above.
            if keyword in ("PREFIX", "BASE"):
                continue
            operation = keyword
        if keyword == "SERVICE":
            service = True
        elif keyword == "LOAD":
            load = True
        elif keyword == "FROM":
            has_dataset = True
    return Analysis(operation, max_depth, service, load, has_dataset)


def check_length(text: str, settings: Settings, *, in_url: bool) -> None:
    """Refuse a query text over ``settings.max_query_length`` bytes (414 in a URL, else 413)."""
    size = len(text.encode("utf-8"))
    if size > settings.max_query_length:
        message = (f"the query is {size} bytes long; the limit is "
                   f"{settings.max_query_length} bytes")
        if in_url:
            raise UriTooLong(message + " (send long queries with POST)")
        raise PayloadTooLarge(message)


def check_query(text: str, settings: Settings, *, in_url: bool = False) -> Analysis:
    """Check a text sent to the query endpoint; return its analysis or raise BadRequest."""
    check_length(text, settings, in_url=in_url)
    analysis = analyse(text)
    _check_common(analysis, settings)
    if analysis.is_update:
        raise BadRequest(f"{analysis.operation} is a SPARQL Update operation; the query "
                         "endpoint only answers queries (send updates to /update)")
    return analysis


def check_update(text: str, settings: Settings) -> Analysis:
    """Check a text sent to the update endpoint; return its analysis or raise BadRequest."""
    check_length(text, settings, in_url=False)
    analysis = analyse(text)
    _check_common(analysis, settings)
    return analysis


def _check_common(analysis: Analysis, settings: Settings) -> None:
    if analysis.depth > settings.max_nesting:
        raise BadRequest(f"the query nests brackets {analysis.depth} deep; the limit is "
                         f"{settings.max_nesting}", details={"limit": settings.max_nesting})
    if not settings.allow_service:
        if analysis.service:
            raise BadRequest("SERVICE is not allowed: this service makes no outbound "
                             "requests (federated queries are disabled)")
        if analysis.load:
            raise BadRequest("LOAD is not allowed: this service fetches nothing from the "
                             "network or the file system")
