"""Named queries: the ``queries/*.rq`` files, their headers, and safe binding of parameters.

A named query is a SPARQL file whose first lines are comments describing it::

    # title: Members of Biogenouest and their roles
    # description: Every organisation taking part in a network,
    #   with the role it plays there.
    # param: org iri "The network whose members to list" default=<https://...>

Parameters are never pasted into the query text: ``bind`` checks and types each value and
returns (variable, N-Triples term) pairs that the store substitutes for the variables
before evaluation (pyoxigraph ``substitutions``). The format is documented in
``queries/README.md``.
"""

from __future__ import annotations

import datetime
import re
import shlex
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from healthkg.errors import BadRequest, InputUnreadable, NotFound

XSD = "http://www.w3.org/2001/XMLSchema#"

#: A query's name is its file name without ``.rq``: lower-case words joined by hyphens.
NAME_PATTERN = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
_PARAM_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_HEADER_LINE = re.compile(r"#\s?(?P<key>[a-z]+):\s*(?P<value>.*)")
_CONTINUATION = re.compile(r"#\s{2,}(?P<value>\S.*)")
#: An absolute IRI: a scheme, then characters N-Triples and SPARQL allow inside <...>.
_IRI = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:[^\x00-\x20<>\"{}|^`\\]*")
_LANGUAGE = re.compile(r"[A-Za-z]{1,8}(?:-[A-Za-z0-9]{1,8})*")
_INTEGER = re.compile(r"[+-]?[0-9]+")
_DECIMAL = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
#: Longest value accepted for any parameter: a named query never needs more.
MAX_VALUE_LENGTH = 4096


@dataclass(frozen=True)
class Parameter:
    """One parameter of a named query: the SPARQL variable it binds and the type of its value."""

    name: str
    type: str
    description: str
    default: str | None
    required: bool


@dataclass(frozen=True)
class NamedQuery:
    """A query file of ``queries/`` with its header."""

    name: str
    title: str
    description: str
    parameters: tuple[Parameter, ...]
    text: str
    path: Path

    def parameter(self, name: str) -> Parameter | None:
        """The parameter called ``name``, or None."""
        return next((p for p in self.parameters if p.name == name), None)


def _ntriples_string(text: str) -> str:
    """Quote a string as an N-Triples literal body (with the quotes)."""
    escaped = (text.replace("\\", "\\\\").replace('"', '\\"')
               .replace("\n", "\\n").replace("\r", "\\r"))
    return f'"{escaped}"'


def _typed(lexical: str, datatype: str) -> str:
    return f"{_ntriples_string(lexical)}^^<{XSD}{datatype}>"


def _as_iri(value: str) -> str:
    if value.startswith("<") and value.endswith(">"):
        value = value[1:-1]
    if not _IRI.fullmatch(value):
        raise ValueError("an absolute IRI such as <https://w3id.org/rennes-health/id/org/"
                         "biogenouest>, without spaces or any of <>\"{}|^`\\")
    return f"<{value}>"


def _as_string(value: str) -> str:
    return _ntriples_string(value)


def _as_langstring(value: str) -> str:
    text, at, language = value.rpartition("@")
    if not at or not _LANGUAGE.fullmatch(language):
        raise ValueError("text followed by @ and a language tag, such as Oncologie@fr")
    return f"{_ntriples_string(text)}@{language.lower()}"


def _as_language(value: str) -> str:
    if not _LANGUAGE.fullmatch(value):
        raise ValueError("a language tag such as en or fr")
    return _ntriples_string(value.lower())


def _as_integer(value: str) -> str:
    if not _INTEGER.fullmatch(value.strip()):
        raise ValueError("an integer such as 42")
    return _typed(str(int(value)), "integer")


def _as_decimal(value: str) -> str:
    text = value.strip()
    if not _DECIMAL.fullmatch(text):
        raise ValueError("a decimal number such as 3.5")
    return _typed(text, "decimal")


def _as_boolean(value: str) -> str:
    text = value.strip().lower()
    if text in {"true", "1"}:
        return _typed("true", "boolean")
    if text in {"false", "0"}:
        return _typed("false", "boolean")
    raise ValueError("true or false")


