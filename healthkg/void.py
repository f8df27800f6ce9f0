"""The VoID and DCAT description of the dataset, computed from the live data.

Counts are of the union of the named graphs (what a query sees by default), each triple
once: ``void:triples`` counts distinct triples, ``void:distinctSubjects`` and
``void:distinctObjects`` distinct terms, each ``void:classPartition`` the distinct
instances of a class (``void:entities``), each ``void:propertyPartition`` the distinct
triples of a property. Linksets are the dataset's own ``void:Linkset`` graphs (ROR,
Wikidata, GeoNames), with the number of links in each.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pyoxigraph

from healthkg.config import BASE_IRI
from healthkg.lookup import integer, select
from healthkg.namespaces import (
    DCAT,
    DCTERMS,
    EXTERNAL,
    FOAF,
    ONTOLOGY,
    RDF_TYPE,
    RDFS,
    RH,
    SD,
    SKOS,
    VOID,
    XSD,
    namespace_of,
)
from healthkg.store.base import Store

DOCUMENT = BASE_IRI + ".well-known/void"
DATASET = DOCUMENT + "#dataset"
CC_BY = "https://creativecommons.org/licenses/by/4.0/"

TOTALS = """
SELECT (COUNT(*) AS ?triples) (COUNT(DISTINCT ?s) AS ?subjects)
       (COUNT(DISTINCT ?o) AS ?objects) (COUNT(DISTINCT ?p) AS ?properties)
