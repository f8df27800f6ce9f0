"""Namespaces used by the linked-data documents, and the prefixes they are written with."""

from __future__ import annotations

from healthkg.config import BASE_IRI

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
XSD = "http://www.w3.org/2001/XMLSchema#"
OWL = "http://www.w3.org/2002/07/owl#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
ORG = "http://www.w3.org/ns/org#"
PROV = "http://www.w3.org/ns/prov#"
OA = "http://www.w3.org/ns/oa#"
SCHEMA = "https://schema.org/"
VIVO = "http://vivoweb.org/ontology/core#"
DCTERMS = "http://purl.org/dc/terms/"
DCAT = "http://www.w3.org/ns/dcat#"
VOID = "http://rdfs.org/ns/void#"
FOAF = "http://xmlns.com/foaf/0.1/"
HYDRA = "http://www.w3.org/ns/hydra/core#"
SH = "http://www.w3.org/ns/shacl#"
SD = "http://www.w3.org/ns/sparql-service-description#"
RH = BASE_IRI + "def#"

RDF_TYPE = RDF + "type"
PROVENANCE_GRAPH = BASE_IRI + "id/graph/provenance"
ONTOLOGY = BASE_IRI + "def"
SHAPES = BASE_IRI + "shapes"

#: Prefixes of the documents (Turtle, TriG, JSON-LD contexts), most specific first.
PREFIXES: dict[str, str] = {
    "rh": RH,
    "rhs": BASE_IRI + "shapes#",
    "rdf": RDF,
    "rdfs": RDFS,
    "xsd": XSD,
    "owl": OWL,
    "skos": SKOS,
    "org": ORG,
    "prov": PROV,
    "oa": OA,
    "schema": SCHEMA,
    "vivo": VIVO,
    "dcterms": DCTERMS,
    "dcat": DCAT,
    "void": VOID,
    "foaf": FOAF,
    "hydra": HYDRA,
    "sh": SH,
}

#: Properties that label a resource, the preferred first.
LABELS = (SKOS + "prefLabel", RDFS + "label")
ALT_LABELS = (SKOS + "altLabel",)

#: Hosts of the external identifiers shown as links, with their names.
EXTERNAL = {
    "https://ror.org/": "ROR",
    "http://www.wikidata.org/entity/": "Wikidata",
    "https://www.wikidata.org/wiki/": "Wikidata",
    "https://sws.geonames.org/": "GeoNames",
    "http://sws.geonames.org/": "GeoNames",
}


def curie(iri: str) -> str:
    """The shortest prefixed name of ``iri``, or the IRI itself."""
    for prefix, namespace in PREFIXES.items():
        if iri.startswith(namespace) and len(iri) > len(namespace):
            local = iri[len(namespace):]
            if local.replace("-", "").replace("_", "").replace(".", "").isalnum():
                return f"{prefix}:{local}"
    return iri


def local_name(iri: str) -> str:
    """The part of an IRI after its last '#' or '/'."""
    for sep in ("#", "/"):
        if sep in iri.rstrip(sep):
            iri = iri.rstrip(sep).rsplit(sep, 1)[1]
    return iri


def namespace_of(iri: str) -> str:
    """The namespace of an IRI: everything up to its last '#' or '/'."""
    cut = max(iri.rfind("#"), iri.rfind("/"))
    return iri[:cut + 1] if cut >= 0 else iri
