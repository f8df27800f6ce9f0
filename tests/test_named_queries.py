"""Named queries: every file of queries/ parses, runs and gives its golden answer; headers
are read strictly; parameters are typed and bound, never pasted into the query text."""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyoxigraph
import pytest

from healthkg import namedqueries
from healthkg.errors import BadRequest, InputUnreadable, NotFound
from tests.regen_golden import GOLDEN, QUERIES, open_store, run

XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
QUERY_FILES = sorted(QUERIES.glob("*.rq"))
BASE = "https://w3id.org/rennes-health/"


@pytest.fixture(scope="module")
def store() -> pyoxigraph.Store:
    """The shipped graph in an in-memory store."""
    return open_store()


@pytest.fixture(scope="module")
def queries() -> dict[str, namedqueries.NamedQuery]:
    """Every named query of the project."""
    return namedqueries.load_all(QUERIES)


def _term(term: dict[str, str] | None) -> tuple[str, ...]:
    """A comparable form of a SPARQL JSON term (blank node labels are arbitrary)."""
    if term is None:
        return ("unbound",)
    kind = term["type"]
    if kind == "bnode":
        return ("bnode",)
    if kind in {"literal", "typed-literal"}:
        datatype = term.get("datatype", XSD_STRING)
        if "xml:lang" in term:
            return ("literal", term["value"], "lang", term["xml:lang"].lower())
        return ("literal", term["value"], datatype)
    return (kind, term["value"])


def _rows(results: dict[str, Any]) -> list[tuple[tuple[str, tuple[str, ...]], ...]]:
    variables = results["head"].get("vars", [])
    return [tuple((v, _term(b.get(v))) for v in variables)
            for b in results["results"]["bindings"]]


def _ordered(query: namedqueries.NamedQuery) -> bool:
    """True when the outer query has ORDER BY (then row order is part of the answer)."""
    body = re.sub(r"(^|\s)#[^\n]*", r"\1", query.text)
    return re.search(r"\bORDER\s+BY\b[^}]*$", body, re.IGNORECASE) is not None


def assert_same_results(actual: dict[str, Any], expected: dict[str, Any],
                        ordered: bool) -> None:
    """Compare two parsed SPARQL JSON results: as lists when ordered, else as multisets."""
    if "boolean" in expected:
        assert actual.get("boolean") == expected["boolean"]
        return
    assert actual["head"].get("vars", []) == expected["head"].get("vars", [])
    got, want = _rows(actual), _rows(expected)
    if ordered:
        assert got == want
    else:
        missing = Counter(want) - Counter(got)
        extra = Counter(got) - Counter(want)
        assert not missing and not extra, f"missing rows: {list(missing)}\n" \
                                          f"unexpected rows: {list(extra)}"


# --- The project's queries -------------------------------------------------------------

def test_project_has_at_least_fifteen_named_queries() -> None:
    assert len(QUERY_FILES) >= 15, [p.name for p in QUERY_FILES]


@pytest.mark.parametrize("path", QUERY_FILES, ids=lambda p: p.stem)
def test_named_query_header_has_title_description_and_documented_parameters(
        path: Path) -> None:
    query = namedqueries.load(path)
    assert query.title and query.description
    for parameter in query.parameters:
        assert parameter.description
        assert parameter.type in namedqueries.TYPES


@pytest.mark.parametrize("path", QUERY_FILES, ids=lambda p: p.stem)
def test_named_query_gives_its_golden_answer(path: Path, store: pyoxigraph.Store) -> None:
    query = namedqueries.load(path)
    golden = GOLDEN / f"{query.name}.json"
    assert golden.is_file(), f"no golden file {golden} (python -m tests.regen_golden)"
    expected = json.loads(golden.read_text(encoding="utf-8"))
    actual = run(store, query)
    assert_same_results(actual, expected, _ordered(query))


@pytest.mark.parametrize("path", QUERY_FILES, ids=lambda p: p.stem)
def test_named_query_answers_something_on_the_shipped_graph(
        path: Path, store: pyoxigraph.Store) -> None:
    results = run(store, namedqueries.load(path))
    if "boolean" in results:
        assert results["boolean"] is True
    else:
        assert results["results"]["bindings"], "an empty answer is not worth a golden file"


