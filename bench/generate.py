"""Synthetic cluster graphs for benchmarks: deterministic, in the project's ontology, valid.

``python -m bench.generate --triples N --seed S --out DIR`` writes ``DIR/synthetic.nq`` (about
N quads, within a few per cent) and ``DIR/source.txt``, the generated source text the facts
quote with their character offsets. The same seed and size give the same bytes.

The graph has the shape of the real one, scaled: networks (``org:OrganizationalCollaboration``)
with member organisations and their roles (``org:Membership``), units and teams of each
organisation (memberships with unit and team roles), people who are members of teams
(``prov:Agent`` with ``org:memberOf``), technological platforms with their specialities,
research areas in a SKOS hierarchy (``skos:broader``), counts with their wording and
qualifier (a lower bound part of an exact whole; a platform count equal to the platforms
linked), English and French labels, and, for every fact, its own named graph and a
provenance node with the quote and its offsets into ``source.txt``. Everything is
synthetic and says so in its labels: these are benchmark data, not facts of the cluster.
"""

from __future__ import annotations

import argparse
import hashlib
import random
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from healthkg.config import BASE_IRI
from healthkg.namespaces import (
    DCTERMS,
    OA,
    ORG,
    PROV,
    RDF_TYPE,
    RH,
    SCHEMA,
    SKOS,
    VIVO,
    XSD,
)

BASE = BASE_IRI
ID = BASE + "id/"

NQUADS = "synthetic.nq"
SOURCE = "source.txt"
PROVENANCE_GRAPH = ID + "graph/synthetic-provenance"

#: Research areas (a two-level hierarchy under these broader areas) and platform specialities:
#: generic words of the field, combined into synthetic concept labels.
AREAS = [("genomics", "génomique"), ("imaging", "imagerie"), ("oncology", "oncologie"),
         ("cardiology", "cardiologie"), ("hepatology", "hépatologie"),
         ("bioinformatics", "bio-informatique"), ("toxicology", "toxicologie"),
         ("nutrition", "nutrition"), ("proteomics", "protéomique"),
         ("neurosciences", "neurosciences")]
ASPECTS = [("clinical", "clinique"), ("molecular", "moléculaire"), ("computational",
           "computationnelle"), ("translational", "translationnelle")]
SPECIALITIES = [("sequencing", "séquençage"), ("mass spectrometry", "spectrométrie de masse"),
                ("microscopy", "microscopie"), ("cytometry", "cytométrie"),
                ("magnetic resonance imaging", "imagerie par résonance magnétique"),
                ("animal housing", "animalerie"), ("data analysis", "analyse de données"),
                ("structural biology", "biologie structurale")]
ROLES = [("member organisation", "organisation membre"), ("founding member", "membre fondateur"),
         ("associate member", "membre associé"), ("unit", "unité"), ("team", "équipe")]
REGIONS = [("North region", "Région nord"), ("South region", "Région sud"),
           ("East region", "Région est"), ("West region", "Région ouest"),
           ("Central region", "Région centre")]


def iri(path: str) -> str:
    """The N-Triples form of an IRI under ``id/``."""
    return f"<{ID}{path}>"


def term(namespace: str, local: str) -> str:
    """The N-Triples form of a vocabulary term."""
    return f"<{namespace}{local}>"


def literal(text: str, lang: str | None = None, datatype: str | None = None) -> str:
    """The N-Triples form of a literal."""
    escaped = (text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
               .replace("\r", "\\r"))
    if lang:
        return f'"{escaped}"@{lang}'
    if datatype:
        return f'"{escaped}"^^<{datatype}>'
    return f'"{escaped}"'


def integer(value: int) -> str:
    """An xsd:integer literal."""
    return literal(str(value), datatype=XSD + "integer")


A = f"<{RDF_TYPE}>"
PREF = term(SKOS, "prefLabel")


