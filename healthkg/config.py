"""Settings of healthkg: one table, read from command-line options and HEALTHKG_* variables.

Every setting is declared once in ``SETTINGS``; the CLI builds its options from it, the
README documents it (a test fails when a setting is missing from the README), and the
running service receives a frozen ``Settings`` object, never module globals.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

#: The persistent base of every IRI of the dataset.
BASE_IRI = "https://w3id.org/rennes-health/"

PROJECT_ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Setting:
    """One configurable setting: its name, option, variable, type, default and meaning."""

    name: str
    type: Callable[[str], Any]
    default: Any
    help: str
    flag: bool = False

    @property
    def option(self) -> str:
        """The command-line option, e.g. ``--query-timeout``."""
        return "--" + self.name.replace("_", "-")

    @property
    def env(self) -> str:
        """The environment variable, e.g. ``HEALTHKG_QUERY_TIMEOUT``."""
        return "HEALTHKG_" + self.name.upper()


def _bool(text: str) -> bool:
    value = text.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off", ""}:
        return False
    raise ValueError(f"not a boolean: {text!r} (use true or false)")


SETTINGS: tuple[Setting, ...] = (
    Setting("host", str, "127.0.0.1", "Address to listen on."),
    Setting("port", int, 8080, "TCP port to listen on."),
    Setting("store", str, "var/store",
            "On-disk Oxigraph store directory, or sparql+http://HOST:PORT/PATH for a "
            "remote SPARQL 1.1 backend."),
    Setting("memory", _bool, False, "Keep the store in memory (nothing survives a restart).",
            flag=True),
    Setting("workers", int, 2, "Number of HTTP worker processes."),
    Setting("tokens", str, "var/tokens.json", "File of write tokens (only hashes are stored)."),
    Setting("base_url", str, "",
            "Public URL the persistent IRI base maps to (default: http://HOST:PORT/)."),
    Setting("query_timeout", float, 10.0, "Deadline of a query in seconds."),
    Setting("write_timeout", float, 60.0,
            "Deadline of a committed change in seconds (a dry run gets the query deadline)."),
    Setting("max_rows", int, 100_000,
            "Largest number of result rows; a longer result is truncated and says so."),
    Setting("max_query_length", int, 256 * 1024, "Largest query text in bytes."),
    Setting("max_body", int, 10 * 1024 * 1024, "Largest request body in bytes."),
    Setting("max_nesting", int, 200, "Deepest nesting of brackets in a query or an RDF body."),
    Setting("cache_entries", int, 1024, "Query results kept in each worker's cache."),
    Setting("journal", str, "var/journal", "Directory of the write journal."),
    Setting("shapes", str, "ontology/shapes.ttl",
            "SHACL shapes file that gates every write (trusted; never taken from a request)."),
    Setting("allow_service", _bool, False,
            "Allow SERVICE in queries (outbound requests). Off by default.", flag=True),
    Setting("update_url", str, "",
            "Update endpoint of a remote SPARQL backend (default: the query URL)."),
    Setting("queries", str, "queries",
            "Directory of the named queries (*.rq) served at /queries."),
    Setting("extra_data", str, "",
            "Comma-separated RDF files or directories loaded into an empty store after "
            "ontology/ and data/ (TriG and N-Quads keep their graph names)."),
)


@dataclass(frozen=True)
class Settings:
    """The resolved configuration of one service instance."""

    host: str = "127.0.0.1"
    port: int = 8080
    store: str = "var/store"
    memory: bool = False
    workers: int = 2
    tokens: str = "var/tokens.json"
    base_url: str = ""
    query_timeout: float = 10.0
    write_timeout: float = 60.0
    max_rows: int = 100_000
    max_query_length: int = 256 * 1024
    max_body: int = 10 * 1024 * 1024
    max_nesting: int = 200
    cache_entries: int = 1024
    journal: str = "var/journal"
    shapes: str = "ontology/shapes.ttl"
    allow_service: bool = False
    update_url: str = ""
    queries: str = "queries"
    extra_data: str = ""
    project_root: Path = field(default=PROJECT_ROOT)

    @property
    def public_base(self) -> str:
        """The URL under which the persistent base IRI is served, ending in '/'."""
        url = self.base_url or f"http://{self.host}:{self.port}/"
        return url if url.endswith("/") else url + "/"

    @property
    def data_paths(self) -> list[Path]:
        """The RDF files and directories an empty store is loaded from."""
        extra = [Path(p.strip()) for p in self.extra_data.split(",") if p.strip()]
        return [self.project_root / "ontology", self.project_root / "data", *extra]

    @property
    def shapes_path(self) -> Path:
        """The shapes file that gates writes (relative paths are under the project)."""
        return self.project_root / self.shapes

    @property
    def journal_path(self) -> Path:
        """The journal directory (relative paths are under the project)."""
        return self.project_root / self.journal

    @property
    def queries_dir(self) -> Path:
        """The directory of the named queries (relative paths are under the project)."""
        return self.project_root / self.queries

    def with_overrides(self, **changes: Any) -> Settings:
        """Return a copy with some settings changed."""
        return replace(self, **changes)


def _check_table() -> None:
    names = {f.name for f in fields(Settings)} - {"project_root"}
    declared = {s.name for s in SETTINGS}
    if names != declared:  # pragma: no cover - a programming error caught at import
        raise RuntimeError(f"SETTINGS and Settings disagree: {sorted(names ^ declared)}")


_check_table()


def from_environment(environ: Mapping[str, str] | None = None,
                     **overrides: Any) -> Settings:
    """Build settings from HEALTHKG_* variables, then explicit overrides (e.g. CLI options)."""
    environ = os.environ if environ is None else environ
    values: dict[str, Any] = {}
    for setting in SETTINGS:
        if setting.env in environ:
            raw = environ[setting.env]
            try:
                values[setting.name] = setting.type(raw)
            except ValueError as exc:
                raise ValueError(f"{setting.env}={raw!r}: {exc}") from exc
    values.update({k: v for k, v in overrides.items() if v is not None})
    return Settings(**values)
