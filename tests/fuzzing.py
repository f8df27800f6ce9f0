"""Inputs of the fuzzing tests: seeds (named queries, W3C protocol test queries, RDF documents
in every format the service reads) and seeded mutations of them."""

from __future__ import annotations

import json
import random
import re
import urllib.parse
from pathlib import Path

import pyoxigraph as ox

from tests.conftest import W3C_PROTOCOL_TESTS
from tests.harness import ROOT

#: Brackets, quotes and punctuation a mutation injects.
INJECTED = ["(", ")", "{", "}", "[", "]", "<", ">", '"', "'", '"""', "\\", "#", ";", ".",
            ",", "?", "$", "@", "^^", "_:", ":", "|", "*", "+", "!", "\0", "\n", "%",
            "SELECT", "WHERE", "OPTIONAL", "UNION", "GRAPH", "FILTER", "VALUES", "BIND",
            "INSERT", "DELETE", "DATA", "SERVICE", "LOAD", "FROM", "@context", "@id",
            "<!ENTITY", "<!DOCTYPE", "&x;", "@prefix", "PREFIX"]
#: Characters from far parts of Unicode: surrogate-free but awkward (RTL, combining, emoji).
UNICODE = ["\u202e", "\u0301", "\ufeff", "\u2028", "\U0001f600", "\u00e9", "\u4e2d", "\ufffd",
           "\u200b", "\U0010fffd", "\u0000", "\x7f", "\u00a0"]
_TOKEN = re.compile(r"\s+|[^\s]+")


def named_queries() -> list[str]:
    """The text of every named query of queries/ and of the test fixtures."""
    paths = sorted((ROOT / "queries").glob("*.rq")) + sorted(
        (ROOT / "tests" / "fixtures" / "queries").glob("*.rq"))
    return [p.read_text(encoding="utf-8") for p in paths]


def _w3c() -> dict[str, object]:
    data: dict[str, object] = json.loads(W3C_PROTOCOL_TESTS.read_text(encoding="utf-8"))
    return data


def w3c_texts() -> tuple[list[str], list[str], list[tuple[str, str]]]:
    """(queries, updates, RDF bodies with their media types) of the W3C protocol tests."""
    queries: list[str] = []
    updates: list[str] = []
    bodies: list[tuple[str, str]] = []
    data = _w3c()
    for section in ("protocol", "gsp_indirect", "gsp_direct"):
        for test in data.get(section, []):  # type: ignore[attr-defined]
            for request in test["requests"]:
                path = request.get("path", "")
                query = urllib.parse.urlsplit(path).query
                params = urllib.parse.parse_qsl(query, keep_blank_values=True)
                body = request.get("body") or ""
                headers = {k.lower(): v for k, v in request.get("headers", [])}
                ctype = headers.get("content-type", "").split(";")[0].strip()
                if ctype == "application/x-www-form-urlencoded":
                    params += urllib.parse.parse_qsl(body, keep_blank_values=True)
                elif ctype == "application/sparql-query":
                    queries.append(body)
                elif ctype == "application/sparql-update":
                    updates.append(body)
                elif body and not ctype.startswith("multipart"):
                    bodies.append((ctype or "text/turtle", body))
                queries += [v for k, v in params if k == "query"]
                updates += [v for k, v in params if k == "update"]
    return [q for q in queries if q], [u for u in updates if u], bodies


#: Formats of the RDF seeds, with the media type each is sent as.
RDF_FORMATS = {
    "text/turtle": ox.RdfFormat.TURTLE,
    "application/trig": ox.RdfFormat.TRIG,
    "application/n-triples": ox.RdfFormat.N_TRIPLES,
    "application/ld+json": ox.RdfFormat.JSON_LD,
    "application/rdf+xml": ox.RdfFormat.RDF_XML,
}


