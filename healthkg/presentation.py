"""What a person reads on a resource's page: labels, types, grouped properties and sources.

Built from a ``Description``; properties are labelled with the ontology's labels (or, for
reused terms the ontology does not label, their local names in words), values with the
labels of what they name, and each value carries the sources (facts) it comes from.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import pyoxigraph

from healthkg.addresses import Addresses
from healthkg.description import Description
from healthkg.lookup import Term
from healthkg.namespaces import (
    ALT_LABELS,
    EXTERNAL,
    LABELS,
    OWL,
    RDF_TYPE,
    RDFS,
    SKOS,
    curie,
    local_name,
)

#: Properties shown first on a page, in this order; the others follow alphabetically.
FIRST = (SKOS + "prefLabel", SKOS + "altLabel", SKOS + "definition", RDFS + "comment")
#: Languages of labels, the preferred first.
LANGUAGES = ("en", "fr")


@dataclass
class Value:
    """One value of a property as shown: text, a link, and the sources it comes from."""

    text: str
    href: str | None = None
    iri: str | None = None
    language: str | None = None
    external: str | None = None
    """The name of the external registry (ROR, Wikidata, GeoNames) of an identifier."""
    sources: list[int] = field(default_factory=list)


@dataclass
class Group:
    """A property and its values."""

    label: str
    iri: str
    curie: str
    values: list[Value]


@dataclass
class SourceView:
    """A numbered source (fact, inference or linkset) cited on the page."""

    number: int
    href: str
    label: str
    quote: str | None
    start: int | None
    end: int | None
    reasoning: str | None
    origin: str | None


@dataclass
class Page:
    """The view of one resource's page."""

    iri: str
    title: str
    labels: dict[str, list[str]]
    alt_labels: list[tuple[str, str | None]]
    types: list[Value]
    groups: list[Group]
    identifiers: list[Value]
    incoming: list[tuple[Value, Group]]
    sources: list[SourceView]
    graph_content: list[tuple[Value, str, Value]]


def words(name: str) -> str:
    """'hasPlatformSpeciality' -> 'has platform speciality'."""
    spaced = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", name).replace("_", " ").replace("-", " ")
    # Lower-case each word but keep acronyms (ROR, SPARQL) as they are.
    return " ".join(w if w.isupper() and len(w) > 1 else w.lower() for w in spaced.split())


class Labeller:
    """Labels of IRIs from a description's neighbours."""

    def __init__(self, description: Description) -> None:
        self.values = description.neighbours

    def labels(self, iri: str) -> dict[str, list[str]]:
        """Labels by language (skos:prefLabel, then rdfs:label)."""
        out: dict[str, list[str]] = {}
        for prop in LABELS:
            for key, value in self.values.get(iri, []):
                if key == prop and isinstance(value, pyoxigraph.Literal):
                    bucket = out.setdefault(value.language or "", [])
                    if value.value not in bucket:
                        bucket.append(value.value)
        return out

    def label(self, iri: str) -> str:
        """The best label of ``iri`` (English, French, any, or its local name in words)."""
        labels = self.labels(iri)
        for language in (*LANGUAGES, ""):
            if labels.get(language):
                return labels[language][0]
        if labels:
            return next(iter(labels.values()))[0]
        return words(local_name(iri)) if iri.startswith("http") else iri


def _value(term: Term, labeller: Labeller, addresses: Addresses) -> Value:
    if isinstance(term, pyoxigraph.Literal):
        return Value(term.value, language=term.language or None)
    if isinstance(term, pyoxigraph.BlankNode):
        return Value("_:" + term.value)
    iri = term.value
    for prefix, registry in EXTERNAL.items():
        if iri.startswith(prefix):
            return Value(f"{registry} {iri[len(prefix):].strip('/')}", href=iri, iri=iri,
                         external=registry)
    return Value(labeller.label(iri), href=addresses.page(iri), iri=iri)


def build(description: Description, addresses: Addresses) -> Page:
    """The page of a described resource."""
    labeller = Labeller(description)
    me = description.iri
    own: dict[str, list[str]] = {}
    alt: list[tuple[str, str | None]] = []
    types: list[Value] = []
    for statement in description.statements:
        value = statement.object
        if statement.predicate.value in LABELS and isinstance(value, pyoxigraph.Literal):
            bucket = own.setdefault(value.language or "", [])
            if value.value not in bucket:
                bucket.append(value.value)
        elif statement.predicate.value in ALT_LABELS and isinstance(value, pyoxigraph.Literal):
            alt.append((value.value, value.language or None))
        elif statement.predicate.value == RDF_TYPE and isinstance(value, pyoxigraph.NamedNode):
            types.append(_value(value, labeller, addresses))
    title = next((own[lang][0] for lang in (*LANGUAGES, "") if own.get(lang)),
                 words(local_name(me)))
    numbers: dict[str, int] = {}
    sources: list[SourceView] = []
    for graph in sorted({g for s in description.statements for g in s.graphs}):
        source = description.sources.get(graph)
        if source is None or (source.quote is None and source.reasoning is None
                              and source.origin is None):
            continue
        numbers[graph] = len(sources) + 1
        sources.append(SourceView(len(sources) + 1, addresses.page(graph),
                                  source.label or words(local_name(graph)), source.quote,
                                  source.start, source.end, source.reasoning, source.origin))
    groups: dict[str, Group] = {}
    identifiers: list[Value] = []
    for statement in description.statements:
        predicate = statement.predicate.value
        if predicate in (*LABELS, *ALT_LABELS, RDF_TYPE):
            continue
        shown = _value(statement.object, labeller, addresses)
        shown.sources = sorted(numbers[g] for g in statement.graphs if g in numbers)
        if shown.external:
            identifiers.append(shown)
        group = groups.get(predicate)
        if group is None:
            group = groups[predicate] = Group(labeller.label(predicate), predicate,
                                              curie(predicate), [])
        group.values.append(shown)
    ordered = [groups[p] for p in FIRST if p in groups]
    ordered += sorted((g for p, g in groups.items() if p not in FIRST),
                      key=lambda g: (g.label.lower(), g.iri))
    incoming = []
    for subject, link in description.incoming:
        via = Group(labeller.label(link.value), link.value, curie(link.value), [])
        incoming.append((_value(subject, labeller, addresses), via))
    content = [(_value(q.subject, labeller, addresses),  # type: ignore[arg-type]
                labeller.label(q.predicate.value),
                _value(q.object, labeller, addresses))  # type: ignore[arg-type]
               for q in description.graph_content]
    return Page(iri=me, title=title, labels=own, alt_labels=alt,
                types=[t for t in types if t.iri != OWL + "NamedIndividual"],
                groups=ordered, identifiers=identifiers, incoming=incoming,
                sources=sources, graph_content=content)
