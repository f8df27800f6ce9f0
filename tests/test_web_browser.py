"""The web interface in a real headless Chromium (Debian's), driven by Playwright, against
the real server: the editor and its examples, result links, the network, the steward desk.

Screenshots are saved under tests/artifacts/ for people to look at.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from healthkg.tokens import TokenFile
from tests.harness import ROOT, Server

CHROMIUM = Path("/usr/bin/chromium")
if not CHROMIUM.exists():
    pytest.skip("Chromium not installed at /usr/bin/chromium", allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api",
                               reason="Playwright's Python package is not installed")
if not (ROOT / "healthkg" / "http" / "static" / "vendor" / "yasgui.min.js").is_file():
    pytest.skip("the browser libraries are not installed (make vendor needs npm)",
                allow_module_level=True)

pytestmark = pytest.mark.server

ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
ARTIFACTS = ROOT / "tests" / "artifacts"
BASE = "https://w3id.org/rennes-health/"
BIOGENOUEST = BASE + "id/org/biogenouest"


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """One headless Chromium for the module."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield chromium
        chromium.close()


class _Page:
    """A page of a fresh context that records requests to other hosts and script errors."""

    def __init__(self, browser: Any, server: Server, **options: Any) -> None:
        self.context = browser.new_context(**{"viewport": {"width": 1280, "height": 900},
                                              **options})
        self.page = self.context.new_page()
        self.page.set_default_timeout(20000)
        self.foreign: list[str] = []
        self.errors: list[str] = []
        self.page.on("request", lambda r: None if r.url.startswith((server.url, "data:"))
                     else self.foreign.append(r.url))
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))

    def shot(self, name: str, full: bool = False) -> None:
        self.page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=full)

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def tab(browser: Any, server: Server) -> Iterator[_Page]:
    """A page on the session's server."""
    page = _Page(browser, server)
    yield page
    page.close()
    assert not page.foreign, f"requests to other hosts: {page.foreign}"
    assert not page.errors, f"script errors: {page.errors}"


def _bindings(server: Server, name: str) -> list[dict[str, Any]]:
    answer = requests.get(server.url + f"queries/{name}", timeout=10).json()
    rows: list[dict[str, Any]] = answer["results"]["bindings"]
    return rows


def test_example_query_runs_in_the_editor_and_shows_its_rows(tab: _Page, server: Server) -> None:
    page = tab.page
    page.goto(server.url + "editor")
    page.wait_for_selector("#editor[data-enhanced=yes]")
    page.wait_for_selector("body[data-examples=ready]")
    expected = _bindings(server, "network-overview")
    page.click("a.example[data-name=network-overview]")
    page.wait_for_selector(".yasr .dataTable tbody tr")
    rows = page.locator(".yasr .dataTable tbody tr")
    assert rows.count() == len(expected)
    table = page.inner_text(".yasr .dataTable")
    for b in expected:
        assert b["label"]["value"] in table
    editor_text = page.evaluate("window.healthkgYasgui.getTab().getYasqe().getValue()")
    assert editor_text == (ROOT / "queries" / "network-overview.rq").read_text(encoding="utf-8")
    tab.shot("editor-example")


def test_result_link_opens_the_organisation_page(tab: _Page, server: Server) -> None:
    page = tab.page
    page.goto(server.url + "editor")
    page.wait_for_selector("body[data-examples=ready]")
    page.click("a.example[data-name=network-overview]")
    page.wait_for_selector(".yasr .dataTable tbody tr")
    link = page.locator(f".yasr .dataTable a[href='{server.url}id/org/biogenouest']")
    assert link.count() == 1, "IRIs under the base link to this server"
    link.focus()  # the keyboard's way: a link of the table is reachable and opens with Enter
    page.keyboard.press("Enter")
    page.wait_for_url(server.url + "doc/org/biogenouest")
    assert page.inner_text("h1") == "Biogenouest"
    tab.shot("organisation-from-result")


