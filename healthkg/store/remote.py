"""A store over any SPARQL 1.1 Protocol server: ``--store sparql+http://HOST:PORT/PATH``.

Several stateless healthkg replicas can serve one shared backend (Oxigraph server, Fuseki,
Virtuoso, GraphDB, QLever, Neptune...). Queries pass the same safety checks as on the
embedded store (``healthkg.safety``: no update through the query endpoint, nesting limit,
no SERVICE or LOAD) before they leave; they are sent with an HTTP timeout equal to their
deadline (a late answer is ``QueryTimeout``, 503), and the answer is parsed and written again
by healthkg's own serialisers, so negotiation, formats and the row cap behave exactly as on
the embedded store. SELECT and ASK are asked of the backend as SPARQL JSON results,
CONSTRUCT and DESCRIBE as N-Triples.

The backend must present the union of its named graphs as its default graph, as healthkg
does (Oxigraph: ``oxigraph serve --union-default-graph``; Fuseki: ``unionDefaultGraph``).
Named-query parameters are bound with a trailing ``VALUES`` clause built from the parsed
term (never from the raw parameter text), which SPARQL joins before solution modifiers.

The dataset version is read from the backend with a small query at most every
``VERSION_TTL`` seconds: the ``owl:versionInfo`` of the graph ``id/graph/service`` when the
backend holds one (whoever loads the backend bumps it); without it the version names the
backend only. Writes go through the same gate, journal and history as on the embedded
store, with the data-only limits that ``healthkg.store.remote_writer`` explains; they are
sent to the update URL (``--update-url``), which bumps that version.
"""

from __future__ import annotations

import hashlib
import http.client
import json
import os
import re
import threading
import time
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode, urlsplit

import pyoxigraph

from healthkg import dump, errors, execution, safety
from healthkg.config import BASE_IRI, Settings
from healthkg.journal import ChangeRecord
from healthkg.store.base import QueryOutcome, QueryRequest, WriteOutcome, WriteRequest

if TYPE_CHECKING:  # the writer (pyshacl) is imported on the first write only
    from healthkg.store.remote_writer import RemoteWriter

SCHEMES = ("sparql+http://", "sparql+https://")
#: Seconds a version read from the backend is trusted (one probe per replica and period).
VERSION_TTL = 0.5
#: Where a healthkg writer keeps the dataset version in a shared backend.
SERVICE_GRAPH = BASE_IRI + "id/graph/service"
VERSION_PREDICATE = "http://www.w3.org/2002/07/owl#versionInfo"
#: Deadline of the control queries (stats, version, dumps).
CONTROL_TIMEOUT = 30.0
RETRY_AFTER = "1"
_BASE_DECL = re.compile(r"^\s*BASE\s*<", re.IGNORECASE | re.MULTILINE)
#: An empty store that parses queries before they are sent (see ``RemoteStore._check``).
_EMPTY = pyoxigraph.Store()


def is_remote(location: str) -> bool:
    """True when a ``--store`` value names a remote SPARQL backend."""
    return location.startswith(SCHEMES)


