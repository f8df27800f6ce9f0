"""Opening the store: the first start loads the project files, later starts reuse the store.

An on-disk store records what it holds in a small metadata file beside RocksDB's own files
(``healthkg.json``: the dataset version, counts, when it was loaded). A store without that
file is treated as an interrupted first load (bulk loading is not atomic): it is cleared and
loaded again. An in-memory store is loaded once per server; the engine keeps an N-Quads
snapshot in its run directory so that a restart after a deadline kill reloads in
milliseconds without parsing the project files again. (Accepted writes are not in that
snapshot: the write path replays its journal after ``open_store``, before the engine says
it is ready.)
"""

from __future__ import annotations

import hashlib
import itertools
import json
import logging
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyoxigraph

from healthkg.config import Settings

log = logging.getLogger("healthkg.engine")

META_FILE = "healthkg.json"
SNAPSHOT_FILE = "snapshot.nq"


@dataclass
class OpenedStore:
    """A store ready to serve, with what is known about it."""

    store: pyoxigraph.Store
    version: str
    loaded: bool
    """True when the project files were loaded by this opening."""
    path: Path | None
    """Directory of an on-disk store; None for an in-memory store."""
    quads: int
    graphs: int


def store_path(settings: Settings) -> Path:
    """The directory of the on-disk store (a relative path is taken from the project root)."""
    path = Path(settings.store).expanduser()
    return path if path.is_absolute() else settings.project_root / path


def open_store(settings: Settings, run_dir: Path) -> OpenedStore:
    """Open (and on first start, load) the store the settings describe."""
    started = time.monotonic()
    opened = _open_memory(settings, run_dir) if settings.memory else _open_disk(settings)
    what = "loaded the project files into" if opened.loaded else "reused"
    what = "reloaded its snapshot into" if settings.memory and not opened.loaded else what
    where = str(opened.path) if opened.path else "an in-memory store"
    log.info("engine %d %s %s: %d quads in %d graphs, version %s, in %.0f ms",
             os.getpid(), what, where, opened.quads, opened.graphs, opened.version,
             (time.monotonic() - started) * 1000)
    return opened


def _open_memory(settings: Settings, run_dir: Path) -> OpenedStore:
    snapshot = run_dir / SNAPSHOT_FILE
    meta_file = run_dir / META_FILE
    store = pyoxigraph.Store()
    if snapshot.exists() and meta_file.exists():
        # parse() keeps blank node labels (bulk_load would rename them): answers name the
        # same blank nodes before and after a restart.
        store.bulk_extend(pyoxigraph.parse(path=str(snapshot),
                                           format=pyoxigraph.RdfFormat.N_QUADS))
        return _reused(store, _read_meta(meta_file), path=None)
    _bulk_load(store, settings)
    _write_atomically(snapshot, store.dump(format=pyoxigraph.RdfFormat.N_QUADS) or b"")
    return _loaded(store, settings, meta_file, path=None)


def _open_disk(settings: Settings) -> OpenedStore:
    path = store_path(settings)
    path.mkdir(parents=True, exist_ok=True)
    store = pyoxigraph.Store(str(path))
    meta_file = path / META_FILE
    if meta_file.exists():
        meta = _read_meta(meta_file)
        if meta.get("files") not in (None, _files_version(settings)):
            log.warning("the files of ontology/ and data/ changed since %s was loaded from "
                        "them; it is served as it is (remove it to load the files again)",
                        path)
        return _reused(store, meta, path=path)
    if next(iter(store.quads_for_pattern(None, None, None, None)), None) is not None:
        log.warning("store %s has no %s (an interrupted first load?): loading it again",
                    path, META_FILE)
        store.clear()
    _bulk_load(store, settings)
    store.flush()
    return _loaded(store, settings, meta_file, path=path)


def _loaded(store: pyoxigraph.Store, settings: Settings, meta_file: Path, *,
            path: Path | None) -> OpenedStore:
    version = _files_version(settings)
    quads, graphs = count(store)
    _write_meta(meta_file, version=version, files=version, quads=quads, graphs=graphs,
                loaded_at=_now())
    return OpenedStore(store=store, version=version, loaded=True, path=path, quads=quads,
                       graphs=graphs)


def _reused(store: pyoxigraph.Store, meta: dict[str, Any], *,
            path: Path | None) -> OpenedStore:
    # The counts recorded with the version: counting a large on-disk store takes a while.
    quads, graphs = meta.get("quads"), meta.get("graphs")
    if not (isinstance(quads, int) and isinstance(graphs, int)):
        quads, graphs = count(store)
    return OpenedStore(store=store, version=str(meta["version"]), loaded=False, path=path,
                       quads=quads, graphs=graphs)


