"""Every number in data/ carries its source: each catalog CSV has non-empty `source` and
`confidence` (High / Medium / Low) on every row. Real traces are checked against their SHA-256s
by the scheduling tests."""

from __future__ import annotations

import csv

import pytest

from helpers import ROOT

CATALOGS = sorted(p for p in (ROOT / "data").rglob("*.csv") if "traces" not in p.parts)


@pytest.mark.parametrize("path", CATALOGS, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_row_has_a_source_and_a_confidence(path):
    with path.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert rows, "empty catalog"
    assert "source" in rows[0] and "confidence" in rows[0]
    for i, row in enumerate(rows, start=2):
        assert (row["source"] or "").strip(), f"line {i}: no source"
        assert (row["confidence"] or "").strip() in {"High", "Medium", "Low"}, f"line {i}: confidence {row['confidence']!r}"


def test_data_readme_exists():
    assert (ROOT / "data" / "README.md").is_file()