class RemoteStore:
    """The ``Store`` protocol over a SPARQL 1.1 Protocol server."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.query_url = settings.store.removeprefix("sparql+")
        self.update_url = (settings.update_url or self.query_url).removeprefix("sparql+")
        parts = urlsplit(self.query_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"not a SPARQL endpoint URL: {settings.store!r} "
                             "(expected sparql+http://HOST:PORT/PATH)")
        self._secure = parts.scheme == "https"
        self._host = parts.hostname
        self._port = parts.port or (443 if self._secure else 80)
        self._path = parts.path or "/"
        self._local = threading.local()
        self._pid = os.getpid()
        self._backend = "r" + hashlib.sha256(self.query_url.encode()).hexdigest()[:10]
        self._version: tuple[float, str] = (0.0, "")
        self._stats: tuple[str, dict[str, int]] | None = None
        self._writer: RemoteWriter | None = None
        self._writer_lock = threading.Lock()

    # -- HTTP --------------------------------------------------------------------------------

    def _connection(self, timeout: float) -> http.client.HTTPConnection:
        if self._pid != os.getpid():  # forked by gunicorn: connections are not shared
            self._local = threading.local()
            self._pid = os.getpid()
        conn: http.client.HTTPConnection | None = getattr(self._local, "conn", None)
        if conn is None:
            cls = http.client.HTTPSConnection if self._secure else http.client.HTTPConnection
            conn = cls(self._host, self._port, timeout=timeout)
            self._local.conn = conn
        conn.timeout = timeout
        if conn.sock is not None:
            conn.sock.settimeout(timeout)
        return conn

    def _drop(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None

    def _post(self, params: list[tuple[str, str]], accept: str,
              timeout: float) -> tuple[bytes, str]:
        """POST a form-encoded query; return the body and its media type."""
        body = urlencode(params).encode("utf-8")
        headers = {"Content-Type": "application/x-www-form-urlencoded", "Accept": accept,
                   "User-Agent": "healthkg"}
        deadline = time.monotonic() + timeout
        for attempt in (1, 2):
            conn = self._connection(max(deadline - time.monotonic(), 0.001))
            try:
                conn.request("POST", self._path, body=body, headers=headers)
                response = conn.getresponse()
                data = response.read()
            except TimeoutError as exc:
                self._drop()
                raise errors.QueryTimeout.past(timeout, int(RETRY_AFTER)) from exc
            except (ConnectionError, http.client.HTTPException, OSError) as exc:
                # A kept-alive connection the backend closed: open a new one once.
                self._drop()
                if attempt == 2 or time.monotonic() >= deadline:
                    raise errors.ServiceUnavailable(
                        f"The SPARQL backend at {self.query_url} cannot be reached ({exc}).",
                        headers={"Retry-After": RETRY_AFTER}) from exc
                continue
            media_type = (response.getheader("Content-Type") or "").split(";")[0].strip()
            if response.status == 200:
                return data, media_type
            message = data.decode("utf-8", "replace").strip()[:2000]
            if 400 <= response.status < 500:
                raise errors.BadRequest(f"the SPARQL backend refused the query: {message}")
            raise errors.ServiceUnavailable(
                f"The SPARQL backend answered {response.status}: {message}",
                headers={"Retry-After": RETRY_AFTER})
        raise AssertionError("unreachable")  # pragma: no cover

    def _select(self, text: str, timeout: float = CONTROL_TIMEOUT) -> list[dict[str, Any]]:
        body, _ = self._post([("query", text)], "application/sparql-results+json", timeout)
        return list(json.loads(body)["results"]["bindings"])

    # -- the Store protocol ------------------------------------------------------------------

    def query(self, request: QueryRequest, *, timeout: float) -> QueryOutcome:
        """Check the query, send it to the backend, and write its answer as negotiated."""
        analysis = self._check(request)
        text = _bind(request.text, request.substitutions)
        if request.base_iri and not _BASE_DECL.search(text):
            text = f"BASE <{pyoxigraph.NamedNode(request.base_iri).value}>\n{text}"
        params = [("query", text)]
        params += [("default-graph-uri", g) for g in request.default_graphs]
        params += [("named-graph-uri", g) for g in request.named_graphs]
        if not (request.default_graphs or request.named_graphs or analysis.has_dataset):
            # The default graph is the union of the named graphs, as on the embedded store
            # (Oxigraph's parameter; other backends are configured to do the same).
            params.append(("union-default-graph", ""))
        version = self.version()
        if analysis.operation in ("CONSTRUCT", "DESCRIBE"):
            body, _ = self._post(params, "application/n-triples", timeout)
            try:
                triples = [pyoxigraph.Triple(q.subject, q.predicate, q.object) for q in
                           pyoxigraph.parse(body, format=pyoxigraph.RdfFormat.N_TRIPLES)]
            except SyntaxError as exc:
                raise errors.ServiceUnavailable(
                    f"The SPARQL backend sent an unreadable graph: {exc}") from exc
            answer: Any = iter(triples)
        else:
            body, _ = self._post(params, "application/sparql-results+json", timeout)
            try:
                answer = pyoxigraph.parse_query_results(
                    body, format=pyoxigraph.QueryResultsFormat.JSON)
            except SyntaxError as exc:
                raise errors.ServiceUnavailable(
                    f"The SPARQL backend sent unreadable results: {exc}") from exc
        return execution.serialise_answer(answer, request, max_rows=self.settings.max_rows,
                                          version=version)

    def _check(self, request: QueryRequest) -> safety.Analysis:
        text = request.text
        analysis = safety.analyse(text)
        if analysis.is_update:
            raise errors.BadRequest(
                f"{analysis.operation} is a SPARQL Update operation; the query endpoint only "
                "answers queries (send updates to /update)")
        if analysis.depth > execution.HARD_NESTING_LIMIT:
            raise errors.BadRequest(f"the query nests brackets {analysis.depth} deep; the "
                                    f"limit is {execution.HARD_NESTING_LIMIT}")
        if not self.settings.allow_service and (analysis.service or analysis.load):
            raise errors.BadRequest("SERVICE and LOAD are not allowed: this service makes no "
                                    "outbound requests")
        try:
            # Parsed here by the same parser as the embedded store, so that a malformed
            # query gets the same 400 with its line and column, whatever the backend says.
            # Evaluating it on an empty store costs microseconds.
            _EMPTY.query(text, base_iri=request.base_iri)
        except SyntaxError as exc:
            raise execution.syntax_error(exc) from exc
        except (ValueError, TypeError, RuntimeError, OSError):
            pass  # an evaluation matter: the backend's answer decides
        return analysis

    def version(self) -> str:
        """The backend's dataset version, read at most every ``VERSION_TTL`` seconds."""
        checked, version = self._version
        now = time.monotonic()
        if version and now - checked < VERSION_TTL:
            return version
        rows = self._select(f"SELECT ?v WHERE {{ GRAPH <{SERVICE_GRAPH}> {{ ?s "
                            f"<{VERSION_PREDICATE}> ?v }} }}", timeout=CONTROL_TIMEOUT)
        found = sorted(str(row["v"]["value"]) for row in rows if "v" in row)
        version = f"{self._backend}-{found[-1]}" if found else f"{self._backend}-0"
        self._version = (now, version)
        return version

    def dump(self, media_type: str) -> bytes:
        """Every quad of the backend, sorted, as ``media_type``."""
        rows = self._select("SELECT ?s ?p ?o ?g WHERE { GRAPH ?g { ?s ?p ?o } }",
                            timeout=300.0)
        return dump.serialise((_quad(row) for row in rows), media_type)

    def stats(self) -> dict[str, int]:
        """Counts of quads and named graphs (counted once per dataset version)."""
        version = self.version()
        if self._stats is not None and self._stats[0] == version:
            return dict(self._stats[1])
        rows = self._select("SELECT (COUNT(*) AS ?quads) (COUNT(DISTINCT ?g) AS ?graphs) "
                            "WHERE { GRAPH ?g { ?s ?p ?o } }")
        row = rows[0] if rows else {}
        stats = {"quads": int(row.get("quads", {}).get("value", 0)),
                 "graphs": int(row.get("graphs", {}).get("value", 0))}
        self._stats = (version, stats)
        return dict(stats)

    def close(self) -> None:
        """Close this thread's connection."""
        self._drop()

    def _send_update(self, text: str) -> None:
        """POST a SPARQL Update to the update URL; raise 503 unless the backend took it."""
        parts = urlsplit(self.update_url)
        cls = (http.client.HTTPSConnection if parts.scheme == "https"
               else http.client.HTTPConnection)
        conn = cls(parts.hostname or self._host, parts.port or self._port,
                   timeout=self.settings.write_timeout)
        try:
            conn.request("POST", parts.path or "/", body=text.encode("utf-8"),
                         headers={"Content-Type": "application/sparql-update",
                                  "User-Agent": "healthkg"})
            response = conn.getresponse()
            data = response.read()
        except (ConnectionError, http.client.HTTPException, OSError) as exc:
            raise errors.ServiceUnavailable(
                f"The SPARQL backend's update endpoint {self.update_url} cannot be reached "
                f"({exc}); nothing was written.", headers={"Retry-After": RETRY_AFTER}) from exc
        finally:
            conn.close()
        if not 200 <= response.status < 300:
            message = data.decode("utf-8", "replace").strip()[:2000]
            raise errors.ServiceUnavailable(
                f"The SPARQL backend refused the update ({response.status}): {message}",
                headers={"Retry-After": RETRY_AFTER})

    def writer(self) -> RemoteWriter:
        """The writer of this backend (created on first use)."""
        with self._writer_lock:
            if self._writer is None:
                from healthkg.store.remote_writer import RemoteWriter

                self._writer = RemoteWriter(
                    self.settings, select=self._select, update=self._send_update, term=_term,
                    backend=self._backend, service_graph=SERVICE_GRAPH,
                    version_predicate=VERSION_PREDICATE)
                if self._writer.replay():
                    self._version = (0.0, "")
            return self._writer

    def write(self, request: WriteRequest) -> WriteOutcome:
        """Carry out a write through the gate (see ``healthkg.store.remote_writer``)."""
        try:
            return self.writer().write(request)
        finally:
            self._version = (0.0, "")  # the next read asks the backend again

    def read_graph(self, graph: str | None, media_type: str) -> bytes | None:
        """One named graph of the backend (the default graph is the union)."""
        fmt = pyoxigraph.RdfFormat.from_media_type(media_type)
        if fmt is None:
            raise errors.BadRequest(f"cannot write a graph as {media_type}")
        pattern = (f"GRAPH <{pyoxigraph.NamedNode(graph).value}> {{ ?s ?p ?o }}"
                   if graph else "?s ?p ?o")
        rows = self._select(f"SELECT ?s ?p ?o WHERE {{ {pattern} }}")
        triples = sorted((pyoxigraph.Triple(_term(r["s"]), _term(r["p"]), _term(r["o"]))
                          for r in rows), key=str)
        if not triples:
            return None
        return pyoxigraph.serialize(triples, format=fmt) or b""

    def changes(self, offset: int, limit: int) -> tuple[int, list[ChangeRecord]]:
        """The changes made through this server (its journal), newest first."""
        return self.writer().changes(offset, limit)

    def change(self, change_id: str) -> ChangeRecord | None:
        """One change made through this server, with its quads."""
        return self.writer().record(change_id)


