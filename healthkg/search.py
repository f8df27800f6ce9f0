"""Search over labels and alternative labels: accent- and case-insensitive, prefix, ranked.

The index is built from one SPARQL query (through the Store interface) and kept per
dataset version. Ranking: the whole label equals the query, then a label starting with
it, then a word of the label starting with it, then the query anywhere in the label;
within a rank, preferred labels before alternative ones, shorter labels first.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

import pyoxigraph

from healthkg.lookup import select
from healthkg.namespaces import RDF_TYPE, RDFS, SKOS
from healthkg.store.base import Store

LABELS = f"""
SELECT DISTINCT ?s ?k ?label WHERE {{
  ?s ?k ?label .
  VALUES ?k {{ <{SKOS}prefLabel> <{SKOS}altLabel> <{RDFS}label> }}
  FILTER(isIRI(?s) && isLiteral(?label))
}}
"""

TYPES = f"SELECT DISTINCT ?s ?t WHERE {{ ?s <{RDF_TYPE}> ?t FILTER(isIRI(?s)) }}"

EXACT, PREFIX, WORD_PREFIX, SUBSTRING = 0, 1, 2, 3
RANK_NAMES = {EXACT: "exact", PREFIX: "prefix", WORD_PREFIX: "word-prefix",
              SUBSTRING: "substring"}
_WORD = re.compile(r"[\w]+")


def normalise(text: str) -> str:
    """Lower case without accents, spaces collapsed: 'Cancéropôle' -> 'canceropole'."""
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(stripped.casefold().split())


@dataclass(frozen=True)
class Entry:
    """One label of one resource."""

    iri: str
    label: str
    language: str
    preferred: bool
    key: str
    words: tuple[str, ...]


@dataclass
class Hit:
    """A resource found, with the label that matched best."""

    iri: str
    label: str
    matched: str
    language: str
    rank: int
    types: list[str] = field(default_factory=list)

    def to_dict(self, url: str) -> dict[str, object]:
        """The hit as JSON."""
        return {"iri": self.iri, "url": url, "label": self.label, "matched": self.matched,
                "language": self.language or None, "match": RANK_NAMES[self.rank],
                "types": self.types}


class LabelIndex:
    """Every label of the dataset, normalised for matching."""

    def __init__(self, entries: list[Entry], types: dict[str, list[str]]) -> None:
        self.entries = entries
        self.types = types
        self.display: dict[str, str] = {}
        for entry in sorted(entries, key=lambda e: (not e.preferred, e.language != "en")):
            self.display.setdefault(entry.iri, entry.label)

    @classmethod
    def build(cls, store: Store, *, timeout: float) -> LabelIndex:
        """Read the labels and types from the store."""
        entries = []
        for row in select(store, LABELS, timeout=timeout):
            label = row["label"]
            if not isinstance(label, pyoxigraph.Literal):
                continue
            key = normalise(label.value)
            entries.append(Entry(row["s"].value, label.value, label.language or "",
                                 row["k"].value != SKOS + "altLabel", key,
                                 tuple(_WORD.findall(key))))
        types: dict[str, list[str]] = {}
        for row in select(store, TYPES, timeout=timeout):
            types.setdefault(row["s"].value, []).append(row["t"].value)
        return cls(entries, types)

    @staticmethod
    def _rank(entry: Entry, query: str) -> int | None:
        if entry.key == query:
            return EXACT
        if entry.key.startswith(query):
            return PREFIX
        if any(word.startswith(query) for word in entry.words) or \
                (" " in query and f" {query}" in f" {entry.key}"):
            return WORD_PREFIX
        if query in entry.key:
            return SUBSTRING
        return None

    def search(self, text: str, limit: int = 50) -> list[Hit]:
        """The best hits for ``text``, one per resource, best first."""
        query = normalise(text)
        if not query:
            return []
        best: dict[str, tuple[tuple[int, bool, int, str], Entry, int]] = {}
        for entry in self.entries:
            rank = self._rank(entry, query)
            if rank is None:
                continue
            order = (rank, not entry.preferred, len(entry.key), entry.key)
            if entry.iri not in best or order < best[entry.iri][0]:
                best[entry.iri] = (order, entry, rank)
        ranked = sorted(best.values(), key=lambda item: (item[0], item[1].iri))[:limit]
        return [Hit(entry.iri, self.display.get(entry.iri, entry.label), entry.label,
                    entry.language, rank, self.types.get(entry.iri, []))
                for _, entry, rank in ranked]
