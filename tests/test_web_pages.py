"""The web interface's pages over HTTP, without a browser: what works without JavaScript."""

from __future__ import annotations

import re
import urllib.parse
from html.parser import HTMLParser

import pytest
import requests

from tests.harness import ROOT, Server

pytestmark = pytest.mark.server

HOME_BUDGET = 200 * 1024


class _Collector(HTMLParser):
    """Links, scripts, stylesheets, forms and table cells of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.assets: list[str] = []
        self.forms: list[dict[str, str | None]] = []
        self.cells = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "a" and a.get("href"):
            self.links.append(str(a["href"]))
        if tag == "script" and a.get("src"):
            self.assets.append(str(a["src"]))
        if tag == "link" and a.get("rel") in ("stylesheet", "icon") and a.get("href"):
            self.assets.append(str(a["href"]))
        if tag == "img" and a.get("src"):
            self.assets.append(str(a["src"]))
        if tag == "form":
            self.forms.append(a)
        if tag == "td":
            self.cells += 1


def _parse(text: str) -> _Collector:
    collector = _Collector()
    collector.feed(text)
    return collector


def test_home_page_with_its_assets_weighs_under_200_kb(server: Server) -> None:
    home = requests.get(server.url, timeout=10)
    assert home.status_code == 200
    page = _parse(home.text)
    total = len(home.content)
    for asset in page.assets:
        url = urllib.parse.urljoin(server.url, asset)
        assert url.startswith(server.url), f"the home page loads {url} from another host"
        answer = requests.get(url, timeout=10)
        assert answer.status_code == 200, url
        total += len(answer.content)
    assert page.assets, "the home page has its stylesheet"
    assert total < HOME_BUDGET, f"home page and its assets weigh {total} bytes"


def test_home_page_links_to_every_part_of_the_interface(server: Server) -> None:
    page = _parse(requests.get(server.url, timeout=10).text)
    paths = {urllib.parse.urlsplit(urllib.parse.urljoin(server.url, h)).path for h in page.links}
    for path in ("/editor", "/network", "/steward", "/search", "/dump.ttl", "/def", "/shapes",
                 "/queries", "/sparql", "/.well-known/void"):
        assert path in paths, f"no link to {path}"
    assert any(p.startswith("/doc/org/") for p in paths), "no link to an organisation's page"


def test_plain_form_of_the_editor_runs_a_query_as_an_html_table(server: Server) -> None:
    editor = requests.get(server.url + "editor", timeout=10)
    assert editor.status_code == 200
    form = next(f for f in _parse(editor.text).forms if f.get("id") == "plain-form")
    assert urllib.parse.urljoin(server.url, str(form["action"])) == server.url + "sparql"
    assert 'name="format" value="html"' in editor.text
    query = ("PREFIX skos: <http://www.w3.org/2004/02/skos/core#> SELECT ?o ?label WHERE { "
             "?o skos:prefLabel ?label FILTER(lang(?label) = 'en') "
             "FILTER(STRSTARTS(STR(?o), 'https://w3id.org/rennes-health/id/org/')) } "
             "ORDER BY ?label")
    answer = requests.get(server.url + "sparql", params={"query": query, "format": "html"},
                          timeout=10)
    assert answer.status_code == 200
    assert answer.headers["Content-Type"].startswith("text/html")
    expected = requests.get(server.url + "sparql", params={"query": query},
                            headers={"Accept": "application/sparql-results+json"},
                            timeout=10).json()["results"]["bindings"]
    page = _parse(answer.text)
    assert page.cells == 2 * len(expected) > 0
    first = expected[0]["o"]["value"].removeprefix("https://w3id.org/rennes-health/id/")
    assert server.url + "doc/" + first in page.links, "IRIs link to this server's pages"
    assert any("format=csv" in link for link in page.links), "a CSV download link"


def test_html_results_show_a_syntax_error_with_status_400(server: Server) -> None:
    answer = requests.get(server.url + "sparql",
                          params={"query": "SELECT WHERE {", "format": "html"}, timeout=10)
    assert answer.status_code == 400
    assert answer.headers["Content-Type"].startswith("text/html")
    assert 'role="alert"' in answer.text and "SELECT WHERE {" in answer.text


def test_named_query_runs_as_an_html_page_with_its_title(server: Server) -> None:
    answer = requests.get(server.url + "queries/network-overview", params={"format": "html"},
                          timeout=10)
    assert answer.status_code == 200
    assert "<h1>Networks at a glance</h1>" in answer.text
    rows = requests.get(server.url + "queries/network-overview", timeout=10).json()
    assert answer.text.count("<tr>") == 1 + len(rows["results"]["bindings"])


def test_named_query_list_carries_each_query_text_for_the_editor(server: Server) -> None:
    listed = requests.get(server.url + "queries", headers={"Accept": "application/json"},
                          timeout=10).json()["queries"]
    for item in listed:
        text = (ROOT / "queries" / f"{item['name']}.rq").read_text(encoding="utf-8")
        assert item["query"] == text


def test_network_page_lists_every_link_of_the_named_query(server: Server) -> None:
    page = requests.get(server.url + "network", timeout=10)
    assert page.status_code == 200
    rows = requests.get(server.url + "queries/cluster-network", timeout=10).json()
    bindings = rows["results"]["bindings"]
    assert bindings
    assert f"The links ({len(bindings)})" in page.text
    links = _parse(page.text).links
    for b in bindings:
        for end in ("source", "target"):
            iri = b[end]["value"]
            expected = server.url + "doc/" + iri.removeprefix("https://w3id.org/rennes-health/id/")
            assert expected in links, f"no link to {iri}"


def test_organisation_page_lists_its_neighbourhood_without_javascript(server: Server) -> None:
    page = requests.get(server.url + "doc/org/biogenouest",
                        headers={"Accept": "text/html"}, timeout=10)
    assert page.status_code == 200
    assert "In the cluster network" in page.text
    assert f"{server.url}doc/platform/" in page.text or "has platform" in page.text
    # A resource that is no node of the network has no such section.
    place = requests.get(server.url + "doc/place/rennes", headers={"Accept": "text/html"},
                         timeout=10)
    assert place.status_code == 200 and "In the cluster network" not in place.text


def test_pages_load_scripts_only_from_this_server(server: Server) -> None:
    for path in ("editor", "network", "steward", "doc/org/biogenouest"):
        text = requests.get(server.url + path, headers={"Accept": "text/html"}, timeout=10).text
        for src in re.findall(r'<script[^>]+src="([^"]+)"', text):
            url = urllib.parse.urljoin(server.url + path, src)
            assert url.startswith(server.url), f"{path} loads {url}"
            assert requests.get(url, timeout=10).status_code == 200, url