@dataclass
class Writer:
    """Accumulates N-Quads lines and the source text the facts quote."""

    seed: int
    lines: list[str] = field(default_factory=list)
    text: list[str] = field(default_factory=list)
    offset: int = 0

    def quad(self, s: str, p: str, o: str, g: str) -> None:
        """Add one quad."""
        self.lines.append(f"{s} {p} {o} {g} .\n")

    def labels(self, s: str, en: str, fr: str | None, g: str) -> None:
        """English (and French) preferred labels."""
        self.quad(s, PREF, literal(en, "en"), g)
        if fr is not None:
            self.quad(s, PREF, literal(fr, "fr"), g)

    def fact(self, slug: str, summary: str, sentence: str) -> str:
        """Append ``sentence`` to the source text and describe its fact; return the graph."""
        start = self.offset
        self.text.append(sentence + "\n")
        self.offset += len(sentence) + 1
        fact = iri(f"fact/{slug}")
        target, position, quote = (iri(f"target/{slug}"), iri(f"selector/{slug}-position"),
                                   iri(f"selector/{slug}-quote"))
        g = f"<{PROVENANCE_GRAPH}>"
        source = iri(f"source/synthetic-cluster-{self.seed}")
        self.quad(fact, A, term(RH, "SourceFact"), g)
        self.quad(fact, PREF, literal(summary, "en"), g)
        self.quad(fact, term(PROV, "wasQuotedFrom"), source, g)
        self.quad(fact, term(PROV, "value"), literal(sentence), g)
        self.quad(fact, term(OA, "hasTarget"), target, g)
        self.quad(target, A, term(OA, "SpecificResource"), g)
        self.quad(target, term(OA, "hasSource"), source, g)
        self.quad(target, term(OA, "hasSelector"), position, g)
        self.quad(target, term(OA, "hasSelector"), quote, g)
        self.quad(position, A, term(OA, "TextPositionSelector"), g)
        self.quad(position, term(OA, "start"), integer(start), g)
        self.quad(position, term(OA, "end"), integer(start + len(sentence)), g)
        self.quad(quote, A, term(OA, "TextQuoteSelector"), g)
        self.quad(quote, term(OA, "exact"), literal(sentence), g)
        return fact


def _scheme(w: Writer, slug: str, en: str, fr: str, concepts: list[tuple[str, str, str]],
            g: str) -> None:
    scheme = iri(f"scheme/{slug}")
    w.quad(scheme, A, term(SKOS, "ConceptScheme"), g)
    w.labels(scheme, en, fr, g)
    for concept_slug, cen, cfr in concepts:
        concept = iri(f"concept/{concept_slug}")
        w.quad(concept, A, term(SKOS, "Concept"), g)
        w.quad(concept, term(SKOS, "inScheme"), scheme, g)
        w.labels(concept, cen, cfr, g)


def _many(number: int, noun: str) -> str:
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"


def _slug(text: str) -> str:
    return "-".join("".join(c if c.isalnum() else " " for c in text.lower()).split())


def _header(w: Writer) -> None:
    """The source document, the concept schemes and the places every network refers to."""
    g = iri("graph/synthetic-vocabularies")
    prov = f"<{PROVENANCE_GRAPH}>"
    source = iri(f"source/synthetic-cluster-{w.seed}")
    title = f"Synthetic health cluster (benchmark data, seed {w.seed})"
    w.quad(source, A, term(RH, "SourceDocument"), prov)
    w.quad(source, A, term(PROV, "Entity"), prov)
    w.labels(source, title, None, prov)
    w.quad(source, term(DCTERMS, "title"), literal(title, "en"), prov)
    w.quad(source, term(DCTERMS, "language"), literal("en"), prov)
    w.quad(source, term(RH, "localCopy"), literal(SOURCE), prov)
    areas = []
    for en, fr in AREAS:
        areas.append((f"syn-area-{_slug(en)}", en.capitalize(), fr.capitalize()))
        for aen, afr in ASPECTS:
            areas.append((f"syn-area-{_slug(aen)}-{_slug(en)}", f"{aen.capitalize()} {en}",
                          f"{fr.capitalize()} {afr}"))
    _scheme(w, "syn-research-areas", "Research areas (synthetic)",
            "Domaines de recherche (synthétiques)", areas, g)
    for en, _fr in AREAS:
        for aen, _afr in ASPECTS:
            w.quad(iri(f"concept/syn-area-{_slug(aen)}-{_slug(en)}"), term(SKOS, "broader"),
                   iri(f"concept/syn-area-{_slug(en)}"), g)
    _scheme(w, "syn-platform-specialities", "Platform specialities (synthetic)",
            "Spécialités des plateformes (synthétiques)",
            [(f"syn-speciality-{_slug(en)}", en.capitalize(), fr.capitalize())
             for en, fr in SPECIALITIES], g)
    _scheme(w, "syn-membership-roles", "Membership roles (synthetic)",
            "Rôles des adhésions (synthétiques)",
            [(f"syn-role-{_slug(en)}", en.capitalize(), fr.capitalize()) for en, fr in ROLES], g)
    for en, _fr in ROLES:
        w.quad(iri(f"concept/syn-role-{_slug(en)}"), A, term(ORG, "Role"), g)
    _scheme(w, "syn-counted-kinds", "Counted kinds (synthetic)",
            "Choses dénombrées (synthétiques)",
            [("syn-kind-member", "Member organisation", "Organisation membre"),
             ("syn-kind-researcher", "Researcher", "Chercheur"),
             ("syn-kind-person", "Person", "Personne"),
             ("syn-kind-platform", "Technological platform", "Plateforme technologique")], g)
    for en, fr in REGIONS:
        place = iri(f"place/syn-{_slug(en)}")
        w.quad(place, A, term(SCHEMA, "AdministrativeArea"), g)
        w.labels(place, f"{en} (synthetic)", f"{fr} (synthétique)", g)


