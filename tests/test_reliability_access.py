"""Unauthorised writes, in more than 300 variants, are all refused and change nothing.

What is accepted (RFC 6750, section 2.1): exactly one ``Authorization`` header whose scheme is
``Bearer`` as the RFC writes it, one or more spaces, then a token of the tokens file made of
b64token characters, optionally followed by spaces. The scheme's spelling is compared
exactly (``bearer`` and ``BEARER`` are refused, as they always were here, although RFC 7235
lets a server compare it without case). The token is never taken from anywhere else: not
from the query string or a form field (RFC 6750 sections 2.2 and 2.3, which a server need not
support), a cookie, Basic credentials or another header. Method-override headers and fields
are ignored. Every variant below lacks a valid credential in that one form: each is answered
401, 403, 404, 405, 411, 413 or 415 (never 2xx), and the dataset version and dump are the same
at the end.
"""

from __future__ import annotations

import base64
import gzip
from dataclasses import dataclass, field

import pytest
import requests

from tests.harness import Server
from tests.reliability import dataset_identity, record, run_many

pytestmark = pytest.mark.server

REFUSED = {400, 401, 403, 404, 405, 411, 413, 415}
ORG = "https://w3id.org/rennes-health/id/org/biogenouest"


@dataclass(frozen=True)
class Attempt:
    """One unauthorised write."""

    name: str
    method: str
    path: str
    headers: dict[str, str | bytes] = field(default_factory=dict)
    body: bytes = b""


def _insert(n: int) -> bytes:
    return (f'INSERT DATA {{ GRAPH <https://w3id.org/rennes-health/id/fact/cluster> {{ <{ORG}> '
            f'<http://www.w3.org/2004/02/skos/core#altLabel> "access {n}"@en }} }}').encode()


def _turtle(n: int) -> bytes:
    return f'<{ORG}> <http://www.w3.org/2004/02/skos/core#altLabel> "access {n}"@en .'.encode()


def _authorizations(token: str) -> list[tuple[str, str | bytes | None]]:
    """(name, Authorization header value or None for no header) that must all be refused."""
    wrong = "hkg_" + "A" * 43
    zwsp = "\u200b".encode()
    return [
        ("missing", None), ("empty", ""), ("scheme only", "Bearer"), ("scheme space", "Bearer "),
        ("wrong token", f"Bearer {wrong}"), ("lowercase scheme", f"bearer {token}"),
        ("uppercase scheme", f"BEARER {token}"), ("mixed scheme", f"BeArEr {token}"),
        ("no space", f"Bearer{token}"), ("tab", f"Bearer\t{token}"),
        ("token only", token), ("token twice", f"Bearer {token} {token}"),
        ("comma list", f"Bearer {wrong}, Bearer {token}"),
        ("truncated token", f"Bearer {token[:-1]}"), ("extended token", f"Bearer {token}x"),
        ("upper token", f"Bearer {token.upper()}"), ("quoted token", f'Bearer "{token}"'),
        ("zero-width space", b"Bearer " + token.encode() + zwsp),
        ("zero-width inside", b"Bearer " + token[:10].encode() + zwsp + token[10:].encode()),
        ("nbsp after", b"Bearer " + token.encode() + b"\xa0"),
        ("nbsp before", b"Bearer\xa0" + token.encode()),
        ("fullwidth scheme", "Ｂearer ".encode() + token.encode()),
        ("basic token as password", "Basic " + base64.b64encode(
            f"steward:{token}".encode()).decode()),
        ("basic token as user", "Basic " + base64.b64encode(f"{token}:".encode()).decode()),
        ("digest", f'Digest username="steward", response="{token}"'),
        ("token scheme", f"Token {token}"), ("bearer equals", f"Bearer={token}"),
        ("null byte", b"Bearer " + token.encode() + b"\x00"),
    ]


