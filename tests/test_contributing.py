"""CONTRIBUTING.md's examples are real: every course_kit name its Python blocks use exists, the
blocks outside the Exercises section run as written, and every `course-kit SUBCOMMAND` it names is
one the CLI has. (The Exercises blocks are notebook cells: they use variables of earlier cells.)"""

from __future__ import annotations

import ast
import importlib
import importlib.util
import re

import pytest

from helpers import ROOT

TEXT = (ROOT / "CONTRIBUTING.md").read_text(encoding="utf-8")
#: notebook-cell examples: they need the cells before them, so they are name-checked, not run
CELL_SECTIONS = ("Exercises",)


def _blocks() -> list[tuple[str, str]]:
    """(section heading, code) of every ```python block, the code dedented."""
    out, section = [], ""
    for m in re.finditer(r"^(#{2,3}) ([^\n]+)$|^( *)```python\n(.*?)^\s*```", TEXT, re.M | re.S):
        if m.group(2):
            section = m.group(2).strip() if m.group(1) == "##" else section
        else:
            indent = len(m.group(3))
            code = "\n".join(ln[indent:] for ln in m.group(4).splitlines())
            out.append((section, code))
    return out


BLOCKS = _blocks()


def _course_kit_refs(code: str) -> list[tuple[str, list[str]]]:
    """(module, attribute chain) for every use of a course_kit module in ``code``; ``ck`` is the
    notebooks' conventional alias of course_kit."""
    tree = ast.parse(code)
    alias = {"ck": "course_kit"}
    refs: list[tuple[str, list[str]]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for a in node.names:
                if a.name.split(".")[0] == "course_kit":
                    alias[a.asname or a.name] = a.name
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("course_kit"):
            for a in node.names:
                try:
                    importlib.import_module(f"{node.module}.{a.name}")
                    alias[a.asname or a.name] = f"{node.module}.{a.name}"
                except ModuleNotFoundError:
                    refs.append((node.module, [a.name]))
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute):
            chain, cur = [], node
            while isinstance(cur, ast.Attribute):
                chain.insert(0, cur.attr)
                cur = cur.value
            if isinstance(cur, ast.Name) and cur.id in alias:
                refs.append((alias[cur.id], chain))
    return refs


def test_there_are_python_examples():
    assert len(BLOCKS) >= 2 and all(code.strip() for _, code in BLOCKS)


@pytest.mark.parametrize("section, code", BLOCKS, ids=[f"{s}-{i}" for i, (s, _) in enumerate(BLOCKS)])
def test_every_course_kit_name_in_an_example_exists(section, code):
    missing = []
    for module, chain in _course_kit_refs(code):
        obj = importlib.import_module(module)
        for i, attr in enumerate(chain):
            if not hasattr(obj, attr):
                if hasattr(obj, "__path__") and importlib.util.find_spec(f"{obj.__name__}.{attr}"):
                    obj = importlib.import_module(f"{obj.__name__}.{attr}")
                    continue
                missing.append(f"{module}.{'.'.join(chain[:i + 1])}")
                break
            obj = getattr(obj, attr)
    assert not missing, f"CONTRIBUTING.md ({section}) uses names that do not exist: {missing}"


def test_examples_outside_the_exercises_section_run():
    for section, code in BLOCKS:
        if not section.startswith(CELL_SECTIONS):
            exec(compile(code, f"CONTRIBUTING.md ({section})", "exec"), {})


def test_named_cli_subcommands_exist():
    from course_kit import cli

    parser = cli.build_parser() if hasattr(cli, "build_parser") else None
    if parser is None:
        pytest.skip("course_kit.cli exposes no build_parser()")
    sub = next(a for a in parser._actions if a.__class__.__name__ == "_SubParsersAction")
    named = set(re.findall(r"`course-kit ([a-z][a-z-]+)", TEXT))
    assert named, "CONTRIBUTING.md names no course-kit command?"
    assert named <= set(sub.choices), f"not course-kit subcommands: {sorted(named - set(sub.choices))}"
