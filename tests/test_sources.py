"""The kit's sources document: every cited anchor exists, nothing cites a file outside the repository,
every data row and every Erratum box cites it, and the accelerator catalog's link column keeps one
convention (both directions), checked against per-link rates."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import pytest

from tests.helpers import ROOT

DOCS = {name: ROOT / "docs" / name for name in ("sources.md", "sources-modern.md")}
ANCHOR_DEF = re.compile(r'<a id="([\w-]+)"></a>|\{#([\w-]+)\}')
CITE = re.compile(r"(sources(?:-modern)?\.md)#([\w-]+)")
OUTSIDE = re.compile(r"facts(?:-modern)?\.md|\.\./shared/|fgd-protocol\.md|course-map\.md|style-anchors\.md")
SUFFIXES = {".py", ".csv", ".md", ".ipynb", ".cfg", ".toml", ".yml", ".yaml", ".txt", ".json"}
SKIP_DIRS = {".git", ".venv", "node_modules", "__pycache__", ".ipynb_checkpoints", ".pytest_cache",
             ".hypothesis", "build", "dist"}
# this test names the old citations as the patterns it looks for
ALLOWED_OUTSIDE = {"tests/test_sources.py"}  # also skipped for anchors


def anchors(path: Path) -> set[str]:
    if not path.exists():
        return set()
    return {a or b for a, b in ANCHOR_DEF.findall(path.read_text(encoding="utf-8"))}


def repo_files():
    for p in sorted(ROOT.rglob("*")):
        rel = p.relative_to(ROOT)
        if p.is_file() and p.suffix in SUFFIXES and not (SKIP_DIRS & set(rel.parts)):
            yield p


def test_sources_document_exists_and_its_anchors_are_unique():
    text = DOCS["sources.md"].read_text(encoding="utf-8")
    found = [a or b for a, b in ANCHOR_DEF.findall(text)]
    dupes = sorted({a for a in found if found.count(a) > 1})
    assert not dupes, f"anchors defined twice: {dupes}"
    # the errata table is complete: the 54 fact-checked rows and the later ones, numbered without gaps
    errata = sorted(int(a.split("-")[1]) for a in found if re.fullmatch(r"erratum-\d+", a))
    assert errata == list(range(1, len(errata) + 1)) and len(errata) >= 58


def test_internal_links_of_the_sources_documents_resolve():
    for name, path in DOCS.items():
        if not path.exists():
            continue
        own = anchors(path)
        missing = sorted({a for a in re.findall(r"\]\(#([\w-]+)\)", path.read_text(encoding="utf-8"))} - own)
        assert not missing, f"{name} links to anchors it does not define: {missing}"


def test_every_cited_anchor_exists():
    defined = {name: anchors(path) for name, path in DOCS.items()}
    either = defined["sources.md"] | defined["sources-modern.md"]
    missing = []
    for p in repo_files():
        if (p.parent.name == "docs" and p.name in DOCS) or str(p.relative_to(ROOT)) in ALLOWED_OUTSIDE:
            continue
        for doc, anchor in CITE.findall(p.read_text(encoding="utf-8", errors="replace")):
            # an anchor may move from sources-modern.md into sources.md when the two are folded
            if anchor not in defined[doc] and anchor not in either:
                missing.append(f"{p.relative_to(ROOT)}: {doc}#{anchor}")
    assert not missing, "cited anchors not defined:\n" + "\n".join(sorted(set(missing)))


def test_nothing_in_the_repository_cites_a_file_outside_it():
    bad = []
    for p in repo_files():
        rel = str(p.relative_to(ROOT))
        if rel in ALLOWED_OUTSIDE:
            continue
        hits = OUTSIDE.findall(p.read_text(encoding="utf-8", errors="replace"))
        if hits:
            bad.append(f"{rel}: {sorted(set(hits))}")
    assert not bad, "cite docs/sources.md#<anchor> instead:\n" + "\n".join(bad)


@pytest.mark.parametrize("name", sorted(p.name for p in (ROOT / "data").glob("*.csv")))
def test_every_data_row_cites_an_anchor(name):
    with open(ROOT / "data" / name, newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    bad = [i for i, r in enumerate(rows, start=2) if not CITE.search(r["source"])]
    assert not bad, f"data/{name} rows without a docs/sources.md#anchor in `source`: lines {bad}"


def _erratum_paragraphs():
    for folder in ("notebooks", "solutions"):
        for nb_path in sorted((ROOT / folder).glob("*.ipynb")):
            nb = json.loads(nb_path.read_text(encoding="utf-8"))
            for cell in nb["cells"]:
                if cell["cell_type"] != "markdown":
                    continue
                for para in re.split(r"\n\s*\n", "".join(cell["source"])):
                    if "**Erratum" in para:
                        yield f"{folder}/{nb_path.name}", para


def test_every_erratum_box_cites_the_sources_document():
    bad = [f"{where}: {para[:80]!r}" for where, para in _erratum_paragraphs() if not CITE.search(para)]
    assert not bad, "Erratum boxes without a sources anchor:\n" + "\n".join(bad)


# Per-link rates and link counts published independently of the per-device totals in the catalog
# (docs/sources.md#accel-link-convention): value = links x per-link rate per direction x 2 directions.
LINKS = {
    "V100 SXM2 32GB": (6, 25),     # NVLink 2: 6 links, 25 GB/s per direction each
    "A100 SXM4 40GB": (12, 25),    # NVLink 3: 12 links, 50 GB/s bidirectional each
    "A100 SXM4 80GB": (12, 25),
    "H100 SXM5 80GB": (18, 25),    # NVLink 4: 18 links x 50 GB/s bidirectional (Hopper tuning guide)
    "H200 SXM 141GB": (18, 25),
    "B200 HGX 180GB": (18, 50),    # NVLink 5: 18 links x 100 GB/s bidirectional
    "TPU v5e": (4, 50),            # 4 ICI ports, 5e10 B/s one way each (scaling book)
    "TPU v5p": (6, 100),           # 6 ICI links (3D torus), 1e11 B/s one way each (scaling book)
}


def test_accelerator_scaleup_column_is_bidirectional_for_every_row():
    with open(ROOT / "data" / "accelerators.csv", newline="", encoding="utf-8") as fh:
        rows = {r["name"]: r for r in csv.DictReader(fh)}
    filled = {n for n, r in rows.items() if r["scaleup_link_gb_s"].strip()}
    assert filled == set(LINKS), "every filled scale-up figure needs its per-link check here"
    for name, (links, per_direction_gb_s) in LINKS.items():
        assert float(rows[name]["scaleup_link_gb_s"]) == links * per_direction_gb_s * 2, name
