"""``healthkg query``, run as a person runs it: a subprocess on the shipped graph."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

from healthkg import namedqueries
from tests.harness import ROOT

BASE = "https://w3id.org/rennes-health/"
SKOS = "PREFIX skos: <http://www.w3.org/2004/02/skos/core#>\n"
#: The English labels of the networks the source names, sorted.
LABELS_QUERY = SKOS + f"""SELECT ?label WHERE {{
  VALUES ?org {{ <{BASE}id/org/biogenouest> <{BASE}id/org/canceropole-grand-ouest> }}
  ?org skos:prefLabel ?label FILTER(lang(?label) = "en")
}} ORDER BY ?label"""


def healthkg(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    """Run the command line in a fresh process; capture its output."""
    return subprocess.run([sys.executable, "-m", "healthkg.cli", *args], cwd=ROOT,
                          input=stdin, capture_output=True, text=True, timeout=120,
                          check=False)


@pytest.fixture(scope="module")
def labels() -> list[str]:
    """The expected labels, read from the data files rather than written down here."""
    from tests.regen_golden import open_store

    store = open_store()
    rows = store.query(LABELS_QUERY, use_default_graph_as_union=True)
    return [row["label"].value for row in rows]


def test_labels_fixture_finds_both_networks(labels: list[str]) -> None:
    assert len(labels) == 2
    assert any("Biogenouest" in label for label in labels)


def test_select_prints_an_aligned_table(labels: list[str]) -> None:
    done = healthkg("query", LABELS_QUERY)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].strip() == "label"
    assert set(lines[1]) == {"-"}
    assert [line.rstrip() for line in lines[2:4]] == [f"{label}@en" for label in labels]
    assert lines[-1] == "(2 rows)"


def test_select_as_csv_tsv_and_json(labels: list[str]) -> None:
    as_csv = healthkg("query", "--format", "csv", LABELS_QUERY)
    assert as_csv.returncode == 0, as_csv.stderr
    assert list(csv.reader(io.StringIO(as_csv.stdout))) == [["label"], *[[x] for x in labels]]

    as_tsv = healthkg("query", "--format", "tsv", LABELS_QUERY)
    assert as_tsv.returncode == 0, as_tsv.stderr
    assert as_tsv.stdout.splitlines() == ["?label", *[f'"{x}"@en' for x in labels]]

    as_json = healthkg("query", "-f", "json", LABELS_QUERY)
    assert as_json.returncode == 0, as_json.stderr
    results = json.loads(as_json.stdout)
    assert results["head"]["vars"] == ["label"]
    assert [b["label"]["value"] for b in results["results"]["bindings"]] == labels


def test_query_read_from_stdin_and_ask() -> None:
    done = healthkg("query", "-", stdin=f"ASK {{ <{BASE}id/org/biogenouest> ?p ?o }}")
    assert (done.returncode, done.stdout) == (0, "true\n"), done.stderr


def test_named_query_with_a_parameter_binds_it() -> None:
    query = namedqueries.load(ROOT / "queries" / "network-members.rq")
    assert query.parameter("network") is not None
    federation = f"{BASE}id/org/rennes-research-federation"
    done = healthkg("query", "network-members", "--format", "json",
                    "--param", f"network={federation}")
    assert done.returncode == 0, done.stderr
    rows = json.loads(done.stdout)["results"]["bindings"]
    assert rows
    assert {row["network"]["value"] for row in rows} == {federation}
    default = json.loads(healthkg("query", "network-members", "-f", "json").stdout)
    assert {r["network"]["value"] for r in default["results"]["bindings"]} == {
        f"{BASE}id/org/biogenouest"}


def test_named_query_with_a_bad_parameter_exits_1_naming_it() -> None:
    done = healthkg("query", "network-members", "--param", "network=not an iri")
    assert done.returncode == 1
    assert "parameter 'network' (iri) must be an absolute IRI" in done.stderr
    assert done.stdout == ""


def test_named_query_with_an_unknown_parameter_exits_1() -> None:
    done = healthkg("query", "network-members", "--param", "colour=red")
    assert done.returncode == 1
    assert "unknown parameter 'colour'" in done.stderr


def test_injection_attempt_through_a_parameter_is_refused() -> None:
    done = healthkg("query", "network-members", "--param",
                    f"network={BASE}id/org/biogenouest> }} ; DROP ALL #")
    assert done.returncode == 1
    assert "'network' (iri)" in done.stderr


def test_malformed_query_exits_1_with_the_parser_message() -> None:
    done = healthkg("query", "SELECT ?x WHERE { ?x ")
    assert done.returncode == 1
    assert done.stderr.startswith("healthkg query: ")
    assert done.stdout == ""


@pytest.mark.parametrize("args", [
    ("query", "no-such-query"),
    ("query", "SELECT * { ?s ?p ?o }", "--param", "a=b"),
    ("query", "network-members", "--param", "network"),
    ("query", "--store", "/nonexistent/store", "ASK { ?s ?p ?o }"),
    ("query", "--timeout", "0", "ASK { ?s ?p ?o }"),
    ("query",),
])
def test_usage_errors_exit_2(args: tuple[str, ...]) -> None:
    done = healthkg(*args)
    assert done.returncode == 2
    assert done.stderr.startswith("healthkg query: ")


def test_runaway_query_is_stopped_at_its_deadline_with_exit_1() -> None:
    # Three unrelated patterns: billions of combinations, minutes of work without a deadline.
    runaway = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
    started = time.monotonic()
    done = healthkg("query", "--timeout", "1", runaway)
    elapsed = time.monotonic() - started
    assert done.returncode == 1
    assert "ran past its deadline of 1 s" in done.stderr
    assert elapsed < 20, f"stopped after {elapsed:.1f} s"


def test_list_shows_every_named_query_and_its_parameters() -> None:
    done = healthkg("query", "--list")
    assert done.returncode == 0, done.stderr
    for name, query in namedqueries.load_all(ROOT / "queries").items():
        assert f"{name}\n    {query.title}\n" in done.stdout
        for parameter in query.parameters:
            assert f"--param {parameter.name}=<{parameter.type}>" in done.stdout


def test_existing_on_disk_store_is_queried(tmp_path: Path) -> None:
    from healthkg.config import Settings
    from healthkg.store.direct import DirectStore

    location = tmp_path / "store"
    DirectStore(Settings(store=str(location))).close()  # loads the project files once
    done = healthkg("query", "--store", str(location), "--format", "csv",
                    f"SELECT (COUNT(*) AS ?n) WHERE {{ <{BASE}id/org/biogenouest> ?p ?o }}")
    assert done.returncode == 0, done.stderr
    assert int(done.stdout.splitlines()[1]) > 0