@pytest.fixture(scope="module")
def direct_store() -> Iterator[Any]:
    """The in-process store the CLI uses, on the shipped graph."""
    from healthkg.config import Settings
    from healthkg.store.direct import DirectStore

    store = DirectStore(Settings(memory=True))
    yield store
    store.close()


@pytest.mark.parametrize("path", QUERY_FILES, ids=lambda p: p.stem)
def test_named_query_through_the_service_store_gives_its_golden_answer(
        path: Path, direct_store: Any) -> None:
    from healthkg.store.base import QueryRequest

    query = namedqueries.load(path)
    outcome = direct_store.query(QueryRequest(text=query.text, format="json",
                                              substitutions=namedqueries.bind(query, {})),
                                 timeout=10)
    expected = json.loads((GOLDEN / f"{query.name}.json").read_text(encoding="utf-8"))
    assert_same_results(json.loads(outcome.body), expected, _ordered(query))


def test_every_named_query_is_listed_in_the_queries_readme() -> None:
    readme = (QUERIES / "README.md").read_text(encoding="utf-8")
    missing = [p.stem for p in QUERY_FILES if f"| `{p.stem}` |" not in readme]
    assert not missing


def test_every_golden_file_belongs_to_a_named_query() -> None:
    names = {p.stem for p in QUERY_FILES}
    orphans = sorted(p.name for p in GOLDEN.glob("*.json") if p.stem not in names)
    assert not orphans


def test_semantic_comparison_ignores_row_order_only_when_unordered() -> None:
    def result(*values: str) -> dict[str, Any]:
        return {"head": {"vars": ["x"]},
                "results": {"bindings": [{"x": {"type": "literal", "value": v}}
                                         for v in values]}}
    assert_same_results(result("a", "b"), result("b", "a"), ordered=False)
    with pytest.raises(AssertionError):
        assert_same_results(result("a", "b"), result("b", "a"), ordered=True)
    with pytest.raises(AssertionError):
        assert_same_results(result("a", "a"), result("a"), ordered=False)


# --- Header format ---------------------------------------------------------------------

def _write(tmp_path: Path, text: str, name: str = "sample") -> Path:
    path = tmp_path / f"{name}.rq"
    path.write_text(text, encoding="utf-8")
    return path


GOOD = """\
# title: Members of a network
# description: Organisations taking part in a network,
#   with their roles.
#
# param: org iri "The network" default=<https://w3id.org/rennes-health/id/org/biogenouest>
# param: n integer "How many" optional
# param: word string "A word to look for"
PREFIX org: <http://www.w3.org/ns/org#>
SELECT ?org ?member ?n ?word WHERE { ?m org:organization ?org ; org:member ?member }
"""


def test_header_with_continuation_and_parameters_is_read(tmp_path: Path) -> None:
    query = namedqueries.load(_write(tmp_path, GOOD))
    assert query.name == "sample"
    assert query.title == "Members of a network"
    assert query.description == "Organisations taking part in a network, with their roles."
    org, n, word = query.parameters
    assert org == namedqueries.Parameter("org", "iri", "The network",
                                         BASE + "id/org/biogenouest", required=False)
    assert (n.default, n.required) == (None, False)
    assert (word.default, word.required) == (None, True)


@pytest.mark.parametrize(("text", "line", "words"), [
    ("# description: d\nSELECT * {}\n", 1, "no '# title:'"),
    ("# title: t\n# description: d\n# colour: red\nSELECT * {}\n", 3, "unknown header field"),
    ("# title: t\n# title: u\n# description: d\nSELECT * {}\n", 2, "twice"),
    ("# title: t\n# description: d\n# param: x color \"X\"\nSELECT ?x {}\n", 3, "unknown type"),
    ("# title: t\n# description: d\n# param: x iri\nSELECT ?x {}\n", 3, "needs a name"),
    ("# title: t\n# description: d\n# param: x iri \"X\nSELECT ?x {}\n", 3, "quotation"),
    ("# title: t\n# description: d\n# param: x integer \"X\" default=ten\nSELECT ?x {}\n",
     3, "integer"),
    ("# title: t\n# description: d\n# param: x iri \"X\"\n# param: x iri \"Y\"\n"
     "SELECT ?x {}\n", 4, "declared twice"),
    ("# title: t\n# description: d\n# param: x iri \"X\"\nSELECT ?y {}\n", 3, "no variable ?x"),
    ("# title: t\n# description: d\n# param: x iri \"X\"\nSELECT ?y { ?x ?p ?y }\n", 3,
     "must project ?x"),
])
def test_header_error_names_file_and_line(tmp_path: Path, text: str, line: int,
                                          words: str) -> None:
    path = _write(tmp_path, text)
    with pytest.raises(InputUnreadable) as caught:
        namedqueries.load(path)
    assert caught.value.message.startswith(f"{path}, line {line}: ")
    assert words in caught.value.message