def test_bar_chart_draws_the_numeric_column(tab: _Page, server: Server) -> None:
    page = tab.page
    page.goto(server.url + "editor")
    page.wait_for_selector("body[data-examples=ready]")
    page.click("a.example[data-name=network-overview]")
    page.wait_for_selector(".yasr .dataTable tbody tr")
    page.click(".yasr .select_chart")
    page.wait_for_selector(".bar-chart li")
    expected = _bindings(server, "network-overview")
    assert page.locator(".bar-chart li").count() == len(expected)
    tab.shot("editor-chart")


def test_prefix_completion_offers_the_services_prefixes(tab: _Page, server: Server) -> None:
    page = tab.page
    page.goto(server.url + "editor")
    page.wait_for_selector("#editor[data-enhanced=yes]")
    page.evaluate("window.healthkgYasgui.getTab().getYasqe().setValue('')")
    page.click(".yasqe .CodeMirror")
    page.keyboard.type("PREFIX rh")
    page.wait_for_selector(".CodeMirror-hints")
    assert "rh: <https://w3id.org/rennes-health/def#>" in page.inner_text(".CodeMirror-hints")
    tab.shot("editor-completion")


def test_network_is_drawn_and_a_click_on_a_node_opens_its_page(tab: _Page,
                                                              server: Server) -> None:
    page = tab.page
    page.goto(server.url + "network")
    page.wait_for_selector("#network[data-drawn]")
    nodes = {b[end]["value"] for b in _bindings(server, "cluster-network")
             for end in ("source", "target")}
    assert page.get_attribute("#network", "data-drawn") == str(len(nodes))
    tab.shot("network", full=True)
    position = page.evaluate(
        "iri => window.healthkgNetworks.network.getElementById(iri).renderedPosition()",
        BIOGENOUEST)
    box = page.locator("#network").bounding_box()
    page.mouse.click(box["x"] + position["x"], box["y"] + position["y"])
    page.wait_for_url(server.url + "doc/org/biogenouest")
    assert page.inner_text("h1") == "Biogenouest"


def test_network_nodes_open_with_the_keyboard(tab: _Page, server: Server) -> None:
    page = tab.page
    page.goto(server.url + "network")
    page.wait_for_selector("#network[data-drawn]")
    page.focus("#network")
    page.keyboard.press("ArrowRight")
    status = page.inner_text("#network-status")
    assert "press Enter" in status
    page.keyboard.press("Enter")
    page.wait_for_url(server.url + "doc/**")
    assert page.inner_text("h1") == status.split(" (")[0]


def test_organisation_page_draws_its_neighbourhood(tab: _Page, server: Server) -> None:
    page = tab.page
    page.goto(server.url + "doc/org/biogenouest")
    page.wait_for_selector("#neighbours[data-drawn]")
    neighbours = {b["target"]["value"] if b["source"]["value"] == BIOGENOUEST
                  else b["source"]["value"] for b in _bindings(server, "cluster-network")
                  if BIOGENOUEST in (b["source"]["value"], b["target"]["value"])}
    assert page.get_attribute("#neighbours", "data-drawn") == str(1 + len(neighbours))
    page.locator("#neighbourhood").scroll_into_view_if_needed()
    tab.shot("organisation-neighbourhood")


def test_plain_form_runs_queries_without_javascript(browser: Any, server: Server) -> None:
    plain = _Page(browser, server, java_script_enabled=False)
    page = plain.page
    try:
        page.goto(server.url + "editor")
        page.fill("#query-text", "PREFIX skos: <http://www.w3.org/2004/02/skos/core#>\n"
                                 "SELECT ?o ?label WHERE { ?o a <http://www.w3.org/ns/org#"
                                 "OrganizationalCollaboration> ; skos:prefLabel ?label "
                                 "FILTER(lang(?label) = 'en') } ORDER BY ?label")
        page.click("#plain-form button[type=submit]")
        page.wait_for_selector(".results-table")
        assert page.locator(".results-table tbody tr").count() == 3
        plain.shot("editor-without-javascript")
        page.click(f".results-table a[href='{server.url}doc/org/biogenouest']")
        assert page.inner_text("h1") == "Biogenouest"
    finally:
        plain.close()
    assert not plain.foreign


