"""The write journal: synced appends, torn tails ignored and repaired."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from healthkg import journal as journal_module
from healthkg.journal import JOURNAL_FILE, ChangeRecord, Journal


def _record(seq: int) -> ChangeRecord:
    return ChangeRecord(
        seq=seq, change_id=f"c{seq}", time="2026-01-01T00:00:00+00:00", author="alice",
        message=f"change {seq} é", shapes_version="1",
        added=f'<http://ex/s{seq}> <http://ex/p> "v{seq}" <http://ex/g> .\n', removed="")


def test_appended_records_are_read_back_in_order(tmp_path: Path) -> None:
    journal = Journal(tmp_path)
    for seq in range(1, 4):
        journal.append(_record(seq))
    assert Journal(tmp_path).records() == [_record(1), _record(2), _record(3)]
    assert journal.last_seq() == 3


def test_journal_truncated_at_every_offset_reads_a_prefix(tmp_path: Path) -> None:
    journal = Journal(tmp_path)
    records = [_record(seq) for seq in range(1, 4)]
    for record in records:
        journal.append(record)
    data = (tmp_path / JOURNAL_FILE).read_bytes()
    for cut in range(len(data) + 1):
        (tmp_path / JOURNAL_FILE).write_bytes(data[:cut])
        read = Journal(tmp_path).records()
        assert read == records[:len(read)], cut
        if cut == len(data):
            assert read == records


def test_corrupt_record_stops_reading_and_append_repairs_the_tail(tmp_path: Path) -> None:
    journal = Journal(tmp_path)
    journal.append(_record(1))
    journal.append(_record(2))
    path = tmp_path / JOURNAL_FILE
    data = bytearray(path.read_bytes())
    data[-5] ^= 0x01  # flip a bit inside the last record
    path.write_bytes(bytes(data))
    assert journal.records() == [_record(1)]
    journal.append(_record(2))
    assert journal.records() == [_record(1), _record(2)]


def test_empty_or_missing_journal_has_no_records(tmp_path: Path) -> None:
    assert Journal(tmp_path / "absent").records() == []
    assert Journal(tmp_path / "absent").last_seq() == 0
    # Regression: a history page of a server without writes was a 500 (no journal file).
    absent = Journal(tmp_path / "absent")
    assert (absent.count(), absent.newest(0, 50), absent.last(), absent.get("c1")) == \
        (0, [], None, None)


def test_lookups_find_records_by_change_id_and_page_newest_first(tmp_path: Path) -> None:
    journal = Journal(tmp_path)
    for seq in range(1, 8):
        journal.append(_record(seq))
    assert journal.get("c3") == _record(3)
    assert journal.get("c99") is None
    assert journal.count() == 7
    assert journal.last() == _record(7)
    assert journal.newest(0, 3) == [_record(7), _record(6), _record(5)]
    assert journal.newest(5, 3) == [_record(2), _record(1)]
    assert journal.newest(7, 3) == []


def test_records_appended_by_another_process_are_seen(tmp_path: Path) -> None:
    # Workers of a remote-backend server share one journal, each with its own index.
    mine, theirs = Journal(tmp_path), Journal(tmp_path)
    mine.append(_record(1))
    assert theirs.get("c1") == _record(1)
    theirs.append(_record(2))
    assert mine.get("c2") == _record(2)
    assert mine.last_seq() == 2
    mine.append(_record(3))
    assert Journal(tmp_path).records() == [_record(1), _record(2), _record(3)]


def test_withdrawn_record_is_gone_from_file_and_lookups(tmp_path: Path) -> None:
    journal, other = Journal(tmp_path), Journal(tmp_path)
    journal.append(_record(1))
    journal.append(_record(2))
    assert other.get("c2") == _record(2)
    journal.withdraw(_record(2))
    assert journal.get("c2") is None and other.get("c2") is None
    assert other.count() == 1 and other.last() == _record(1)
    journal.append(_record(3))
    assert Journal(tmp_path).records() == [_record(1), _record(3)]


def test_record_rewritten_under_the_index_is_read_from_the_file(tmp_path: Path) -> None:
    journal, other = Journal(tmp_path), Journal(tmp_path)
    journal.append(_record(1))
    journal.append(_record(2))
    assert other.count() == 2
    # Another process withdrew change 2 and journaled a longer one in its place.
    other.withdraw(_record(2))
    longer = ChangeRecord(**{**_record(2).__dict__, "change_id": "c2b", "message": "x" * 99})
    other.append(longer)
    assert journal.get("c2") is None
    assert journal.get("c2b") == longer
    assert journal.newest(0, 5) == [longer, _record(1)]


def test_append_reads_only_the_last_record_not_the_whole_journal(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Regression: each append re-read and re-parsed the whole file (write time and memory
    # grew with the number of accepted changes).
    journal = Journal(tmp_path)
    for seq in range(1, 201):
        journal.append(_record(seq))
    one_record = (tmp_path / JOURNAL_FILE).stat().st_size // 200
    scanned: list[int] = []
    real_scan = journal_module._scan

    def counting_scan(data: bytes) -> Iterator[tuple[int, ChangeRecord]]:
        scanned.append(len(data))
        return real_scan(data)

    monkeypatch.setattr(journal_module, "_scan", counting_scan)
    journal.append(_record(201))
    assert journal.get("c150") == _record(150)
    assert sum(scanned) <= 4 * one_record, scanned  # a few records, not two hundred
    assert Journal(tmp_path).records()[-1] == _record(201)