@pytest.mark.parametrize(("text", "names"), [
    # The header ends at the first line that is not a comment; later comments are SPARQL's.
    ("# title: t\n# description: d\nSELECT * {}\n# param: x\n", []),
    # A '#' inside an IRI of the projection does not hide the projected parameter.
    ("# title: t\n# description: d\n# param: x iri \"X\"\n"
     "SELECT (<http://e.org/f#g>(?y) AS ?z) ?x { ?x ?p ?y }\n", ["x"]),
])
def test_header_ends_at_the_query_and_iris_keep_their_hash(tmp_path: Path, text: str,
                                                           names: list[str]) -> None:
    query = namedqueries.load(_write(tmp_path, text))
    assert [p.name for p in query.parameters] == names


def test_file_name_must_be_a_query_name(tmp_path: Path) -> None:
    with pytest.raises(InputUnreadable, match="lower-case"):
        namedqueries.load(_write(tmp_path, GOOD, name="Bad Name"))


def test_unknown_or_malicious_query_name_is_not_found(tmp_path: Path) -> None:
    _write(tmp_path, GOOD)
    assert namedqueries.find(tmp_path, "sample").name == "sample"
    for name in ("missing", "../sample", "sample.rq", ""):
        with pytest.raises(NotFound):
            namedqueries.find(tmp_path, name)


# --- Binding ---------------------------------------------------------------------------

@pytest.fixture
def sample(tmp_path: Path) -> namedqueries.NamedQuery:
    """A query with an iri (defaulted), an optional integer and a required string."""
    return namedqueries.load(_write(tmp_path, GOOD))


def test_binding_uses_defaults_and_types_values(sample: namedqueries.NamedQuery) -> None:
    assert namedqueries.bind(sample, {"word": "hello"}) == (
        ("org", f"<{BASE}id/org/biogenouest>"), ("word", '"hello"'))
    assert dict(namedqueries.bind(sample, {"word": "w", "n": "007",
                                           "org": "<https://example.org/x>"})) == {
        "org": "<https://example.org/x>", "word": '"w"',
        "n": '"7"^^<http://www.w3.org/2001/XMLSchema#integer>'}


@pytest.mark.parametrize(("values", "words"), [
    ({}, "'word' of query 'sample' is required"),
    ({"word": "w", "colour": "red"}, "unknown parameter 'colour'"),
    ({"word": "w", "n": "ten"}, "'n' (integer) must be an integer"),
    ({"word": "w", "n": "1.5"}, "'n' (integer) must be an integer"),
    ({"word": "w", "org": "biogenouest"}, "'org' (iri) must be an absolute IRI"),
    ({"word": "w", "org": "https://example.org/a b"}, "'org' (iri) must be an absolute IRI"),
    ({"word": "w", "org": "https://x.org/> } ; DROP ALL #"}, "'org' (iri)"),
    ({"word": "w", "org": "https://x.org/{x}"}, "'org' (iri)"),
    ({"word": "w\x00"}, "control characters"),
    ({"word": "w" * 5000}, "too long"),
])
def test_bad_parameter_is_refused_naming_it(sample: namedqueries.NamedQuery,
                                            values: dict[str, str], words: str) -> None:
    with pytest.raises(BadRequest) as caught:
        namedqueries.bind(sample, values)
    assert words in caught.value.message
    assert caught.value.status == 400


@pytest.mark.parametrize(("kind", "value", "term"), [
    ("string", 'a"b\\c\nd', '"a\\"b\\\\c\\nd"'),
    ("langstring", "Oncologie@FR", '"Oncologie"@fr'),
    ("language", "FR", '"fr"'),
    ("decimal", "3.50", '"3.50"^^<http://www.w3.org/2001/XMLSchema#decimal>'),
    ("boolean", "TRUE", '"true"^^<http://www.w3.org/2001/XMLSchema#boolean>'),
    ("date", "2024-02-29", '"2024-02-29"^^<http://www.w3.org/2001/XMLSchema#date>'),
])
def test_each_type_binds_an_ntriples_term(kind: str, value: str, term: str) -> None:
    parameter = namedqueries.Parameter("x", kind, "X", None, True)
    assert namedqueries.term(parameter, value) == term