def attempts(token: str) -> list[Attempt]:
    """Every unauthorised variant."""
    out: list[Attempt] = []
    n = 0

    def add(name: str, method: str, path: str, headers: dict[str, str | bytes],
            body: bytes) -> None:
        out.append(Attempt(name, method, path, headers, body))

    routes = [  # (method, path, content type, body maker)
        ("POST", "/update", "application/sparql-update", _insert),
        ("POST", "/changes", "application/sparql-update", _insert),
        ("POST", "/changes", "text/turtle", _turtle),
        ("PUT", "/store?graph=urn:access:g", "text/turtle", _turtle),
        ("POST", "/store?graph=urn:access:g", "text/turtle", _turtle),
        ("POST", "/store", "text/turtle", _turtle),
        ("DELETE", "/store?graph=https://w3id.org/rennes-health/id/fact/cluster",
         "text/turtle", lambda _: b""),
        ("PUT", "/store/access/x", "text/turtle", _turtle),
    ]
    for auth_name, value in _authorizations(token):
        for method, path, ctype, body in routes:
            n += 1
            headers: dict[str, str | bytes] = {"Content-Type": ctype}
            if value is not None:
                headers["Authorization"] = value
            add(f"{auth_name}: {method} {path}", method, path, headers, body(n))
    # The token anywhere but the Authorization header.
    for method, path, ctype, body in routes:
        n += 1
        sep = "&" if "?" in path else "?"
        add("token in query", method, f"{path}{sep}access_token={token}",
            {"Content-Type": ctype}, body(n))
        add("token in cookie", method, path, {"Content-Type": ctype,
                                              "Cookie": f"token={token}; access_token={token}"},
            body(n))
        for header in ("X-Auth-Token", "X-Api-Key", "Proxy-Authorization", "X-Authorization",
                       "Authorisation"):
            value = token if header.startswith("X-") else f"Bearer {token}"
            add(f"token in {header}", method, path, {"Content-Type": ctype, header: value},
                body(n))
    for path in ("/update", "/changes"):
        n += 1
        form = f"update={requests.utils.quote(_insert(n).decode())}&access_token={token}"
        add("token in form field", "POST", path,
            {"Content-Type": "application/x-www-form-urlencoded"}, form.encode())
    # Other spellings of the paths, without a token.
    for path in ("//update", "/update/", "/UPDATE", "/Update", "/%75pdate", "/update%2F",
                 "/./update", "/sparql/../update", "/update;x=1", "/update?", "/update#x",
                 "/update%00", "//changes", "/changes/", "/CHANGES", "/%63hanges",
                 "/store?graph=urn:access:g&graph=urn:access:h", "/store?default",
                 "/STORE?graph=urn:access:g", "/store//access/x", "/store/%2e%2e/update"):
        for ctype, body in (("application/sparql-update", _insert),
                            ("text/turtle", _turtle)):
            n += 1
            add(f"path {path}", "POST", path, {"Content-Type": ctype}, body(n))
    # Method overrides: a read method, or a write with the override asking for another.
    overrides = [{"X-HTTP-Method-Override": "PUT"}, {"X-HTTP-Method-Override": "DELETE"},
                 {"X-Method-Override": "PUT"}, {"X-HTTP-Method": "DELETE"}]
    for path in ("/store?graph=urn:access:g", "/store?graph="
                 "https://w3id.org/rennes-health/id/fact/cluster", "/update", "/changes"):
        for method in ("GET", "HEAD", "OPTIONS", "POST", "PATCH"):
            for override in overrides:
                n += 1
                add(f"{method} {path} {override}", method, path,
                    {"Content-Type": "text/turtle", **override}, _turtle(n))
        for method in ("GET", "POST"):
            sep = "&" if "?" in path else "?"
            n += 1
            add(f"{method} {path} _method", method, f"{path}{sep}_method=PUT",
                {"Content-Type": "text/turtle"}, _turtle(n))
    # Writes through the query endpoint and through GET, even with the token.
    for method in ("GET", "POST", "PUT", "PATCH", "DELETE"):
        n += 1
        update = requests.utils.quote(_insert(n).decode())
        add(f"{method} /sparql with update", method, f"/sparql?update={update}",
            {"Authorization": f"Bearer {token}"}, b"")
        add(f"{method} /sparql update body", method, "/sparql",
            {"Authorization": f"Bearer {token}", "Content-Type": "application/sparql-update"},
            _insert(n))
        add(f"{method} /update?update= without token", method, f"/update?update={update}",
            {}, b"")
    add("GET /update with token", "GET", f"/update?update={update}",
        {"Authorization": f"Bearer {token}"}, b"")
    # Encodings and charsets, without a valid token.
    for path, ctype, body in (("/update", "application/sparql-update", _insert),
                              ("/store?graph=urn:access:g", "text/turtle", _turtle),
                              ("/changes", "text/turtle", _turtle)):
        for auth_name, value in (("no token", None), ("wrong token", "Bearer hkg_wrong"),
                                 ("lowercase", f"bearer {token}")):
            n += 1
            headers = {"Content-Type": ctype}
            if value is not None:
                headers["Authorization"] = value
            add(f"gzip {auth_name} {path}", "POST", path,
                {**headers, "Content-Encoding": "gzip"}, gzip.compress(body(n)))
            for charset in ("utf-16", "utf-7", "iso-8859-1", "utf-8;q=0", "UTF-8\x00"):
                add(f"charset {charset} {auth_name} {path}", "POST", path,
                    {**headers, "Content-Type": f"{ctype}; charset={charset}"},
                    body(n).decode().encode("utf-16") if charset == "utf-16" else body(n))
            add(f"chunked {auth_name} {path}", "POST", path,
                {**headers, "Transfer-Encoding": "chunked"}, body(n))
    return out