def _as_date(value: str) -> str:
    text = value.strip()
    try:
        if not _DATE.fullmatch(text):
            raise ValueError
        datetime.date.fromisoformat(text)
    except ValueError:
        raise ValueError("a date written YYYY-MM-DD, such as 2024-01-31") from None
    return _typed(text, "date")


#: Each parameter type with the function turning a value into an N-Triples term.
TYPES: dict[str, Callable[[str], str]] = {
    "iri": _as_iri,
    "string": _as_string,
    "langstring": _as_langstring,
    "language": _as_language,
    "integer": _as_integer,
    "decimal": _as_decimal,
    "boolean": _as_boolean,
    "date": _as_date,
}


def term(parameter: Parameter, value: str) -> str:
    """Check ``value`` against the parameter's type; return it as an N-Triples term."""
    if len(value) > MAX_VALUE_LENGTH:
        raise BadRequest(f"parameter {parameter.name!r} is too long ({len(value)} characters;"
                         f" at most {MAX_VALUE_LENGTH})", details={"parameter": parameter.name})
    if any(ord(c) < 0x20 and c not in "\t\n\r" for c in value) or "\x7f" in value:
        raise BadRequest(f"parameter {parameter.name!r} contains control characters",
                         details={"parameter": parameter.name})
    try:
        return TYPES[parameter.type](value)
    except ValueError as exc:
        raise BadRequest(f"parameter {parameter.name!r} ({parameter.type}) must be {exc}; "
                         f"got {value!r}", details={"parameter": parameter.name}) from exc


def bind(query: NamedQuery, values: Mapping[str, str]) -> tuple[tuple[str, str], ...]:
    """Type-check the values given for a query's parameters; return substitution pairs."""
    known = {p.name for p in query.parameters}
    unknown = sorted(set(values) - known)
    if unknown:
        expected = ", ".join(sorted(known)) or "none"
        raise BadRequest(f"unknown parameter {unknown[0]!r} for query {query.name!r} "
                         f"(its parameters: {expected})", details={"parameter": unknown[0]})
    pairs: list[tuple[str, str]] = []
    for parameter in query.parameters:
        value = values.get(parameter.name, parameter.default)
        if value is None:
            if parameter.required:
                raise BadRequest(f"parameter {parameter.name!r} of query {query.name!r} is "
                                 f"required: {parameter.description} ({parameter.type})",
                                 details={"parameter": parameter.name})
            continue
        pairs.append((parameter.name, term(parameter, value)))
    return tuple(pairs)


class _HeaderError(Exception):
    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message


def _parse_param(line: int, value: str) -> Parameter:
    try:
        tokens = shlex.split(value, posix=True)
    except ValueError as exc:
        raise _HeaderError(line, f"param: {exc}") from exc
    usage = 'expected: param: NAME TYPE "description" [default=VALUE] [optional]'
    if len(tokens) < 3:
        raise _HeaderError(line, f"param needs a name, a type and a description ({usage})")
    name, kind, description, *options = tokens
    if not _PARAM_NAME.fullmatch(name):
        raise _HeaderError(line, f"param name {name!r} is not a SPARQL variable name")
    if kind not in TYPES:
        raise _HeaderError(line, f"param {name!r}: unknown type {kind!r} "
                                 f"(one of {', '.join(TYPES)})")
    default: str | None = None
    optional = False
    for option in options:
        if option.startswith("default="):
            default = option[len("default="):]
            if kind == "iri" and default.startswith("<") and default.endswith(">"):
                default = default[1:-1]
        elif option == "optional":
            optional = True
        else:
            raise _HeaderError(line, f"param {name!r}: unexpected {option!r} ({usage})")
    parameter = Parameter(name=name, type=kind, description=description, default=default,
                          required=default is None and not optional)
    if default is not None:
        try:
            term(parameter, default)
        except BadRequest as exc:
            raise _HeaderError(line, f"default of {exc.message}") from exc
    return parameter


