"""SHACL validation reports rendered for people (text) and programs (JSON, Turtle).

The command line prints these; the service sends the same renderings with its 422 answers.
Violations are grouped by the resource they concern, with its label, so a data steward sees
at once what to fix and where.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from healthkg.namespaces import curie

if TYPE_CHECKING:  # only the types: rendering must not import pyshacl (slow to import)
    from healthkg.validation import Report, Violation

#: The renderings offered, by short name.
FORMATS = ("text", "json", "turtle")

#: Media type of each rendering.
MEDIA_TYPES = {"text": "text/plain; charset=utf-8", "json": "application/json",
               "turtle": "text/turtle; charset=utf-8"}


_SEVERITY_ORDER = {"Violation": 0, "Warning": 1, "Info": 2}


def severity_name(severity: str) -> str:
    """The local name of a SHACL severity ('Violation', 'Warning', 'Info')."""
    return severity.rsplit("#", 1)[-1].rsplit("/", 1)[-1]


def compact(iri: str | None) -> str | None:
    """Shorten an IRI with a well-known prefix when one applies (for people)."""
    if iri is None:
        return None
    return curie(iri)


def _sort_key(violation: Violation) -> tuple[int, str, str, str]:
    return (_SEVERITY_ORDER.get(severity_name(violation.severity), 3), violation.path or "",
            violation.message, violation.value or "")


def group(violations: Iterable[Violation]) -> list[tuple[str, str | None, list[Violation]]]:
    """Group violations by focus resource: (IRI, label, violations), in a stable order."""
    groups: dict[str, list[Violation]] = {}
    for violation in violations:
        groups.setdefault(violation.focus, []).append(violation)
    result = []
    for focus, items in groups.items():
        label = next((v.focus_label for v in items if v.focus_label), None)
        result.append((focus, label, sorted(items, key=_sort_key)))
    result.sort(key=lambda item: ((item[1] or item[0]).casefold(), item[0]))
    return result


def _counts(report: Report) -> dict[str, int]:
    counts: dict[str, int] = {}
    for violation in report.violations:
        name = severity_name(violation.severity)
        counts[name] = counts.get(name, 0) + 1
    return counts


def summary(report: Report) -> str:
    """One line saying whether the data conforms and how many results there are."""
    counts = _counts(report)
    resources = len({v.focus for v in report.violations})
    parts = [f"{n} {name.lower()}{'' if n == 1 else 's'}"
             for name, n in sorted(counts.items(), key=lambda i: _SEVERITY_ORDER.get(i[0], 3))]
    if report.conforms:
        return "conforms" + (f" ({', '.join(parts)})" if parts else "")
    where = f"{resources} resource{'' if resources == 1 else 's'}"
    return f"does not conform: {', '.join(parts) or 'no results'} on {where}"


def _shown_value(violation: Violation) -> str | None:
    """The offending value for a person: literals as terms, with the quotes that may be the
    mistake ("25", not 25); IRIs shortened with a well-known prefix or written <...>."""
    term = violation.value_term
    if term is None:
        return compact(violation.value)
    if term.startswith("<") and term.endswith(">"):
        iri = term[1:-1]
        shortened = compact(iri)
        return shortened if shortened != iri else term
    return term


def _constraint_name(constraint: str) -> str:
    name = constraint.rsplit("#", 1)[-1].rsplit(":", 1)[-1]
    return name.removesuffix("ConstraintComponent")


def to_text(report: Report) -> str:
    """The report for a person: grouped by resource, then a summary line."""
    lines: list[str] = []
    for focus, label, violations in group(report.violations):
        lines.append(f"{label} <{focus}>" if label else f"<{focus}>")
        for violation in violations:
            lines.append(f"  {severity_name(violation.severity)}: {violation.message}")
            if violation.path:
                lines.append(f"    path:  {compact(violation.path)}")
            if violation.value is not None:
                lines.append(f"    value: {_shown_value(violation)}")
            constraint = f" ({_constraint_name(violation.constraint)})" \
                if violation.constraint else ""
            lines.append(f"    shape: {compact(violation.shape)}{constraint}")
        lines.append("")
    lines.append(summary(report))
    return "\n".join(lines) + "\n"


def to_dict(report: Report) -> dict[str, Any]:
    """The report for a program: conformance, counts, and violations grouped by resource."""
    return {
        "conforms": report.conforms,
        "summary": summary(report),
        "counts": _counts(report),
        "resources": [
            {"focus": focus, "label": label, "violations": [
                {"severity": severity_name(v.severity), "message": v.message, "path": v.path,
                 "value": v.value, "value_term": v.value_term, "shape": v.shape,
                 "constraint": v.constraint}
                for v in violations]}
            for focus, label, violations in group(report.violations)],
    }


def to_json(report: Report) -> str:
    """The report as JSON (see ``to_dict``)."""
    return json.dumps(to_dict(report), ensure_ascii=False, indent=2) + "\n"


def to_turtle(report: Report) -> str:
    """The W3C SHACL validation report graph (sh:ValidationReport) in Turtle."""
    report.graph.bind("sh", "http://www.w3.org/ns/shacl#")
    text: str = report.graph.serialize(format="turtle")
    return text


def render(report: Report, fmt: str) -> str:
    """Render the report in one of ``FORMATS``."""
    if fmt == "text":
        return to_text(report)
    if fmt == "json":
        return to_json(report)
    if fmt == "turtle":
        return to_turtle(report)
    raise ValueError(f"unknown report format {fmt!r} (one of {', '.join(FORMATS)})")
