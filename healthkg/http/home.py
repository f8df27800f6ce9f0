"""GET /: what the dataset is, where to go next, and the organisations to browse."""

from __future__ import annotations

import flask

from healthkg import negotiation
from healthkg.dump import FORMATS as DUMP_FORMATS
from healthkg.http import conditional
from healthkg.http.context import current
from healthkg.http.state import current as ld
from healthkg.http.void import statistics
from healthkg.lookup import select
from healthkg.namespaces import ORG, RDF_TYPE, RDFS, SKOS, local_name
from healthkg.presentation import words

blueprint = flask.Blueprint("home", __name__, template_folder="templates",
                            static_folder="static", static_url_path="/assets")

ORGANISATIONS = f"""
SELECT ?o (SAMPLE(?en) AS ?label) (SAMPLE(?any) AS ?other) (SAMPLE(?t) AS ?type) WHERE {{
  ?o <{RDF_TYPE}> ?t . ?t <{RDFS}subClassOf>* <{ORG}Organization> .
  OPTIONAL {{ ?o <{SKOS}prefLabel> ?en FILTER(langMatches(lang(?en), "en")) }}
  OPTIONAL {{ ?o <{SKOS}prefLabel> ?any }}
  FILTER(isIRI(?o))
}} GROUP BY ?o
"""


def organisations() -> list[tuple[str, str, str]]:
    """(IRI, label, type name) of every organisation, by label."""
    context = current()
    version = context.store.version()

    def compute() -> list[tuple[str, str, str]]:
        rows = select(context.store, ORGANISATIONS, timeout=context.settings.query_timeout)
        out = []
        for row in rows:
            label = row.get("label") or row.get("other")
            kind = row.get("type")
            out.append((row["o"].value, label.value if label else local_name(row["o"].value),
                        words(local_name(kind.value)) if kind else ""))
        return sorted(out, key=lambda item: (item[1].casefold(), item[0]))

    found: list[tuple[str, str, str]] = ld().memo.get(version, "organisations", compute)
    return found


@blueprint.route("/", methods=["GET"])
def home() -> flask.Response:
    """The home page (HTML only)."""
    negotiation.negotiate(flask.request.headers.get("Accept"), (negotiation.HTML,),
                          format=flask.request.args.get("format"))
    version = current().store.version()
    addresses = ld().addresses
    stats = statistics()

    def render() -> str:
        return flask.render_template("home.html", stats=stats, addresses=addresses,
                                     organisations=organisations(), dumps=DUMP_FORMATS,
                                     base=addresses.public_base)

    body = ld().memo.get(version, "home", render)
    base = addresses.public_base
    links = [(f"{base}.well-known/void", "describedby", negotiation.TURTLE),
             (f"{base}sparql", "service", None)]
    return conditional.respond(body, negotiation.HTML, version=version, variant=("home",),
                               links=links)