def count(store: pyoxigraph.Store) -> tuple[int, int]:
    """The number of quads and of named graphs in the store."""
    return len(store), sum(1 for _ in store.named_graphs())


#: Formats whose files name their own graphs, which pyoxigraph loads without rdflib.
_NATIVE_FORMATS = {".nq": pyoxigraph.RdfFormat.N_QUADS, ".trig": pyoxigraph.RdfFormat.TRIG}


def _bulk_load(store: pyoxigraph.Store, settings: Settings) -> None:
    """Load the project files, then the extra data files, into an empty store.

    The project's own files go through rdflib (a Turtle file's graph is named by the
    ontology it declares). Extra N-Quads and TriG files, which can be large (a million
    quads), are parsed by pyoxigraph straight into the bulk loader: through rdflib they
    would take about thirty times longer and several times the memory.
    """
    from healthkg import dataset

    project = [p for p in dataset.default_paths(settings.project_root)]
    extra = [p for p in settings.data_paths if p not in project]
    files = dataset.rdf_files(extra)
    native = [f for f in files if f.suffix in _NATIVE_FORMATS]
    others = [f for f in files if f.suffix not in _NATIVE_FORMATS]
    store.bulk_load(_project_nquads([*project, *others]), format=pyoxigraph.RdfFormat.N_QUADS)
    for number, file in enumerate(native):
        quads = pyoxigraph.parse(path=str(file), format=_NATIVE_FORMATS[file.suffix],
                                 base_iri=file.resolve().as_uri())
        try:
            # In batches: the bulk loader holds a whole input in memory (a million quads in
            # one call peaked near 1 GB; in batches of 200,000, about 300 MB, and faster).
            # parse() keeps blank node labels, so each file's get a prefix of their own.
            batches = _with_file_blank_nodes(quads, f"x{number}x")
            while batch := list(itertools.islice(batches, _BATCH)):
                store.bulk_extend(batch)
        except SyntaxError as exc:
            raise ValueError(f"{file}: {exc}") from exc


#: Quads per call of the bulk loader (see ``_bulk_load``).
_BATCH = 200_000


def _with_file_blank_nodes(quads: Iterator[pyoxigraph.Quad],
                           prefix: str) -> Iterator[pyoxigraph.Quad]:
    """The quads, with their blank nodes renamed apart from other files' (same labels)."""
    blank = pyoxigraph.BlankNode
    for quad in quads:
        if (type(quad.subject) is blank or type(quad.object) is blank
                or type(quad.graph_name) is blank):
            def rename(term: Any) -> Any:
                return blank(prefix + term.value) if type(term) is blank else term

            quad = pyoxigraph.Quad(rename(quad.subject), quad.predicate, rename(quad.object),
                                   rename(quad.graph_name))
        yield quad


def _project_nquads(paths: list[Path]) -> bytes:
    # Imported here: rdflib is only needed on a first load.
    from healthkg import dataset

    # rdflib's N-Quads serialiser, not Literal.n3(): n3() writes multi-line strings with
    # triple quotes, which N-Quads does not allow.
    payload = dataset.load(paths).serialize(format="nquads", encoding="utf-8")
    return bytes(payload)


def _files_version(settings: Settings) -> str:
    # The loaded files name the first version: the same files give the same version (and so
    # the same ETags) across restarts of an in-memory server. Their bytes are hashed, not
    # the parsed quads, whose blank node labels differ at every parse.
    from healthkg import dataset

    digest = hashlib.sha256()
    for path in dataset.rdf_files(settings.data_paths):
        digest.update(path.name.encode("utf-8") + b"\0")
        # In chunks: an extra data file can be hundreds of megabytes.
        with path.open("rb") as handle:
            while chunk := handle.read(1 << 20):
                digest.update(chunk)
        digest.update(b"\0")
    return "c" + digest.hexdigest()[:16]


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


def _read_meta(path: Path) -> dict[str, Any]:
    data = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict) or not isinstance(data.get("version"), str):
        raise RuntimeError(f"{path}: not a healthkg store metadata file")
    return data


def _write_meta(path: Path, **fields: Any) -> None:
    meta = _read_meta(path) if path.exists() else {}
    meta.update(fields)
    _write_atomically(path, json.dumps(meta, indent=2).encode("utf-8") + b"\n")


def record_version(opened: OpenedStore, run_dir: Path, version: str) -> None:
    """Durably record a new dataset version and the counts (after a write was applied)."""
    _write_meta((opened.path or run_dir) / META_FILE, version=version, quads=opened.quads,
                graphs=opened.graphs, changed_at=_now())
    opened.version = version


def _write_atomically(path: Path, data: bytes) -> None:
    tmp = path.with_name(path.name + ".tmp")
    with tmp.open("wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)
