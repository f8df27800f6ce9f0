"""Serialisers of SELECT and ASK results: SPARQL JSON, XML, CSV and TSV, with a row cap.

pyoxigraph's own serialisers write every solution; these take solutions one at a time
(they are generators of text chunks) so that a result can be cut at the row limit without
materialising it, and they produce exactly the W3C formats (checked against
``pyoxigraph.parse_query_results`` by the tests).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from xml.sax.saxutils import escape, quoteattr

import pyoxigraph

from healthkg import negotiation

XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
RDF_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"
RDF_DIR_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#dirLangString"

Term = pyoxigraph.NamedNode | pyoxigraph.BlankNode | pyoxigraph.Literal | pyoxigraph.Triple
Row = Sequence[Term | None]


# ---------------------------------------------------------------- JSON (SPARQL 1.1 JSON)

def json_term(term: Term) -> dict[str, object]:
    """A term as an RDF term object of the SPARQL JSON results format."""
    if isinstance(term, pyoxigraph.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, pyoxigraph.BlankNode):
        return {"type": "bnode", "value": term.value}
    if isinstance(term, pyoxigraph.Literal):
        out: dict[str, object] = {"type": "literal", "value": term.value}
        if term.language:
            out["xml:lang"] = term.language
            direction = getattr(term, "direction", None)
            if direction is not None:
                out["its:dir"] = str(direction).rsplit(".", 1)[-1].lower()
        elif term.datatype.value != XSD_STRING:
            out["datatype"] = term.datatype.value
        return out
    return {"type": "triple", "value": {
        "subject": json_term(term.subject), "predicate": json_term(term.predicate),
        "object": json_term(term.object)}}


def _json_text(term: Term) -> str:
    """``json.dumps(json_term(term), ensure_ascii=False)``, without building a dict.

    An IRI cannot hold a character JSON escapes (quote, backslash, controls), so it is
    written as it is; literals go through json.dumps for their text.
    """
    if type(term) is pyoxigraph.NamedNode:
        return '{"type": "uri", "value": "' + term.value + '"}'
    if type(term) is pyoxigraph.Literal and getattr(term, "direction", None) is None:
        head = '{"type": "literal", "value": ' + json.dumps(term.value, ensure_ascii=False)
        if term.language:
            return head + ', "xml:lang": ' + json.dumps(term.language) + "}"
        datatype = term.datatype.value
        if datatype != XSD_STRING:
            return head + ', "datatype": "' + datatype + '"}'
        return head + "}"
    return json.dumps(json_term(term), ensure_ascii=False)


def json_select(variables: Sequence[str], rows: Iterable[Row]) -> Iterator[str]:
    """SELECT results as application/sparql-results+json, chunk by chunk."""
    dump = json.dumps
    yield '{"head":{"vars":' + dump(list(variables)) + '},"results":{"bindings":['
    keys = [dump(v, ensure_ascii=False) + ": " for v in variables]
    # Results repeat the same terms row after row (joins, types, labels): each term is
    # written once per answer. The bytes are those of json.dumps of the whole binding.
    written: dict[Term, str] = {}
    first = True
    for row in rows:
        parts = []
        for key, term in zip(keys, row, strict=True):
            if term is None:
                continue
            text = written.get(term)
            if text is None:
                text = written[term] = _json_text(term)
            parts.append(key + text)
        yield ("{" if first else ",{") + ", ".join(parts) + "}"
        first = False
    yield "]}}"


def json_ask(value: bool) -> Iterator[str]:
    """An ASK result as application/sparql-results+json."""
    yield '{"head":{},"boolean":' + ("true" if value else "false") + "}"


# ----------------------------------------------------------------- XML (SPARQL XML results)

_XML_HEAD = ('<?xml version="1.0" encoding="UTF-8"?>\n'
             '<sparql xmlns="http://www.w3.org/2005/sparql-results#">\n')


def _xml_text(text: str) -> str:
    # Characters XML 1.0 cannot carry at all are replaced rather than producing bad XML.
    cleaned = "".join(c if c in "\t\n\r" or c >= " " else "\ufffd" for c in text) \
        if any(c < " " and c not in "\t\n\r" for c in text) else text
    return escape(cleaned, {"\r": "&#13;"})


def xml_term(term: Term) -> str:
    """A term as the content of a <binding> element of the SPARQL XML results format."""
    if isinstance(term, pyoxigraph.NamedNode):
        return f"<uri>{_xml_text(term.value)}</uri>"
    if isinstance(term, pyoxigraph.BlankNode):
        return f"<bnode>{_xml_text(term.value)}</bnode>"
    if isinstance(term, pyoxigraph.Literal):
        if term.language:
            return (f"<literal xml:lang={quoteattr(term.language)}>"
                    f"{_xml_text(term.value)}</literal>")
        if term.datatype.value != XSD_STRING:
            return (f"<literal datatype={quoteattr(term.datatype.value)}>"
                    f"{_xml_text(term.value)}</literal>")
        return f"<literal>{_xml_text(term.value)}</literal>"
    return (f"<triple><subject>{xml_term(term.subject)}</subject>"
            f"<predicate>{xml_term(term.predicate)}</predicate>"
            f"<object>{xml_term(term.object)}</object></triple>")


def xml_select(variables: Sequence[str], rows: Iterable[Row]) -> Iterator[str]:
    """SELECT results as application/sparql-results+xml, chunk by chunk."""
    head = "".join(f"<variable name={quoteattr(v)}/>" for v in variables)
    yield _XML_HEAD + f"<head>{head}</head>\n<results>\n"
    for row in rows:
        parts = "".join(f"<binding name={quoteattr(v)}>{xml_term(t)}</binding>"
                        for v, t in zip(variables, row, strict=True) if t is not None)
        yield f"<result>{parts}</result>\n"
    yield "</results>\n</sparql>\n"


def xml_ask(value: bool) -> Iterator[str]:
    """An ASK result as application/sparql-results+xml."""
    yield _XML_HEAD + f"<head/>\n<boolean>{'true' if value else 'false'}</boolean>\n</sparql>\n"


# ----------------------------------------------------------------------------- CSV and TSV

def _csv_field(text: str) -> str:
    if any(c in text for c in ',"\r\n'):
        return '"' + text.replace('"', '""') + '"'
    return text


def _csv_text(term: Term) -> str:
    if isinstance(term, pyoxigraph.NamedNode | pyoxigraph.Literal):
        return term.value
    if isinstance(term, pyoxigraph.BlankNode):
        return "_:" + term.value
    # A triple term as its three terms separated by spaces, as Oxigraph writes it.
    return " ".join(_csv_text(t) for t in (term.subject, term.predicate, term.object))


def csv_term(term: Term) -> str:
    """A term as a CSV field (SPARQL 1.1 CSV: IRIs and literals without markup)."""
    return _csv_field(_csv_text(term))


def csv_select(variables: Sequence[str], rows: Iterable[Row]) -> Iterator[str]:
    """SELECT results as text/csv (lines end in CRLF, as the format requires)."""
    yield ",".join(_csv_field(v) for v in variables) + "\r\n"
    for row in rows:
        yield ",".join("" if t is None else csv_term(t) for t in row) + "\r\n"


def tsv_term(term: Term) -> str:
    """A term as a TSV field: its Turtle/N-Triples form, with tabs and newlines escaped."""
    # pyoxigraph's str() is the N-Triples form, which escapes \t, \n, \r and quotes.
    if isinstance(term, pyoxigraph.Triple):
        return (f"<<( {tsv_term(term.subject)} {tsv_term(term.predicate)} "
                f"{tsv_term(term.object)} )>>")
    return str(term)


def tsv_select(variables: Sequence[str], rows: Iterable[Row]) -> Iterator[str]:
    """SELECT results as text/tab-separated-values."""
    yield "\t".join("?" + v for v in variables) + "\n"
    for row in rows:
        yield "\t".join("" if t is None else tsv_term(t) for t in row) + "\n"


def text_ask(value: bool) -> Iterator[str]:
    """An ASK result as CSV or TSV: the bare word, as Oxigraph writes and parses it."""
    yield "true" if value else "false"


SELECT_WRITERS: dict[str, Callable[[Sequence[str], Iterable[Row]], Iterator[str]]] = {
    negotiation.SPARQL_JSON: json_select,
    negotiation.SPARQL_XML: xml_select,
    negotiation.CSV: csv_select,
    negotiation.TSV: tsv_select,
}

ASK_WRITERS: dict[str, Callable[[bool], Iterator[str]]] = {
    negotiation.SPARQL_JSON: json_ask,
    negotiation.SPARQL_XML: xml_ask,
    negotiation.CSV: text_ask,
    negotiation.TSV: text_ask,
}


class RowCounter:
    """Wrap solutions, stop after ``limit`` rows and remember whether more were available."""

    def __init__(self, solutions: Iterable[pyoxigraph.QuerySolution], width: int,
                 limit: int) -> None:
        self._solutions = solutions
        self._width = width
        self.limit = limit
        self.rows = 0
        self.truncated = False

    def __iter__(self) -> Iterator[Row]:
        iterator = iter(self._solutions)
        for solution in iterator:
            if self.rows >= self.limit:
                self.truncated = True
                return
            self.rows += 1
            yield [solution[i] for i in range(self._width)]


def write_select(media_type: str, variables: Sequence[str],
                 solutions: Iterable[pyoxigraph.QuerySolution], limit: int
                 ) -> tuple[bytes, int, bool]:
    """Serialise at most ``limit`` solutions; return (body, rows written, truncated)."""
    counter = RowCounter(solutions, len(variables), limit)
    body = "".join(SELECT_WRITERS[media_type](variables, counter)).encode("utf-8")
    return body, counter.rows, counter.truncated


def write_ask(media_type: str, value: bool) -> bytes:
    """Serialise a boolean result."""
    return "".join(ASK_WRITERS[media_type](value)).encode("utf-8")