def _send(server: Server) -> object:
    def send(session: requests.Session, attempt: Attempt) -> requests.Response:
        request = requests.Request(attempt.method, server.url.rstrip("/") + attempt.path,
                                   headers=attempt.headers, data=attempt.body or None)
        prepared = session.prepare_request(request)
        prepared.url = server.url.rstrip("/") + attempt.path  # keep the path as spelled
        if attempt.headers.get("Transfer-Encoding") == "chunked" and attempt.body:
            body = attempt.body
            prepared.body = iter([body[:10], body[10:]])
            prepared.headers.pop("Content-Length", None)
        return session.send(prepared, timeout=30, allow_redirects=False)
    return send


def test_unauthorised_writes_are_all_refused_and_change_nothing(
        hostile_server: tuple[Server, str]) -> None:
    server, token = hostile_server
    before = dataset_identity(server)
    tried = attempts(token)
    assert len(tried) >= 300
    answers: dict[str, int] = {}
    send = _send(server)

    def sent(session: requests.Session, attempt: Attempt) -> requests.Response:
        response = send(session, attempt)  # type: ignore[operator]
        answers[attempt.name] = response.status_code
        return response  # type: ignore[no-any-return]

    tally = run_many(tried, sent, threads=8, describe=lambda a: a.name)
    print(f"{tally.sent} unauthorised writes: {dict(tally.statuses)}")
    assert not tally.failures, tally.failures[:5]
    # A read method may succeed as a read (a CORS preflight, a graph that exists); a
    # redirect (308 from // to /) writes nothing either. The dump below says so.
    reads = {a.name for a in tried if a.method in ("GET", "HEAD", "OPTIONS")}
    accepted = {name: status for name, status in answers.items()
                if status not in REFUSED and not (name in reads and status in (200, 204))
                and status != 308}
    assert not accepted, accepted
    assert dataset_identity(server) == before
    # The canonical form does work (the refusals above are not a broken endpoint).
    ok = requests.post(server.url + "validate", data=_insert(0), timeout=30,
                       headers={"Content-Type": "application/sparql-update",
                                "Authorization": f"Bearer {token}"})
    assert ok.status_code == 200
    record("access", {"unauthorised_writes": tally.sent, "statuses": dict(tally.statuses),
                      "accepted": len(accepted), "data_changed": 0})


@pytest.mark.parametrize("value", ["Bearer {t}", "Bearer   {t}", "Bearer {t}  "])
def test_the_one_accepted_form_allows_spaces_as_rfc_6750_does(
        hostile_server: tuple[Server, str], value: str) -> None:
    server, token = hostile_server
    response = requests.post(server.url + "validate", data=b"", timeout=30, headers={
        "Content-Type": "application/sparql-update"})
    assert response.status_code == 200  # dry runs need no token: the commit route does
    empty = requests.post(server.url + "update", data=b"", timeout=30, headers={
        "Content-Type": "application/sparql-update",
        "Authorization": value.format(t=token)})
    assert empty.status_code == 200, empty.text