@pytest.mark.parametrize(("kind", "value"), [
    ("langstring", "no tag"), ("language", "en gb"), ("decimal", "1e5"),
    ("boolean", "yes"), ("date", "2023-02-29"), ("date", "29/02/2024"),
])
def test_each_type_refuses_values_of_another_shape(kind: str, value: str) -> None:
    parameter = namedqueries.Parameter("x", kind, "X", None, True)
    with pytest.raises(BadRequest, match=f"'x' \\({kind}\\) must be"):
        namedqueries.term(parameter, value)


def test_injection_attempt_in_a_string_is_bound_as_one_harmless_literal(
        tmp_path: Path) -> None:
    query = namedqueries.load(_write(tmp_path, """\
# title: Labels equal to a text
# description: Things whose label is exactly the given text.
# param: text string "The label"
SELECT ?thing ?text WHERE { ?thing <http://www.w3.org/2000/01/rdf-schema#label> ?text }
"""))
    store = pyoxigraph.Store()
    thing = pyoxigraph.NamedNode("https://example.org/thing")
    label = pyoxigraph.NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
    hostile = '" } ; DROP ALL ; SELECT * { ?s ?p ?o } #> } ; DROP ALL #'
    store.add(pyoxigraph.Quad(thing, label, pyoxigraph.Literal("safe"),
                              pyoxigraph.NamedNode("https://example.org/g")))
    assert run(store, query, {"text": hostile})["results"]["bindings"] == []
    rows = run(store, query, {"text": "safe"})["results"]["bindings"]
    assert [r["thing"]["value"] for r in rows] == ["https://example.org/thing"]
    assert len(store) == 1
    # The query text is never touched by binding.
    assert hostile not in query.text


def test_project_query_parameters_bind_their_defaults(
        queries: dict[str, namedqueries.NamedQuery]) -> None:
    for query in queries.values():
        required = [p.name for p in query.parameters if p.required]
        assert not required, f"{query.name}: a named query runs without parameters"
        namedqueries.bind(query, {})


# --- Golden answers checked against the source -----------------------------------------

SOURCE = (QUERIES.parent / "data" / "source.txt").read_text(encoding="utf-8")


def _golden(name: str) -> list[dict[str, Any]]:
    results = json.loads((GOLDEN / f"{name}.json").read_text(encoding="utf-8"))
    rows: list[dict[str, Any]] = results["results"]["bindings"]
    return rows


def test_golden_quotes_are_the_source_text_at_their_offsets() -> None:
    rows = _golden("fact-quote")
    assert rows
    for row in rows:
        start, end = int(row["start"]["value"]), int(row["end"]["value"])
        assert SOURCE[start:end] == row["quote"]["value"], row["fact"]["value"]


def test_golden_count_wordings_are_words_of_the_source() -> None:
    rows = _golden("counts")
    assert rows
    for row in rows:
        assert row["wording"]["value"] in SOURCE
        number = row.get("value", row.get("minValue"))
        assert number is not None, row["count"]["value"]


def test_fact_quote_with_a_fact_gives_that_fact_only(
        store: pyoxigraph.Store, queries: dict[str, namedqueries.NamedQuery]) -> None:
    fact = BASE + "id/fact/biogenouest-researchers"
    rows = run(store, queries["fact-quote"], {"fact": fact})["results"]["bindings"]
    assert [r["fact"]["value"] for r in rows] == [fact]
    start, end = int(rows[0]["start"]["value"]), int(rows[0]["end"]["value"])
    assert "800 researchers" in SOURCE[start:end]


def test_parameter_changes_the_answer(store: pyoxigraph.Store,
                                      queries: dict[str, namedqueries.NamedQuery]) -> None:
    federation = BASE + "id/org/rennes-research-federation"
    rows = run(store, queries["network-members"],
               {"network": federation})["results"]["bindings"]
    assert rows and {r["network"]["value"] for r in rows} == {federation}
    unknown = run(store, queries["network-members"],
                  {"network": BASE + "id/org/no-such-network"})["results"]["bindings"]
    assert unknown == []