def test_home_page_fits_a_phone(browser: Any, server: Server) -> None:
    phone = _Page(browser, server, viewport={"width": 390, "height": 844},
                  device_scale_factor=2, is_mobile=True, has_touch=True)
    try:
        for path, name in (("", "home-phone"), ("editor", "editor-phone")):
            phone.page.goto(server.url + path)
            width = phone.page.evaluate("document.documentElement.scrollWidth")
            assert width <= 390, f"/{path} scrolls sideways on a phone ({width}px)"
            phone.shot(name)
    finally:
        phone.close()


def test_keyboard_reaches_the_skip_link_with_a_visible_focus(tab: _Page, server: Server) -> None:
    page = tab.page
    page.goto(server.url)
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip"
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline not in ("", "none")
    tab.shot("home")


# -- the steward desk, on a server of its own (its writes must not touch the shared one) -----

@pytest.fixture(scope="module")
def steward_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Server, str]]:
    """A server with a token file holding one steward's token."""
    path = tmp_path_factory.mktemp("steward") / "tokens.json"
    token = TokenFile(path).add("web-steward")
    server = Server(args=["--memory", "--tokens", str(path)]).start()
    yield server, token
    server.stop()


def _steward_tab(browser: Any, server: Server) -> _Page:
    tab = _Page(browser, server)
    tab.page.goto(server.url + "steward")
    tab.page.wait_for_selector("#history p")
    return tab


def test_violating_change_shows_the_report_and_writes_nothing(
        browser: Any, steward_server: tuple[Server, str]) -> None:
    server, _ = steward_server
    before = requests.get(server.url + "health", timeout=10).json()["version"]
    tab = _steward_tab(browser, server)
    page = tab.page
    try:
        page.fill("#add", f'<{BIOGENOUEST}> <http://www.w3.org/2004/02/skos/core#prefLabel> '
                          '"A second English name"@en .')
        page.click("#check")
        page.wait_for_selector("#outcome[data-status]")
        assert page.get_attribute("#outcome", "data-conforms") == "false"
        report = page.inner_text("#outcome .report")
        assert "two preferred labels in the same language" in report
        assert "How to fix it" in report and "skos:prefLabel" in report
        assert "A second English name" in page.inner_text("#outcome .diff.added")
        tab.shot("steward-report", full=True)
    finally:
        tab.close()
    assert not tab.errors and not tab.foreign
    assert requests.get(server.url + "health", timeout=10).json()["version"] == before


def test_valid_change_is_committed_shown_in_the_history_and_reverted(
        browser: Any, steward_server: tuple[Server, str]) -> None:
    server, token = steward_server
    label = "Biogenouest network (web interface test)"
    ask = (f'ASK {{ <{BIOGENOUEST}> <http://www.w3.org/2004/02/skos/core#altLabel> '
           f'{json.dumps(label)}@en }}')

    def present() -> bool:
        answer = requests.get(server.url + "sparql", params={"query": ask},
                              headers={"Accept": "application/sparql-results+json"}, timeout=10)
        return bool(answer.json()["boolean"])

    tab = _steward_tab(browser, server)
    page = tab.page
    try:
        page.fill("#add", f"<{BIOGENOUEST}> <http://www.w3.org/2004/02/skos/core#altLabel> "
                          f"{json.dumps(label)}@en .")
        page.fill("#message", "An alternative name, from the web interface test")
        page.click("#commit")  # without a token: refused
        page.wait_for_selector("#outcome[data-status='401']")
        assert not present()
        page.fill("#token", token)
        page.click("#commit")
        page.wait_for_selector("#outcome[data-status='200']")
        assert "Committed as change" in page.inner_text("#outcome")
        assert present()
        assert page.evaluate("sessionStorage.getItem('healthkg-token')") == token
        assert page.evaluate("localStorage.length") == 0
        page.wait_for_selector("#history tbody tr")
        row = page.locator("#history tbody tr").first
        assert "An alternative name" in row.inner_text()
        assert "web-steward" in row.inner_text()
        tab.shot("steward-committed", full=True)
        row.locator("button").click()
        page.wait_for_function("document.querySelectorAll('#history tbody tr').length === 2")
        assert not present()
        assert "Reverted" in page.inner_text("#outcome")
        tab.shot("steward-reverted", full=True)
    finally:
        tab.close()
    assert not tab.errors and not tab.foreign