def _parse_header(lines: list[str]) -> tuple[dict[str, str], list[Parameter], int]:
    """Read the comment block at the top; return fields, parameters and the header's length."""
    fields: dict[str, str] = {}
    parameters: list[Parameter] = []
    last: str | None = None
    count = 0
    for number, raw in enumerate(lines, start=1):
        line = raw.rstrip()
        if not line.startswith("#"):
            break
        count = number
        continuation = _CONTINUATION.fullmatch(line)
        if continuation and last in {"title", "description"}:
            fields[last] += " " + continuation["value"].strip()
            continue
        match = _HEADER_LINE.fullmatch(line)
        if line.strip("# \t") == "":
            last = None
            continue
        if match is None:
            raise _HeaderError(number, "expected 'title:', 'description:' or 'param:' "
                                       f"(got {line!r})")
        key, value = match["key"], match["value"].strip()
        if key == "param":
            parameter = _parse_param(number, value)
            if any(p.name == parameter.name for p in parameters):
                raise _HeaderError(number, f"param {parameter.name!r} is declared twice")
            parameters.append(parameter)
            last = None
        elif key in {"title", "description"}:
            if key in fields:
                raise _HeaderError(number, f"{key} is given twice")
            if not value:
                raise _HeaderError(number, f"{key} is empty")
            fields[key] = value
            last = key
        else:
            raise _HeaderError(number, f"unknown header field {key!r} "
                                       "(expected title, description or param)")
    for key in ("title", "description"):
        if key not in fields:
            raise _HeaderError(max(count, 1), f"the header has no '# {key}:' line")
    return fields, parameters, count


def _projection(text: str) -> str | None:
    """The projection of the query's outer SELECT, or None when it is not a SELECT."""
    # Comments start after white space; a '#' inside an IRI (def#Term) is not one.
    body = re.sub(r"(^|\s)#[^\n]*", r"\1", text)
    match = re.search(r"\bSELECT\b(?P<projection>.*?)(?:\bWHERE\b|\{)", body,
                      re.IGNORECASE | re.DOTALL)
    if match is None or re.search(r"\b(CONSTRUCT|ASK|DESCRIBE)\b", body[:match.start()],
                                  re.IGNORECASE):
        return None
    return match["projection"]


def _check_variables(text: str, parameters: list[Parameter], header_lines: int) -> None:
    projection = _projection(text)
    for parameter in parameters:
        variable = re.compile(rf"[?$]{parameter.name}\b")
        if not variable.search(text):
            raise _HeaderError(header_lines, f"param {parameter.name!r} has no variable "
                                             f"?{parameter.name} in the query")
        # pyoxigraph substitutes only variables the outer SELECT projects.
        if projection is not None and projection.strip() != "*" \
                and not variable.search(projection):
            raise _HeaderError(header_lines, f"param {parameter.name!r}: the SELECT clause "
                                             f"must project ?{parameter.name} so it can be "
                                             "bound")


def load(path: Path) -> NamedQuery:
    """Read one ``.rq`` file and its header; raise InputUnreadable naming file and line."""
    name = path.stem
    if path.suffix != ".rq" or not NAME_PATTERN.fullmatch(name):
        raise InputUnreadable(f"{path}: a named query file is called NAME.rq with NAME in "
                              "lower-case letters, digits and hyphens")
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputUnreadable(f"{path}: cannot read: {exc}") from exc
    try:
        fields, parameters, header_lines = _parse_header(text.splitlines())
        _check_variables(text, parameters, header_lines)
    except _HeaderError as exc:
        raise InputUnreadable(f"{path}, line {exc.line}: {exc.message}",
                              details={"file": str(path), "line": exc.line}) from exc
    return NamedQuery(name=name, title=fields["title"], description=fields["description"],
                      parameters=tuple(parameters), text=text, path=path)


def load_all(directory: Path) -> dict[str, NamedQuery]:
    """Read every ``.rq`` file of a directory, keyed and sorted by name."""
    return {path.stem: load(path) for path in sorted(directory.glob("*.rq"))}


def find(directory: Path, name: str) -> NamedQuery:
    """The named query ``name`` of a directory; NotFound when there is none."""
    if not NAME_PATTERN.fullmatch(name) or not (directory / f"{name}.rq").is_file():
        raise NotFound(f"no named query {name!r} (GET /queries lists them)")
    return load(directory / f"{name}.rq")
