"""Binder / repo2docker readiness: the files repo2docker reads are consistent with the package.

Binder builds from ``binder/`` (pip route: ``requirements.txt`` is constraints.txt, the exact
versions the suite is tested with; ``runtime.txt`` the Python; ``postBuild`` the kit). The root
``environment.yml`` stays the conda route for people who use conda (ranges, not pins).

repo2docker's rules checked here (from its conda build pack and tests, repo2docker 2026.4):
* a ``binder/`` or ``.binder/`` folder, when present, is the only place configuration is read from
  (the root files are then ignored), and a root ``Dockerfile`` replaces every other build pack;
* with ``environment.yml`` the conda build pack is used: ``requirements.txt`` and ``setup.py`` /
  ``pyproject.toml`` are ignored, so the kit must be installed from the pip section (``-e .``);
* a pip line that references the checkout (``-e .``) makes repo2docker copy the repository before
  it installs the environment (``_should_preassemble_env`` / ``is_local_pip_requirement``), so the
  editable install finds the code;
* ``postBuild`` only when needed, executable, and failing on the first error (``set -e``).

Checked by hand here (not by this test): ``jupyter-repo2docker --no-build --debug .`` on a copy of
the repository picked the conda build pack, Python 3.11, and ran ``env update --file
environment.yml`` after ``COPY src/ ${REPO_DIR}/`` (see deploy/README.md).
"""

from __future__ import annotations

import os
import re

import pytest
import tomllib
import yaml
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from helpers import ROOT

#: conda-forge names of PyPI packages whose names differ.
CONDA_TO_PYPI = {"python-kubernetes": "kubernetes"}


def _env() -> dict:
    return yaml.safe_load((ROOT / "environment.yml").read_text(encoding="utf-8"))


def _conda_names(env: dict) -> set[str]:
    names = set()
    for dep in env["dependencies"]:
        if isinstance(dep, str):
            name = re.match(r"^([A-Za-z0-9_.\-]+)", dep).group(1)
            names.add(canonicalize_name(CONDA_TO_PYPI.get(name, name)))
    return names


def _pip_lines(env: dict) -> list[str]:
    return [line for dep in env["dependencies"] if isinstance(dep, dict) for line in dep.get("pip", [])]


def is_local_pip_requirement(line: str) -> bool:
    """repo2docker's rule (repo2docker/utils.py): does a pip line reference the checkout?"""
    line = line.split("#", 1)[0].strip()
    if not line:
        return False
    if line.startswith(("-r", "-c", "--requirement", "--constraint")):
        return True
    if line.startswith("--") and "=" in line:
        line = line.split("=", 1)[1]
    if line.startswith("-"):
        parts = line.split(None, 1)
        if len(parts) < 2:
            return False
        line = parts[1]
    if "file://" in line:
        return True
    path = line.split("://", 1)[1] if "://" in line else line
    return path.startswith(".")


def test_every_runtime_dependency_of_the_package_is_in_environment_yml():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    runtime = {canonicalize_name(Requirement(r).name) for r in project["dependencies"]}
    missing = sorted(runtime - _conda_names(_env()))
    assert not missing, f"runtime dependencies missing from environment.yml (Binder would lack them): {missing}"


def test_the_kit_itself_is_installed_from_the_checkout_and_staged_before_install():
    lines = _pip_lines(_env())
    assert "-e ." in lines, "environment.yml must install the kit (repo2docker ignores pyproject.toml here)"
    assert any(is_local_pip_requirement(line) for line in lines), \
        "repo2docker must see a local pip requirement, so it copies the repo before installing"
    assert "pip" in _env()["dependencies"], "a pip section needs pip itself in the conda dependencies"


@pytest.mark.parametrize("line, local", [
    # the cases of repo2docker's tests/unit/test_utils.py::test_local_pip_requirement
    ("-r requirements.txt", True), ("-e .", True), ("file://subdir", True), ("file://./subdir", True),
    ("git://github.com/jupyterhub/repo2docker", False), ("git+https://github.com/jupyterhub/repo2docker", False),
    ("numpy", False), ("# -e .", False), ("--pre", False), ("--pre pandas", False), ("--unrecognized", False),
    ("-e", False),
])
def test_local_requirement_rule_agrees_with_repo2docker_examples(line, local):
    assert is_local_pip_requirement(line) is local


