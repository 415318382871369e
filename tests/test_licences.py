"""Licences, the data notice, the citation file and the single version source.

Independent references: the MIT licence text (opensource.org/license/mit: its operative sentences),
the Citation File Format 1.2.0's required keys (citation-file-format.github.io), the trace folders
on disk, PEP 621/639 fields of pyproject.toml.
"""

from __future__ import annotations

import importlib.metadata
import re

import pytest
import tomllib
import yaml

import course_kit

from helpers import ROOT

PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())


def test_license_file_is_the_mit_licence_and_pyproject_says_so():
    text = (ROOT / "LICENSE").read_text()
    assert text.startswith("MIT License\n")
    for sentence in ("Permission is hereby granted, free of charge, to any person obtaining a copy",
                     "The above copyright notice and this permission notice shall be included in all",
                     'THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR'):
        assert sentence in text
    assert PYPROJECT["project"]["license"] == "MIT"
    assert "LICENSE" in PYPROJECT["project"]["license-files"]
    assert "does NOT cover the third-party cluster traces in data/traces/" in " ".join(text.split())


def test_data_notice_covers_every_trace_folder_and_the_catalogs():
    notice = (ROOT / "data" / "NOTICE.md").read_text()
    assert "**It does not cover `data/traces/`**" in notice
    folders = sorted(p.name for p in (ROOT / "data" / "traces").iterdir() if p.is_dir())
    assert folders, "no trace folders?"
    for name in folders:
        assert f"`traces/{name}/" in notice, f"data/NOTICE.md does not state the terms of data/traces/{name}/"
    assert '"for research or study purpose"' in notice  # the Alibaba trace's terms, quoted
    assert "CC BY 4.0" in notice                       # the Philly trace's
    assert "`*.csv` in this folder" in notice           # our own catalogs
    assert "data/NOTICE.md" in PYPROJECT["project"]["license-files"]


def test_readme_points_to_the_licence_and_the_notice():
    readme = (ROOT / "README.md").read_text()
    assert "[LICENSE](LICENSE)" in readme and "[data/NOTICE.md](data/NOTICE.md)" in readme
    assert "[CITATION.cff](CITATION.cff)" in readme


def test_citation_file_has_the_required_keys_and_no_second_version():
    cff = yaml.safe_load((ROOT / "CITATION.cff").read_text())
    for key in ("cff-version", "message", "title", "authors"):   # required by CFF 1.2.0
        assert cff.get(key), f"CITATION.cff lacks {key}"
    assert cff["cff-version"] == "1.2.0" and cff["license"] == "MIT"
    assert all("name" in a or "family-names" in a for a in cff["authors"])
    assert "version" not in cff, "the version has one source: course_kit/__init__.py"
    cited = " ".join(r["title"] for r in cff["references"])
    assert "Fragmentation Gradient Descent" in cited and "Multi-Tenant GPU Clusters" in cited


def test_version_has_one_source():
    assert "version" not in PYPROJECT["project"] and "version" in PYPROJECT["project"]["dynamic"]
    assert PYPROJECT["tool"]["setuptools"]["dynamic"]["version"] == {"attr": "course_kit.__version__"}
    assert re.fullmatch(r"\d+\.\d+\.\d+", course_kit.__version__)
    literal = re.escape(course_kit.__version__)
    for rel in ("pyproject.toml", "CITATION.cff", "environment.yml", "README.md", "course.py"):
        assert not re.search(rf"(?<![\d.]){literal}(?![\d.])", (ROOT / rel).read_text()), \
            f"{rel} repeats the version {course_kit.__version__}: read it from course_kit.__version__"


def test_installed_metadata_agrees_with_the_package():
    try:
        installed = importlib.metadata.version("course-kit")
    except importlib.metadata.PackageNotFoundError:
        pytest.skip("course-kit is not installed in this environment")
    assert installed == course_kit.__version__
