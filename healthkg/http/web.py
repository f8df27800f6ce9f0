"""Pages of the web interface: the query editor, the picture of the cluster, the steward desk.

Each page is server-rendered HTML that works without JavaScript (a form that runs queries,
lists of links); the browser libraries (YASGUI, Cytoscape.js) are installed by ``make``
from ``package.json`` into ``static/vendor/`` and served under ``/assets/vendor/``. When
they are missing the pages say so and keep their plain HTML.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import flask
import pyoxigraph

from healthkg import namedqueries, negotiation
from healthkg.config import BASE_IRI
from healthkg.errors import HealthkgError
from healthkg.http import conditional
from healthkg.http.context import current
from healthkg.http.queries import named
from healthkg.http.state import current as ld
from healthkg.lookup import select
from healthkg.namespaces import PREFIXES

blueprint = flask.Blueprint("web", __name__, template_folder="templates")

#: The named query that draws the cluster (queries/cluster-network.rq).
NETWORK_QUERY = "cluster-network"
#: Files of the browser libraries, relative to the static folder.
YASGUI_JS = "vendor/yasgui.min.js"
YASGUI_CSS = "vendor/yasgui.min.css"
CYTOSCAPE_JS = "vendor/cytoscape.min.js"
#: Prefixes declared at the top of a new query in the editor (the others complete on demand).
DECLARED = ("rh", "rdf", "rdfs", "skos", "org", "prov", "schema", "vivo", "dcterms")

STARTER = """SELECT ?organisation ?label ?type WHERE {
  ?organisation a ?type ;
      skos:prefLabel ?label .
  ?type rdfs:subClassOf* org:Organization .
  FILTER(lang(?label) = "en")
}
ORDER BY ?label
LIMIT 100"""


@dataclass(frozen=True)
class Link:
    """One link of the network: its two ends, their labels and kinds, and the relation."""

    source: str
    source_label: str
    source_kind: str
    relation: str
    target: str
    target_label: str
    target_kind: str


@dataclass(frozen=True)
class Neighbour:
    """A resource linked to the one a page is about, and how."""

    iri: str
    label: str
    kind: str
    relation: str
    outgoing: bool


def vendored(filename: str) -> bool:
    """Whether a browser library has been installed into the static folder."""
    static = flask.current_app.blueprints["home"].static_folder
    return static is not None and (Path(static) / filename).is_file()


def prologue() -> str:
    """PREFIX declarations of the service's usual prefixes, for a new query."""
    return "".join(f"PREFIX {name}: <{PREFIXES[name]}>\n" for name in DECLARED)


def browser_config() -> dict[str, object]:
    """What the pages' scripts need: endpoints, the IRI base and the server's prefixes."""
    base = ld().addresses.public_base
    return {"base": BASE_IRI, "server": base, "sparql": base + "sparql",
            "queries": base + "queries", "prefixes": PREFIXES,
            "network": base + "queries/" + NETWORK_QUERY}


def network_links() -> list[Link] | None:
    """The links of the cluster network (None when the named query is not installed)."""
    context = current()
    path = context.settings.queries_dir / f"{NETWORK_QUERY}.rq"
    if not path.is_file():
        return None
    version = context.store.version()

    def compute() -> list[Link]:
        query = namedqueries.load(path)
        rows = select(context.store, query.text, timeout=context.settings.query_timeout)

        def text(row: dict[str, pyoxigraph.NamedNode | pyoxigraph.BlankNode
                               | pyoxigraph.Literal], name: str) -> str:
            term = row.get(name)
            return term.value if term is not None else ""

        return [Link(text(r, "source"), text(r, "sourceLabel"), text(r, "sourceKind"),
                     text(r, "relation"), text(r, "target"), text(r, "targetLabel"),
                     text(r, "targetKind")) for r in rows]

    links: list[Link] = ld().memo.get(version, ("web", "network"), compute)
    return links


def neighbours(iri: str) -> list[Neighbour]:
    """The resources linked to ``iri`` in the cluster network (empty when it is not a node)."""
    out = []
    for link in network_links() or []:
        if link.source == iri:
            out.append(Neighbour(link.target, link.target_label, link.target_kind,
                                 link.relation, True))
        elif link.target == iri:
            out.append(Neighbour(link.source, link.source_label, link.source_kind,
                                 link.relation, False))
    return out


def _page(template: str, variant: str, **values: object) -> flask.Response:
    negotiation.negotiate(flask.request.headers.get("Accept"), (negotiation.HTML,),
                          format=flask.request.args.get("format"))
    body = flask.render_template(template, config_json=json.dumps(browser_config()),
                                 addresses=ld().addresses, **values)
    version = current().store.version()
    return conditional.respond(body, negotiation.HTML, version=version,
                               variant=("web", variant, body), links=[])


@blueprint.route("/editor", methods=["GET"])
def editor() -> flask.Response:
    """The query editor: YASGUI when installed, a plain form that runs queries always."""
    context = current()
    try:
        queries = sorted(named(context).values(), key=lambda q: q.title.casefold())
    except HealthkgError:
        queries = []
    given = flask.request.args.get("query")
    return _page("editor.html", "editor", queries=queries, yasgui=vendored(YASGUI_JS),
                 query=given if given is not None else prologue() + "\n" + STARTER)


@blueprint.route("/network", methods=["GET"])
def network() -> flask.Response:
    """The picture of the cluster: Cytoscape.js over the named query, with a list of links."""
    return _page("network.html", "network", links=network_links(),
                 cytoscape=vendored(CYTOSCAPE_JS), query_name=NETWORK_QUERY)


@blueprint.route("/steward", methods=["GET"])
def steward() -> flask.Response:
    """The steward desk: check a change, commit it with a token, browse and revert history."""
    return _page("steward.html", "steward")
