"""Extra N-Quads and TriG files are bulk-loaded in batches without rdflib, blank nodes intact."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest

from healthkg.config import Settings
from healthkg.engine import storage


def _blank_subjects(store: ox.Store, graph: str) -> set[ox.BlankNode]:
    return {q.subject for q in store.quads_for_pattern(None, None, None, ox.NamedNode(graph))
            if isinstance(q.subject, ox.BlankNode)}


def test_a_blank_node_is_one_node_in_its_file_across_batches_and_apart_from_other_files(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(storage, "_BATCH", 2)
    trig = tmp_path / "a.trig"
    trig.write_text('<urn:g1> { _:b1 <urn:p> "1" . _:b1 <urn:q> "2" . _:b1 <urn:r> "3" . }\n',
                    encoding="utf-8")
    nquads = tmp_path / "b.nq"
    nquads.write_text('_:b1 <urn:p> "1" <urn:g2> .\n_:b1 <urn:q> "2" <urn:g2> .\n',
                      encoding="utf-8")
    store = ox.Store()
    storage._bulk_load(store, Settings(extra_data=f"{trig},{nquads}"))
    first, second = _blank_subjects(store, "urn:g1"), _blank_subjects(store, "urn:g2")
    assert len(first) == 1 and len(second) == 1
    assert first != second
    assert sum(1 for _ in store.quads_for_pattern(None, None, None, ox.NamedNode("urn:g1"))) == 3


def test_a_syntax_error_in_an_extra_file_names_the_file(tmp_path: Path) -> None:
    bad = tmp_path / "bad.nq"
    bad.write_text("<urn:s> <urn:p> .\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"bad\.nq"):
        storage._bulk_load(ox.Store(), Settings(extra_data=str(bad)))
