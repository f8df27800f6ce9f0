"""Every setting of healthkg.config.SETTINGS is in the README's Configuration table."""

from __future__ import annotations

import re
from pathlib import Path

from healthkg.config import SETTINGS


def _configuration_rows(readme: str) -> list[list[str]]:
    match = re.search(r"^## Configuration\n(.*?)(?=^## |\Z)", readme, re.S | re.M)
    assert match, "README.md has no '## Configuration' section"
    rows = []
    for line in match.group(1).splitlines():
        if line.startswith("|") and not line.startswith("|---"):
            rows.append([cell.strip().strip("`") for cell in line.strip("|").split("|")])
    return rows[1:]  # without the header row


def test_every_setting_has_a_row_with_its_option_and_variable(project_root: Path) -> None:
    rows = _configuration_rows((project_root / "README.md").read_text(encoding="utf-8"))
    documented = {(row[0], row[1]) for row in rows if len(row) >= 4 and row[3]}
    missing = [s.name for s in SETTINGS if (s.option, s.env) not in documented]
    assert missing == [], f"settings missing from README.md's Configuration table: {missing}"


def test_the_table_documents_no_setting_that_does_not_exist(project_root: Path) -> None:
    rows = _configuration_rows((project_root / "README.md").read_text(encoding="utf-8"))
    options = {s.option for s in SETTINGS}
    assert [row[0] for row in rows if row[0] not in options] == []