def _bind(text: str, substitutions: tuple[tuple[str, str], ...]) -> str:
    """The query with its parameters bound, as pyoxigraph's substitutions bind them.

    Each parameter's variable is replaced by its value in the patterns of the WHERE clause
    (not where a variable is required: projections, ``AS``), and a BIND at the start of the
    clause keeps it bound for the projection. The value is written from the parsed term
    (``execution.parse_term``), never copied from the request.
    """
    if not substitutions:
        return text
    values = {}
    for name, value in substitutions:
        variable = pyoxigraph.Variable(name)  # refuses anything that is not a variable name
        values[variable.value] = str(execution.parse_term(value))
    position = _where_brace(text)
    if position is None:
        raise errors.BadRequest("this query has no WHERE clause to bind parameters in")
    close = _matching_brace(text, position)
    inner = _replace_variables(text[position + 1:close], values)
    binds = " ".join(f"BIND({term} AS ?{name})" for name, term in values.items())
    if _starts_with_select(inner):
        # A subquery must be alone in its group: bind beside it, in an enclosing group.
        return f"{text[:position + 1]} {binds} {{{inner}}} {text[close:]}"
    return f"{text[:position + 1]} {binds} {inner}{text[close:]}"


def _replace_variables(text: str, values: dict[str, str]) -> str:
    """Replace the variables in ``values`` by their terms, except where a variable must stay."""
    out = []
    last = 0
    in_projection = False
    previous = ""
    for match in safety.TOKEN.finditer(text):
        kind, token = match.lastgroup, match.group()
        if kind in ("space", "comment"):
            continue
        upper = token.upper() if kind == "word" else token
        if upper == "SELECT":
            in_projection = True
        elif in_projection and (upper in ("WHERE", "{")):
            in_projection = False
        if (kind == "var" and token[1:] in values and not in_projection
                and previous != "AS"):
            out.append(text[last:match.start()])
            out.append(values[token[1:]])
            last = match.end()
        previous = upper
    out.append(text[last:])
    return "".join(out)


