"""The two routes to an environment agree: pyproject.toml (pip, .venv) and environment.yml
(conda / Binder); constraints.txt pins versions inside those ranges; README and CI use one command."""

from __future__ import annotations

import re
import tomllib

import yaml
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from helpers import ROOT

CONDA_TO_PYPI = {"python-kubernetes": "kubernetes"}
NOT_PACKAGES = {"python", "pip"}


def _pyproject():
    data = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    runtime = [Requirement(r) for r in data["dependencies"]]
    test = [Requirement(r) for r in data["optional-dependencies"]["test"]]
    return runtime, test


def _conda():
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    deps, pip_items = {}, []
    for item in env["dependencies"]:
        if isinstance(item, dict):
            pip_items.extend(item.get("pip", []))
            continue
        m = re.match(r"^([A-Za-z0-9_.\-]+)\s*(.*)$", item)
        name, spec = m.group(1), m.group(2).replace(" ", "")
        if name in NOT_PACKAGES:
            continue
        deps[canonicalize_name(CONDA_TO_PYPI.get(name, name))] = spec
    return env, deps, pip_items


def test_environment_yml_lists_the_same_dependencies_and_ranges_as_pyproject():
    runtime, test = _pyproject()
    _, conda, _ = _conda()
    want = {canonicalize_name(r.name): ",".join(sorted(str(s) for s in r.specifier)) for r in runtime + test}
    got = {name: ",".join(sorted(spec.split(","))) for name, spec in conda.items()}
    missing = sorted(set(want) - set(got))
    extra = sorted(set(got) - set(want))
    assert not missing, f"in pyproject.toml but not environment.yml: {missing}"
    assert not extra, f"in environment.yml but not pyproject.toml: {extra}"
    differ = {n: (want[n], got[n]) for n in want if want[n] != got[n]}
    assert not differ, f"version ranges differ (pyproject, environment.yml): {differ}"


def test_environment_yml_is_binder_ready():
    env, _, pip_items = _conda()
    assert env["channels"] == ["conda-forge"]
    assert any(str(d).startswith("python=3.11") for d in env["dependencies"] if isinstance(d, str))
    assert "-e ." in pip_items, "the kit itself must be installed from the checkout"


def test_constraints_pin_versions_inside_the_declared_ranges():
    runtime, test = _pyproject()
    pins = {}
    for line in (ROOT / "constraints.txt").read_text().splitlines():
        if line and not line.startswith("#"):
            name, version = line.split("==")
            pins[canonicalize_name(name)] = version
    for req in runtime + test:
        name = canonicalize_name(req.name)
        assert name in pins, f"{req.name} is not pinned in constraints.txt"
        assert req.specifier.contains(pins[name], prereleases=True), f"{req.name}=={pins[name]} outside {req.specifier}"


def test_readme_opens_with_the_two_commands_and_ci_runs_the_test_one():
    readme = (ROOT / "README.md").read_text()
    first_block = re.search(r"```(?:bash|sh)?\n(.*?)```", readme, re.S).group(1)
    commands = [ln.split("#")[0].strip() for ln in first_block.splitlines() if ln.strip() and not ln.startswith("#")]
    assert commands == ["python3 course.py lab", "python3 course.py test"]
    ci = [ln.strip() for ln in (ROOT / ".ci" / "run").read_text().splitlines()
          if ln.strip() and not ln.lstrip().startswith("#")]
    assert ci[-1] == "exec python3 course.py test"


def test_lab_binds_to_loopback():
    source = (ROOT / "course.py").read_text()
    assert '"--ip=127.0.0.1"' in source and "--allow-root" in source
