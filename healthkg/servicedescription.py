"""The SPARQL 1.1 Service Description of the endpoint (served at GET /sparql without a query).

It states the endpoint, the language, every result format, and — the one choice a client
must know — that the default graph a query sees is the union of all named graphs
(``sd:UnionDefaultGraph``), not an empty or separate graph.
"""

from __future__ import annotations

import pyoxigraph

from healthkg import negotiation
from healthkg.config import Settings

SD = "http://www.w3.org/ns/sparql-service-description#"
FORMATS = "http://www.w3.org/ns/formats/"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
DCTERMS = "http://purl.org/dc/terms/"
RDFS_COMMENT = "http://www.w3.org/2000/01/rdf-schema#comment"
ENTAILMENT_SIMPLE = "http://www.w3.org/ns/entailment/Simple"

#: Media types offered for the description itself, the default first.
OFFERED = (negotiation.TURTLE, negotiation.JSON_LD, negotiation.RDF_XML, negotiation.N_TRIPLES)

_RESULT_FORMATS = ("SPARQL_Results_JSON", "SPARQL_Results_XML", "SPARQL_Results_CSV",
                   "SPARQL_Results_TSV", "Turtle", "N-Triples", "RDF_XML", "JSON-LD",
                   "N-Quads", "TriG")

_RDF_FORMATS = negotiation.RDF_FORMATS


def triples(endpoint: str, settings: Settings) -> list[pyoxigraph.Triple]:
    """The description of the endpoint at URL ``endpoint`` as triples."""
    service = pyoxigraph.NamedNode(endpoint)
    dataset = pyoxigraph.BlankNode("dataset")
    default_graph = pyoxigraph.BlankNode("defaultGraph")

    def iri(value: str) -> pyoxigraph.NamedNode:
        return pyoxigraph.NamedNode(value)

    out = [
        pyoxigraph.Triple(service, iri(RDF_TYPE), iri(SD + "Service")),
        pyoxigraph.Triple(service, iri(SD + "endpoint"), service),
        pyoxigraph.Triple(service, iri(SD + "supportedLanguage"), iri(SD + "SPARQL11Query")),
        pyoxigraph.Triple(service, iri(SD + "feature"), iri(SD + "UnionDefaultGraph")),
        pyoxigraph.Triple(service, iri(SD + "defaultEntailmentRegime"),
                          iri(ENTAILMENT_SIMPLE)),
        pyoxigraph.Triple(service, iri(DCTERMS + "title"), pyoxigraph.Literal(
            "SPARQL endpoint of the Rennes health technologies and sciences cluster "
            "knowledge graph", language="en")),
        pyoxigraph.Triple(service, iri(SD + "defaultDataset"), dataset),
        pyoxigraph.Triple(dataset, iri(RDF_TYPE), iri(SD + "Dataset")),
        pyoxigraph.Triple(dataset, iri(SD + "defaultGraph"), default_graph),
        pyoxigraph.Triple(default_graph, iri(RDF_TYPE), iri(SD + "Graph")),
        pyoxigraph.Triple(dataset, iri(RDFS_COMMENT), pyoxigraph.Literal(
            "Nothing is stored in the default graph: each fact is in its own named graph, "
            "and a query sees the union of all named graphs as its default graph "
            "(sd:UnionDefaultGraph). default-graph-uri and named-graph-uri restrict the "
            "dataset and take precedence over FROM and FROM NAMED, which never fetch "
            "anything.", language="en")),
    ]
    # The VoID/DCAT description of the dataset (served at /.well-known/void).
    root = endpoint.rstrip("/").rsplit("/", 1)[0] + "/"
    out.append(pyoxigraph.Triple(dataset, iri("http://www.w3.org/2000/01/rdf-schema#seeAlso"),
                                 iri(root + ".well-known/void")))
    if settings.allow_service:
        out.append(pyoxigraph.Triple(service, iri(SD + "feature"),
                                     iri(SD + "BasicFederatedQuery")))
    out += [pyoxigraph.Triple(service, iri(SD + "resultFormat"), iri(FORMATS + name))
            for name in _RESULT_FORMATS]
    return out


def describe(endpoint: str, settings: Settings, media_type: str) -> bytes:
    """The description serialised as ``media_type`` (one of ``OFFERED``)."""
    prefixes = {"sd": SD, "formats": FORMATS, "dcterms": DCTERMS}
    body = pyoxigraph.serialize(triples(endpoint, settings), format=_RDF_FORMATS[media_type],
                                prefixes=prefixes if media_type == negotiation.TURTLE
                                else None)
    return body or b""