def _count(w: Writer, slug: str, owner: str, kind: str, label: str, wording: str,
           value: int, g: str, fact: str, *, lower_bound: bool = False,
           part_of: str | None = None, counted_class: str | None = None) -> str:
    count = iri(f"count/{slug}")
    w.quad(owner, term(RH, "hasCount"), count, g)
    w.quad(count, A, term(RH, "Count"), g)
    w.labels(count, label, None, g)
    w.quad(count, term(RH, "counts"), iri(f"concept/syn-kind-{kind}"), g)
    if counted_class:
        w.quad(count, term(RH, "countedClass"), term(RH, counted_class), g)
    if lower_bound:
        w.quad(count, term(SCHEMA, "minValue"), integer(value), g)
        w.quad(count, term(RH, "qualifier"), term(RH, "LowerBound"), g)
    else:
        w.quad(count, term(SCHEMA, "value"), integer(value), g)
        w.quad(count, term(RH, "qualifier"), term(RH, "Exact"), g)
    w.quad(count, term(RH, "wording"), literal(wording, "en"), g)
    if part_of:
        w.quad(count, term(RH, "partOfCount"), part_of, g)
    w.quad(count, term(PROV, "wasDerivedFrom"), fact, g)
    return count


def _membership(w: Writer, slug: str, member: str, organisation: str, role: str,
                label: str, g: str, fact: str) -> None:
    m = iri(f"membership/{slug}")
    w.quad(m, A, term(ORG, "Membership"), g)
    w.labels(m, label, None, g)
    w.quad(m, term(ORG, "member"), member, g)
    w.quad(m, term(ORG, "organization"), organisation, g)
    w.quad(m, term(ORG, "role"), iri(f"concept/syn-role-{_slug(role)}"), g)
    w.quad(m, term(PROV, "wasDerivedFrom"), fact, g)


def _network(w: Writer, rng: random.Random, n: int) -> Iterator[None]:
    """One network; yields after each member organisation (so the caller can stop)."""
    members = rng.randint(4, 24)
    region_en, _ = REGIONS[n % len(REGIONS)]
    net_slug = f"syn-net-{n}"
    network = iri(f"org/{net_slug}")
    sentence = (f"Synthetic network {n} brings together {members} member organisations "
                f"in the {region_en.lower()}.")
    fact = w.fact(net_slug, f"Synthetic network {n} has {members} member organisations.",
                  sentence)
    g = fact
    w.quad(network, A, term(ORG, "OrganizationalCollaboration"), g)
    w.labels(network, f"Synthetic network {n}", f"Réseau synthétique {n}", g)
    w.quad(network, term(SCHEMA, "areaServed"), iri(f"place/syn-{_slug(region_en)}"), g)
    for area_en, _ in rng.sample(AREAS, 2):
        w.quad(network, term(VIVO, "hasResearchArea"),
               iri(f"concept/syn-area-{_slug(area_en)}"), g)
    _count(w, f"{net_slug}-members", network, "member",
           f"Member organisations of synthetic network {n}", f"{members} member organisations",
           members, g, fact)
    yield None
    for k in range(members):
        yield from _organisation(w, rng, n, k, network)