WHERE { SELECT DISTINCT ?s ?p ?o WHERE { ?s ?p ?o } }
"""
QUADS = "SELECT (COUNT(*) AS ?quads) (COUNT(DISTINCT ?g) AS ?graphs) " \
        "WHERE { GRAPH ?g { ?s ?p ?o } }"
CLASSES = f"""
SELECT ?c (COUNT(DISTINCT ?s) AS ?n) WHERE {{ ?s <{RDF_TYPE}> ?c }} GROUP BY ?c ORDER BY ?c
"""
PROPERTIES = """
SELECT ?p (COUNT(*) AS ?n) WHERE { SELECT DISTINCT ?s ?p ?o WHERE { ?s ?p ?o } }
GROUP BY ?p ORDER BY ?p
"""
LINKSETS = f"""
SELECT ?ls ?n ?example (SAMPLE(?l) AS ?label) (SAMPLE(?lp) AS ?predicate) WHERE {{
  {{ SELECT ?ls (COUNT(*) AS ?n) (SAMPLE(?o) AS ?example) WHERE {{
      GRAPH ?ls {{ ?s ?p ?o }} FILTER EXISTS {{ ?ls <{RDF_TYPE}> <{VOID}Linkset> }}
  }} GROUP BY ?ls }}
  OPTIONAL {{ ?ls <{SKOS}prefLabel> ?l }}
  OPTIONAL {{ ?ls <{VOID}linkPredicate> ?lp }}
}} GROUP BY ?ls ?n ?example ORDER BY ?ls
"""
META = f"""
SELECT ?license ?source ?root WHERE {{
  OPTIONAL {{ <{ONTOLOGY}> <{DCTERMS}license> ?license }}
  OPTIONAL {{ ?source <{RDF_TYPE}> <{RH}SourceDocument> }}
  OPTIONAL {{ ?root <{RDF_TYPE}> <{RH}Cluster> }}
}} LIMIT 1
"""

#: The external datasets linksets point to.
TARGETS = {"ROR": "https://ror.org/", "Wikidata": "https://www.wikidata.org/",
           "GeoNames": "https://www.geonames.org/"}


@dataclass
class Linkset:
    """One linkset of the dataset."""

    iri: str
    label: str
    predicate: str | None
    links: int
    target: str | None


@dataclass
class Statistics:
    """What the description says, computed from the store."""

    triples: int
    subjects: int
    objects: int
    properties: int
    quads: int
    graphs: int
    classes: list[tuple[str, int]]
    property_counts: list[tuple[str, int]]
    linksets: list[Linkset]
    license: str
    source: str | None
    root: str | None
    vocabularies: list[str] = field(default_factory=list)


def compute(store: Store, *, timeout: float) -> Statistics:
    """Count everything the description states."""
    totals = select(store, TOTALS, timeout=timeout)[0]
    quads = select(store, QUADS, timeout=timeout)[0]
    classes = [(row["c"].value, integer(row, "n"))
               for row in select(store, CLASSES, timeout=timeout)
               if isinstance(row.get("c"), pyoxigraph.NamedNode)]
    properties = [(row["p"].value, integer(row, "n"))
                  for row in select(store, PROPERTIES, timeout=timeout)]
    linksets = []
    for row in select(store, LINKSETS, timeout=timeout):
        example = row.get("example")
        target = None
        if isinstance(example, pyoxigraph.NamedNode):
            target = next((name for prefix, name in EXTERNAL.items()
                           if example.value.startswith(prefix)), None)
        label, predicate = row.get("label"), row.get("predicate")
        linksets.append(Linkset(row["ls"].value, label.value if label else row["ls"].value,
                                predicate.value if predicate else None, integer(row, "n"),
                                target))
    meta = select(store, META, timeout=timeout)
    first = meta[0] if meta else {}
    license_term, source, root = first.get("license"), first.get("source"), first.get("root")
    vocabularies = sorted({namespace_of(iri) for iri, _ in classes + properties})
    return Statistics(
        triples=integer(totals, "triples"), subjects=integer(totals, "subjects"),
        objects=integer(totals, "objects"), properties=integer(totals, "properties"),
        quads=integer(quads, "quads"), graphs=integer(quads, "graphs"), classes=classes,
        property_counts=properties, linksets=linksets,
        license=license_term.value if license_term else CC_BY,
        source=source.value if source else None, root=root.value if root else None,
        vocabularies=vocabularies)


def _n(value: str) -> pyoxigraph.NamedNode:
    return pyoxigraph.NamedNode(value)


def _int(value: int) -> pyoxigraph.Literal:
    return pyoxigraph.Literal(str(value), datatype=_n(XSD + "integer"))


def triples(stats: Statistics, public_base: str,
            dumps: dict[str, str]) -> list[pyoxigraph.Triple]:
    """The description as triples; ``dumps`` maps media types to their file suffixes."""
    T = pyoxigraph.Triple  # noqa: N806 - reads like the Turtle it makes
    ds = _n(DATASET)
    doc = _n(DOCUMENT)
    a = _n(RDF_TYPE)
    out = [
        T(doc, a, _n(VOID + "DatasetDescription")),
        T(doc, _n(FOAF + "primaryTopic"), ds),
        T(ds, a, _n(VOID + "Dataset")),
        T(ds, a, _n(DCAT + "Dataset")),
        T(ds, _n(DCTERMS + "title"), pyoxigraph.Literal(
            "The Rennes health technologies and sciences cluster", language="en")),
        T(ds, _n(DCTERMS + "title"), pyoxigraph.Literal(
            "Le pôle santé de Rennes : technologies et sciences de la santé", language="fr")),
        T(ds, _n(DCTERMS + "description"), pyoxigraph.Literal(
            "A knowledge graph of the health technologies and sciences cluster of Rennes: "
            "networks, member organisations, platforms, research areas, places and counts, "
            "every fact with the quote of the source document it comes from.",
            language="en")),
        T(ds, _n(DCTERMS + "license"), _n(stats.license)),
        T(ds, _n(VOID + "sparqlEndpoint"), _n(public_base + "sparql")),
        T(ds, _n(VOID + "uriSpace"), pyoxigraph.Literal(BASE_IRI + "id/")),
        T(ds, _n(DCAT + "landingPage"), _n(public_base)),
        T(ds, _n(VOID + "triples"), _int(stats.triples)),
        T(ds, _n(VOID + "distinctSubjects"), _int(stats.subjects)),
        T(ds, _n(VOID + "distinctObjects"), _int(stats.objects)),
        T(ds, _n(VOID + "properties"), _int(stats.properties)),
        T(ds, _n(VOID + "classes"), _int(len(stats.classes))),
        T(ds, _n(RDFS + "comment"), pyoxigraph.Literal(
            f"Counts are of the union of the {stats.graphs} named graphs, each triple once; "
            f"the store holds {stats.quads} quads.", language="en")),
    ]
    if stats.source:
        out.append(T(ds, _n(DCTERMS + "source"), _n(stats.source)))
    if stats.root:
        out.append(T(ds, _n(VOID + "rootResource"), _n(stats.root)))
    for vocabulary in stats.vocabularies:
        out.append(T(ds, _n(VOID + "vocabulary"), _n(vocabulary)))
    service = _n(public_base + "sparql")
    out += [T(service, a, _n(DCAT + "DataService")),
            T(service, a, _n(SD + "Service")),
            T(service, _n(DCAT + "endpointURL"), service),
            T(service, _n(DCAT + "servesDataset"), ds),
            T(ds, _n(DCAT + "accessService"), service)]
    for media_type, suffix in dumps.items():
        for gz in (False, True):
            name = f"dump-{suffix}" + ("-gz" if gz else "")
            dist = _n(f"{DOCUMENT}#{name}")
            url = _n(f"{public_base}dump.{suffix}" + (".gz" if gz else ""))
            out += [T(ds, _n(DCAT + "distribution"), dist),
                    T(dist, a, _n(DCAT + "Distribution")),
                    T(dist, _n(DCAT + "downloadURL"), url),
                    T(dist, _n(DCAT + "mediaType"),
                      _n("https://www.iana.org/assignments/media-types/" + media_type)),
                    T(dist, _n(DCTERMS + "license"), _n(stats.license))]
            if gz:
                out.append(T(dist, _n(DCAT + "compressFormat"), _n(
                    "https://www.iana.org/assignments/media-types/application/gzip")))
            else:
                out.append(T(ds, _n(VOID + "dataDump"), url))
    for index, (cls, count) in enumerate(stats.classes):
        node = _n(f"{DOCUMENT}#class-{index}")
        out += [T(ds, _n(VOID + "classPartition"), node), T(node, _n(VOID + "class"), _n(cls)),
                T(node, _n(VOID + "entities"), _int(count))]
    for index, (prop, count) in enumerate(stats.property_counts):
        node = _n(f"{DOCUMENT}#property-{index}")
        out += [T(ds, _n(VOID + "propertyPartition"), node),
                T(node, _n(VOID + "property"), _n(prop)),
                T(node, _n(VOID + "triples"), _int(count))]
    for linkset in stats.linksets:
        node = _n(linkset.iri)
        out += [T(ds, _n(VOID + "subset"), node), T(node, a, _n(VOID + "Linkset")),
                T(node, _n(VOID + "subjectsTarget"), ds),
                T(node, _n(VOID + "triples"), _int(linkset.links)),
                T(node, _n(SKOS + "prefLabel"), pyoxigraph.Literal(linkset.label,
                                                                   language="en"))]
        if linkset.predicate:
            out.append(T(node, _n(VOID + "linkPredicate"), _n(linkset.predicate)))
        if linkset.target and linkset.target in TARGETS:
            target = _n(TARGETS[linkset.target])
            out += [T(node, _n(VOID + "objectsTarget"), target),
                    T(target, a, _n(VOID + "Dataset")),
                    T(target, _n(DCTERMS + "title"), pyoxigraph.Literal(linkset.target))]
    return out
