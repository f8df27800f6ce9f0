"""Write tokens: created once, stored as hashes, checked, revoked, re-read when changed."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from healthkg.errors import BadRequest, NotFound
from healthkg.tokens import TokenFile
from tests.harness import ROOT


def test_added_token_is_checked_and_only_its_hash_is_stored(tmp_path: Path) -> None:
    tokens = TokenFile(tmp_path / "tokens.json")
    token = tokens.add("alice")
    assert tokens.check(token) == "alice"
    stored = (tmp_path / "tokens.json").read_text()
    assert token not in stored
    assert json.loads(stored)["tokens"][0]["name"] == "alice"
    assert (tmp_path / "tokens.json").stat().st_mode & 0o077 == 0


def test_wrong_or_empty_token_is_not_accepted(tmp_path: Path) -> None:
    tokens = TokenFile(tmp_path / "tokens.json")
    token = tokens.add("alice")
    assert tokens.check(token + "x") is None
    assert tokens.check("") is None
    assert tokens.check(token.upper()) is None


def test_revoked_token_is_refused_by_another_reader_of_the_file(tmp_path: Path) -> None:
    path = tmp_path / "tokens.json"
    writer, reader = TokenFile(path), TokenFile(path)
    token = writer.add("bob")
    assert reader.check(token) == "bob"
    writer.revoke("bob")
    assert reader.check(token) is None


def test_duplicate_or_invalid_name_is_refused(tmp_path: Path) -> None:
    tokens = TokenFile(tmp_path / "tokens.json")
    tokens.add("alice")
    with pytest.raises(BadRequest):
        tokens.add("alice")
    with pytest.raises(BadRequest):
        tokens.add("al ice")
    with pytest.raises(NotFound):
        tokens.revoke("nobody")


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "healthkg.cli", "token", *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=60,
                          env={**os.environ, "HEALTHKG_TOKENS": ""})


def test_cli_add_prints_token_last_then_list_and_revoke(tmp_path: Path) -> None:
    path = str(tmp_path / "t.json")
    added = _cli("add", "carol", "--tokens", path)
    assert added.returncode == 0, added.stderr
    token = added.stdout.strip().splitlines()[-1]
    assert token.startswith("hkg_")
    assert TokenFile(Path(path)).check(token) == "carol"
    listed = _cli("list", "--tokens", path)
    assert listed.returncode == 0 and "carol" in listed.stdout and token not in listed.stdout
    assert _cli("revoke", "carol", "--tokens", path).returncode == 0
    assert _cli("revoke", "carol", "--tokens", path).returncode == 1


def test_cli_unreadable_tokens_file_exits_2(tmp_path: Path) -> None:
    path = tmp_path / "t.json"
    path.write_text("not json")
    result = _cli("list", "--tokens", str(path))
    assert result.returncode == 2
    assert "not a healthkg tokens file" in result.stderr