def _organisation(w: Writer, rng: random.Random, n: int, k: int,
                  network: str) -> Iterator[None]:
    slug = f"syn-org-{n}-{k}"
    org = iri(f"org/{slug}")
    units, platforms = rng.randint(1, 3), rng.randint(0, 3)
    people = rng.randint(20, 400)
    researchers = max(1, people * rng.randint(30, 80) // 100)
    role_en = ROLES[rng.randrange(3)][0]
    sentence = (f"Organisation {n}-{k} is a {role_en} of synthetic network {n}; it has "
                f"{_many(units, 'unit')}, {_many(platforms, 'technological platform')} and "
                f"{people} people, "
                f"of whom just over {researchers} are researchers.")
    fact = w.fact(slug, f"Organisation {n}-{k}: role, units, platforms and people.", sentence)
    g = fact
    w.quad(org, A, term(ORG, "FormalOrganization"), g)
    w.labels(org, f"Organisation {n}-{k} (synthetic)", f"Organisation synthétique {n}-{k}", g)
    w.quad(org, term(SCHEMA, "location"),
           iri(f"place/syn-{_slug(REGIONS[(n + k) % len(REGIONS)][0])}"), g)
    area_en, _ = AREAS[rng.randrange(len(AREAS))]
    aspect_en, _ = ASPECTS[rng.randrange(len(ASPECTS))]
    w.quad(org, term(VIVO, "hasResearchArea"),
           iri(f"concept/syn-area-{_slug(aspect_en)}-{_slug(area_en)}"), g)
    _membership(w, f"{slug}-in-net", org, network, role_en,
                f"Organisation {n}-{k} in synthetic network {n}", g, fact)
    whole = _count(w, f"{slug}-people", org, "person", f"People of organisation {n}-{k}",
                   f"{people} people", people, g, fact)
    _count(w, f"{slug}-researchers", org, "researcher", f"Researchers of organisation {n}-{k}",
           f"just over {researchers} researchers", researchers, g, fact, lower_bound=True,
           part_of=whole)
    if platforms:
        _count(w, f"{slug}-platforms", org, "platform",
               f"Technological platforms of organisation {n}-{k}",
               f"{platforms} technological platforms", platforms, g, fact,
               counted_class="TechnologicalPlatform")
    for p in range(platforms):
        platform = iri(f"platform/{slug}-p{p}")
        w.quad(org, term(RH, "hasPlatform"), platform, g)
        w.quad(platform, A, term(RH, "TechnologicalPlatform"), g)
        spec_en, spec_fr = SPECIALITIES[rng.randrange(len(SPECIALITIES))]
        w.labels(platform, f"{spec_en.capitalize()} platform {n}-{k}-{p}",
                 f"Plateforme de {spec_fr} {n}-{k}-{p}", g)
        w.quad(platform, term(RH, "specialisesIn"),
               iri(f"concept/syn-speciality-{_slug(spec_en)}"), g)
    person_number = 0
    for u in range(units):
        unit = iri(f"org/{slug}-u{u}")
        w.quad(unit, A, term(ORG, "OrganizationalUnit"), g)
        w.labels(unit, f"Unit {n}-{k}-{u} (synthetic)", f"Unité synthétique {n}-{k}-{u}", g)
        _membership(w, f"{slug}-u{u}", unit, org, "unit", f"Unit {n}-{k}-{u} of organisation "
                    f"{n}-{k}", g, fact)
        for t in range(rng.randint(1, 3)):
            team = iri(f"org/{slug}-u{u}-t{t}")
            w.quad(team, A, term(ORG, "OrganizationalUnit"), g)
            w.labels(team, f"Team {n}-{k}-{u}-{t} (synthetic)",
                     f"Équipe synthétique {n}-{k}-{u}-{t}", g)
            _membership(w, f"{slug}-u{u}-t{t}", team, unit, "team",
                        f"Team {n}-{k}-{u}-{t} of unit {n}-{k}-{u}", g, fact)
            for _ in range(rng.randint(2, 6)):
                person = iri(f"person/{slug}-{person_number}")
                person_number += 1
                w.quad(person, A, term(PROV, "Agent"), g)
                w.labels(person, f"Person {n}-{k}-{person_number} (synthetic)", None, g)
                w.quad(person, term(ORG, "memberOf"), team, g)
    yield None


def generate(triples: int, seed: int) -> tuple[bytes, bytes]:
    """About ``triples`` quads as N-Quads, and the source text their facts quote."""
    rng = random.Random(seed)  # noqa: S311 - reproducible benchmark data, not secrets
    w = Writer(seed)
    w.text.append(f"Synthetic health cluster (benchmark data, seed {seed})\n")
    w.offset = len(w.text[0])
    _header(w)
    n = 0
    while len(w.lines) < triples:
        for _ in _network(w, rng, n):
            if len(w.lines) >= triples:
                break
        n += 1
    return "".join(w.lines).encode("utf-8"), "".join(w.text).encode("utf-8")


def write(triples: int, seed: int, out: Path) -> Path:
    """Write ``synthetic.nq`` and ``source.txt`` into ``out``; return the N-Quads file."""
    nquads, text = generate(triples, seed)
    out.mkdir(parents=True, exist_ok=True)
    (out / SOURCE).write_bytes(text)
    path = out / NQUADS
    path.write_bytes(nquads)
    return path


def main(argv: list[str] | None = None) -> int:
    """Command line: write a synthetic graph of the asked size."""
    parser = argparse.ArgumentParser(prog="python -m bench.generate", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--triples", type=int, default=10_000, help="about how many quads")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, required=True, help="output directory")
    args = parser.parse_args(argv)
    path = write(args.triples, args.seed, args.out)
    data = path.read_bytes()
    quads = data.count(b"\n")
    print(f"{path}: {quads} quads, sha256 {hashlib.sha256(data).hexdigest()[:16]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
