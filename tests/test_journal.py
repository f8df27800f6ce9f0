"""The write journal: synced appends, torn tails ignored and repaired."""

from __future__ import annotations

from pathlib import Path

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