def rdf_seeds() -> list[tuple[str, bytes]]:
    """Small documents of the shipped data in each format the service reads, plus the W3C
    Graph Store test bodies: (media type, bytes)."""
    quads = list(ox.parse(path=str(ROOT / "data" / "facts.trig"), format=ox.RdfFormat.TRIG))
    seeds: list[tuple[str, bytes]] = []
    # Small documents: a mutated one that still parses is validated and written, which is
    # what costs time; most of the fuzzing is about the parsers.
    for start in range(0, 60, 6):
        chunk = quads[start:start + 6]
        triples = [ox.Triple(q.subject, q.predicate, q.object) for q in chunk]
        for media, fmt in RDF_FORMATS.items():
            items = chunk if fmt.supports_datasets else triples
            seeds.append((media, ox.serialize(items, format=fmt) or b""))
    _, _, bodies = w3c_texts()
    seeds += [(media, body.encode("utf-8")) for media, body in bodies
              if media in RDF_FORMATS]
    return seeds


def mutate(text: str, rng: random.Random, extra: list[str] | None = None) -> str:
    """One seeded mutation (sometimes two or three stacked) of a text."""
    for _ in range(rng.choice((1, 1, 1, 2, 3))):
        text = _mutate_once(text, rng, extra or [])
    return text


def _mutate_once(text: str, rng: random.Random, extra: list[str]) -> str:
    if not text:
        return rng.choice(INJECTED)
    how = rng.randrange(10)
    at = rng.randrange(len(text) + 1)
    if how == 0:  # flip bits of one character (kept a valid code point, no surrogates)
        if at == len(text):
            at -= 1
        code = ord(text[at]) ^ (1 << rng.randrange(8))
        if 0xD800 <= code <= 0xDFFF:
            code = 0xFFFD
        return text[:at] + chr(code) + text[at + 1:]
    tokens = _TOKEN.findall(text)
    if how in (1, 2) and len(tokens) > 1:  # delete or duplicate a token
        i = rng.randrange(len(tokens))
        if how == 1:
            return "".join(tokens[:i] + tokens[i + 1:])
        return "".join([*tokens[:i + 1], " ", tokens[i], *tokens[i + 1:]])
    if how == 3 and len(tokens) > 2:  # swap two tokens
        i, j = rng.randrange(len(tokens)), rng.randrange(len(tokens))
        tokens[i], tokens[j] = tokens[j], tokens[i]
        return "".join(tokens)
    if how == 4:  # inject brackets, quotes or keywords
        return text[:at] + rng.choice(INJECTED) * rng.choice((1, 1, 2, 5, 50)) + text[at:]
    if how == 5:  # random unicode
        return text[:at] + "".join(rng.choice(UNICODE) for _ in range(rng.randint(1, 4))) \
            + text[at:]
    if how == 6:  # truncate
        return text[:at]
    if how == 7:  # splice with another seed
        other = rng.choice(extra) if extra else text
        cut = rng.randrange(len(other) + 1)
        return text[:at] + other[cut:]
    if how == 8:  # delete a span
        end = min(len(text), at + rng.randint(1, 40))
        return text[:at] + text[end:]
    # repeat a span
    end = min(len(text), at + rng.randint(1, 20))
    return text[:at] + text[at:end] * rng.randint(2, 6) + text[end:]


def mutate_bytes(data: bytes, rng: random.Random, extra: list[bytes]) -> bytes:
    """A mutation at the byte level (invalid UTF-8 included) or at the text level."""
    if rng.random() < 0.7:
        as_text = data.decode("utf-8", "replace")
        others = [e.decode("utf-8", "replace") for e in extra]
        return mutate(as_text, rng, others).encode("utf-8", "surrogatepass")
    buf = bytearray(data)
    for _ in range(rng.randint(1, 4)):
        if not buf:
            buf.extend(b"\xff")
        at = rng.randrange(len(buf))
        buf[at] ^= 1 << rng.randrange(8)
    return bytes(buf)


def seed_file_names() -> list[Path]:
    """The named-query files used as seeds (for reports)."""
    return sorted((ROOT / "queries").glob("*.rq"))
