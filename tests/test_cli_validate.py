"""``healthkg validate``, run as a data steward runs it: a subprocess on files of the project."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import rdflib
from rdflib.namespace import RDF, SH

from healthkg import report
from healthkg.validation import Report, Violation
from tests.harness import ROOT

FIXTURES = ROOT / "tests" / "fixtures" / "cli"
VIOLATIONS = FIXTURES / "violations.trig"
BASE = "https://w3id.org/rennes-health/"
COUNT = BASE + "id/count/researchers"
PLATFORM = BASE + "id/platform/two"


def validate(*args: str | Path) -> subprocess.CompletedProcess[str]:
    """Run ``healthkg validate`` in a fresh process; capture its output."""
    return subprocess.run([sys.executable, "-m", "healthkg.cli", "validate", *map(str, args)],
                          cwd=ROOT, capture_output=True, text=True, timeout=300, check=False)


@pytest.fixture(scope="module")
def as_text() -> subprocess.CompletedProcess[str]:
    """The text report on the fixture with violations."""
    return validate(VIOLATIONS)


def test_shipped_data_conforms_and_exits_0() -> None:
    done = validate()
    assert (done.returncode, done.stdout) == (0, "conforms\n"), done.stdout + done.stderr


def test_violations_exit_1(as_text: subprocess.CompletedProcess[str]) -> None:
    assert as_text.returncode == 1, as_text.stderr
    assert as_text.stderr == ""


def test_text_report_groups_by_resource_with_label_message_path_value_and_shape(
        as_text: subprocess.CompletedProcess[str]) -> None:
    out = as_text.stdout
    count_block = out[out.index(f"Example network researchers <{COUNT}>"):]
    count_block = count_block[:count_block.index("\n\n")]
    assert "Violation: The exact number of a count (schema:value) must be one " \
           "non-negative xsd:integer" in count_block
    assert "path:  schema:value" in count_block
    assert 'value: "25"' in count_block  # with the quotes that are the mistake
    assert "shape: rhs:CountExactValue" in count_block
    assert PLATFORM not in count_block

    platform_block = out[out.index(f"Second platform <{PLATFORM}>"):]
    assert "two preferred labels in the same language" in platform_block
    assert "path:  skos:prefLabel" in platform_block
    assert out.rstrip().splitlines()[-1] == "does not conform: 3 violations on 2 resources"


def test_json_report_parses_and_groups_by_resource() -> None:
    done = validate("--format", "json", VIOLATIONS)
    assert done.returncode == 1
    report = json.loads(done.stdout)
    assert report["conforms"] is False
    resources = {r["focus"]: r for r in report["resources"]}
    assert set(resources) == {COUNT, PLATFORM}
    assert resources[COUNT]["label"] == "Example network researchers"
    violation = resources[COUNT]["violations"][0]
    assert violation["path"] == "https://schema.org/value"
    assert violation["value"] == "25"
    assert violation["value_term"] == '"25"'  # a string, not the number 25
    assert violation["severity"] == "Violation"
    assert violation["shape"] == BASE + "shapes#CountExactValue"
    assert report["counts"] == {"Violation": 3}


def test_turtle_report_is_a_w3c_validation_report() -> None:
    done = validate("--format", "turtle", VIOLATIONS)
    assert done.returncode == 1
    graph = rdflib.Graph().parse(data=done.stdout, format="turtle")
    report = graph.value(None, RDF.type, SH.ValidationReport, any=False)
    assert report is not None
    assert graph.value(report, SH.conforms).toPython() is False
    foci = {str(graph.value(r, SH.focusNode)) for r in graph.objects(report, SH.result)}
    assert foci == {COUNT, PLATFORM}


def test_shipped_data_as_json_and_turtle_conform() -> None:
    assert json.loads(validate("--format", "json").stdout)["conforms"] is True
    graph = rdflib.Graph().parse(data=validate("--format", "turtle").stdout, format="turtle")
    assert (None, SH.conforms, rdflib.Literal(True)) in graph


def test_user_file_is_validated_with_the_ontology_class_hierarchy(tmp_path: Path) -> None:
    # The file types its member org:FormalOrganization; the membership shape asks for an
    # org:Organization: only the ontology's subclass axiom makes the file conform.
    shutil.copy(FIXTURES / "valid.trig", tmp_path / "change.trig")
    done = validate(tmp_path)  # a directory is expanded into its RDF files
    assert (done.returncode, done.stdout) == (0, "conforms\n"), done.stdout + done.stderr


def test_turtle_syntax_error_exits_2_naming_file_line_and_column() -> None:
    bad = FIXTURES / "syntax-error.ttl"
    done = validate(VIOLATIONS, bad)
    assert done.returncode == 2
    assert done.stdout == ""
    assert f"{bad}: syntax error at line 5, column 37" in done.stderr


@pytest.mark.parametrize(("name", "words"), [
    ("missing.ttl", "no such file or directory"),
    ("notes.txt", "unknown RDF file type '.txt'"),
])
def test_unreadable_input_exits_2(tmp_path: Path, name: str, words: str) -> None:
    path = tmp_path / name
    if name.endswith(".txt"):
        path.write_text("not RDF", encoding="utf-8")
    done = validate(path)
    assert done.returncode == 2
    assert words in done.stderr


def test_directory_without_rdf_files_exits_2(tmp_path: Path) -> None:
    done = validate(tmp_path)
    assert done.returncode == 2
    assert "no RDF files" in done.stderr


# --- The renderings themselves (the service reuses them for its 422 answers) -----------

def _report(*violations: Violation, conforms: bool = False) -> Report:
    return Report(conforms=conforms, violations=violations, graph=rdflib.Graph())


def _violation(focus: str, label: str | None, severity: str, message: str) -> Violation:
    return Violation(focus=focus, focus_label=label, path=None, value=None, message=message,
                     shape=BASE + "shapes#Example", severity=severity,
                     constraint="sh:MinCountConstraintComponent")


def test_conforming_report_says_conforms_in_every_format() -> None:
    empty = _report(conforms=True)
    assert report.render(empty, "text") == "conforms\n"
    assert json.loads(report.render(empty, "json"))["conforms"] is True
    with pytest.raises(ValueError, match="unknown report format"):
        report.render(empty, "yaml")


def test_warnings_alone_conform_and_are_still_shown() -> None:
    warning = _violation(BASE + "id/org/x", "X", "Warning", "Consider a French label.")
    text = report.to_text(_report(warning, conforms=True))
    assert "Warning: Consider a French label." in text
    assert text.splitlines()[-1] == "conforms (1 warning)"


def test_text_groups_are_ordered_by_label_and_violations_by_severity() -> None:
    items = (_violation(BASE + "id/org/b", "Beta", "Warning", "second"),
             _violation(BASE + "id/org/b", "Beta", "Violation", "first"),
             _violation(BASE + "id/org/a", "alpha", "Violation", "only"),
             _violation(BASE + "id/org/c", None, "Info", "unlabelled"))
    text = report.to_text(_report(*items))
    assert text.index("alpha <") < text.index("Beta <") < text.index(f"<{BASE}id/org/c>")
    assert text.index("Violation: first") < text.index("Warning: second")
    assert text.splitlines()[-1] == \
        "does not conform: 2 violations, 1 warning, 1 info on 3 resources"


def test_json_value_term_tells_a_string_from_a_number_and_an_iri() -> None:
    string = Violation(focus=COUNT, focus_label=None, path=None, value="25", message="m",
                       shape=BASE + "shapes#Example", severity="Violation",
                       constraint="sh:DatatypeConstraintComponent", value_term='"25"')
    number = Violation(focus=COUNT, focus_label=None, path=None, value="25", message="n",
                       shape=BASE + "shapes#Example", severity="Violation",
                       constraint="sh:MaxInclusiveConstraintComponent",
                       value_term='"25"^^<http://www.w3.org/2001/XMLSchema#integer>')
    iri = Violation(focus=COUNT, focus_label=None, path=None, value=BASE + "def#Exact",
                    message="o", shape=BASE + "shapes#Example", severity="Violation",
                    constraint="sh:InConstraintComponent", value_term=f"<{BASE}def#Exact>")
    rendered = report.to_dict(_report(string, number, iri))
    terms = {v["message"]: v["value_term"] for v in rendered["resources"][0]["violations"]}
    assert terms == {"m": '"25"', "n": '"25"^^<http://www.w3.org/2001/XMLSchema#integer>',
                     "o": f"<{BASE}def#Exact>"}
    text = report.to_text(_report(string, number, iri))
    assert 'value: "25"\n' in text and "value: rh:Exact\n" in text