def _starts_with_select(text: str) -> bool:
    for match in safety.TOKEN.finditer(text):
        if match.lastgroup in ("space", "comment"):
            continue
        return match.group().upper() == "SELECT"
    return False


def _matching_brace(text: str, opening: int) -> int:
    """Offset of the '}' closing the '{' at ``opening``."""
    depth = 0
    for match in safety.TOKEN.finditer(text, opening):
        if match.lastgroup == "other" and match.group() == "{":
            depth += 1
        elif match.lastgroup == "other" and match.group() == "}":
            depth -= 1
            if depth == 0:
                return match.start()
    raise errors.BadRequest("the WHERE clause of this query is not closed")


def _where_brace(text: str) -> int | None:
    """Offset of the '{' opening the WHERE clause (strings, IRIs and comments skipped)."""
    seen_where = False
    operation = ""
    first_brace = None
    for match in safety.TOKEN.finditer(text):
        kind, value = match.lastgroup, match.group()
        if kind == "word" and ":" not in value:
            keyword = value.upper()
            if keyword == "WHERE":
                seen_where = True
            elif not operation and keyword not in ("PREFIX", "BASE"):
                operation = keyword
        elif kind == "other" and value == "{":
            if seen_where:
                return match.start()
            if first_brace is None:
                first_brace = match.start()
    # "SELECT * { ... }": the first brace opens the pattern (not so for CONSTRUCT).
    return first_brace if operation != "CONSTRUCT" else None


def _term(data: dict[str, Any]) -> Any:
    kind = data["type"]
    if kind == "uri":
        return pyoxigraph.NamedNode(data["value"])
    if kind == "bnode":
        return pyoxigraph.BlankNode(data["value"])
    if "xml:lang" in data:
        return pyoxigraph.Literal(data["value"], language=data["xml:lang"])
    if "datatype" in data:
        return pyoxigraph.Literal(data["value"],
                                  datatype=pyoxigraph.NamedNode(data["datatype"]))
    return pyoxigraph.Literal(data["value"])


def _quad(row: dict[str, Any]) -> pyoxigraph.Quad:
    return pyoxigraph.Quad(_term(row["s"]), _term(row["p"]), _term(row["o"]),
                           _term(row["g"]))