def test_binder_folder_is_complete_and_selects_the_pip_route():
    """binder/ exists, so repo2docker reads only it: requirements.txt (the exact pins), runtime.txt
    (Python), postBuild (the kit). No environment.yml there (that would select conda, whose
    solver floats versions), no Dockerfile anywhere (it would replace every build pack)."""
    binder = ROOT / "binder"
    assert sorted(p.name for p in binder.iterdir()) == ["postBuild", "requirements.txt", "runtime.txt"]
    assert not (ROOT / ".binder").exists(), ".binder/ beside binder/ is ambiguous"
    assert not (ROOT / "Dockerfile").exists() and not (binder / "Dockerfile").exists()
    assert re.fullmatch(r"python-3\.1[0-3]", (binder / "runtime.txt").read_text().strip())


def test_binder_installs_exactly_the_tested_pins():
    """Its requirements are constraints.txt itself (no copy to drift): every pinned version, and
    nothing else, is what pip installs on Binder."""
    lines = [ln.split("#", 1)[0].strip() for ln in (ROOT / "binder" / "requirements.txt").read_text().splitlines()]
    lines = [ln for ln in lines if ln]
    assert lines == ["-r ../constraints.txt"]
    assert (ROOT / "binder" / "../constraints.txt").resolve() == (ROOT / "constraints.txt").resolve()
    assert is_local_pip_requirement(lines[0]), "repo2docker must copy the repository before this install"
    pins = [ln for ln in (ROOT / "constraints.txt").read_text().splitlines() if ln and not ln.startswith("#")]
    assert pins and all(re.fullmatch(r"[A-Za-z0-9_.\-]+==[A-Za-z0-9_.+!\-]+", p) for p in pins), \
        "constraints.txt must hold exact pins only (name==version), so Binder gets exactly them"


def test_post_build_installs_the_kit_without_touching_the_pins():
    text = (ROOT / "binder" / "postBuild").read_text()
    commands = [ln.strip() for ln in text.splitlines() if ln.strip() and not ln.lstrip().startswith("#")]
    assert commands == ["set -euo pipefail", "python -m pip install --no-deps -e .", "python -m pip check"]


def test_dockerignore_keeps_local_environments_and_artefacts_out_of_images():
    """repo2docker (since 2022.10) and docker read .dockerignore: the image gets the repository, not
    a used checkout's .venv (803 MB of 813 MB measured), learners' work/ or test artefacts; every
    generated path of .gitignore is excluded too."""
    ignore = {ln.strip() for ln in (ROOT / ".dockerignore").read_text().splitlines()
              if ln.strip() and not ln.startswith("#")}
    for must in (".venv/", "work/", "test-artifacts/", ".git/", "**/__pycache__/", "**/.ipynb_checkpoints/"):
        assert must in ignore, f".dockerignore must exclude {must}"
    for line in (ROOT / ".gitignore").read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            assert line in ignore or f"**/{line}" in ignore, f".gitignore's {line} is not in .dockerignore"
    kept = ("notebooks/", "course_kit/", "data/", "constraints.txt", "binder/", "pyproject.toml")
    assert not any(k.rstrip("/") in {i.rstrip("/") for i in ignore} for k in kept)


def test_environment_yml_pins_python_and_uses_conda_forge_only():
    env = _env()
    assert env["channels"] == ["conda-forge"]
    pythons = [d for d in env["dependencies"] if isinstance(d, str) and re.match(r"^python\s*[=<>]", d)]
    assert len(pythons) == 1 and re.match(r"^python\s*=\s*3\.1[0-3]\b", pythons[0]), pythons


def test_post_build_is_strict_and_executable():
    for folder in (ROOT, ROOT / "binder", ROOT / ".binder"):
        post = folder / "postBuild"
        if post.exists():
            text = post.read_text(encoding="utf-8")
            assert text.startswith("#!"), "postBuild needs a shebang line"
            assert re.search(r"^\s*set -e", text, re.M) or "set -euo pipefail" in text, "postBuild must `set -e`"
            assert os.access(post, os.X_OK), "postBuild must be executable"


def test_readme_has_the_binder_link_to_the_welcome_notebook():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    links = re.findall(r"https://mybinder\.org/v2/gh/[^\s)\]]+", readme)
    assert links, "README.md needs a Binder link"
    assert all("urlpath=lab/tree/notebooks/00_welcome.ipynb" in link for link in links if "voila" not in link)
    assert (ROOT / "notebooks" / "00_welcome.ipynb").is_file()
