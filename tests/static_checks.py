"""ruff and mypy findings, and the committed baselines they are compared with (tests/test_static.py).

A finding is keyed by (file, code, message), never by line number, so edits elsewhere in a file do
not disturb the baseline; a key may occur several times (the baseline keeps the count). The rule
sets are in pyproject.toml ([tool.ruff], [tool.mypy]), with the reason for each choice.

The baselines may only shrink. The test fails when
* a finding is not in the baseline (new code must be clean: fix it; ``ruff check --fix FILE`` does
  the import-order and modernisation ones), or
* a baseline entry is no longer found (it was fixed: remove it with ``python tests/static_checks.py
  --shrink``, which only ever deletes entries).

``python tests/static_checks.py --write`` rewrites both baselines from the current findings. Use it
only for a reviewed exception (the diff of tests/static_baseline/ shows exactly what was accepted),
e.g. after merging branches that each passed against their own baseline.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
BASELINE = ROOT / "tests" / "static_baseline"
TOOLS = ("ruff", "mypy")

Key = tuple[str, str, str]


def _tool(name: str) -> str:
    exe = BIN / name
    return str(exe) if exe.exists() else name


def ruff_findings() -> Counter:
    """``ruff check`` on the repository (configuration and exclusions from pyproject.toml)."""
    out = subprocess.run([_tool("ruff"), "check", "--output-format", "json", "--no-cache", "."], cwd=ROOT,
                         capture_output=True, text=True)
    if out.returncode not in (0, 1):
        raise RuntimeError(f"ruff failed ({out.returncode}): {out.stderr[-2000:]}")
    found: Counter = Counter()
    for f in json.loads(out.stdout or "[]"):
        path = Path(f["filename"]).resolve().relative_to(ROOT).as_posix()
        found[(path, f["code"] or "syntax", f["message"])] += 1
    return found


_MYPY_LINE = re.compile(r"^(?P<file>[^:]+):\d+(?::\d+)?: error: (?P<msg>.*?)(?:\s+\[(?P<code>[\w-]+)\])?$")


def mypy_findings(cache_dir: Path | None = None) -> Counter:
    """``mypy`` on course_kit/ (pyproject.toml's [tool.mypy]); line numbers inside messages
    ("defined on line 42") are replaced by N so that the keys stay stable."""
    cmd = [sys.executable, "-m", "mypy", "--no-pretty", "--no-error-summary", "--hide-error-context",
           "--no-color-output", "--show-error-codes"]
    if cache_dir is not None:
        cmd += ["--cache-dir", str(cache_dir)]
    out = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    if out.returncode not in (0, 1) or (out.returncode == 1 and not out.stdout.strip()):
        raise RuntimeError(f"mypy failed ({out.returncode}): {(out.stderr or out.stdout)[-2000:]}")
    found: Counter = Counter()
    for line in out.stdout.splitlines():
        m = _MYPY_LINE.match(line.strip())
        if m:
            msg = re.sub(r"\bline \d+\b", "line N", m["msg"])
            found[(Path(m["file"]).as_posix(), m["code"] or "misc", msg)] += 1
    return found


def read_baseline(tool: str) -> Counter:
    path = BASELINE / f"{tool}.txt"
    found: Counter = Counter()
    if not path.exists():
        return found
    for line in path.read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            file, code, msg = line.split("\t", 2)
            found[(file, code, msg)] += 1
    return found


def write_baseline(tool: str, found: Counter) -> None:
    BASELINE.mkdir(parents=True, exist_ok=True)
    head = (f"# {tool} findings accepted for now: file<TAB>code<TAB>message, one line per occurrence.\n"
            "# May only shrink (tests/test_static.py); see tests/static_checks.py.\n")
    lines = sorted("\t".join(k) for k, n in found.items() for _ in range(n))
    (BASELINE / f"{tool}.txt").write_text(head + "".join(line + "\n" for line in lines), encoding="utf-8")


def compare(found: Counter, baseline: Counter) -> tuple[Counter, Counter]:
    """(new findings not covered by the baseline, baseline entries no longer found)."""
    return found - baseline, baseline - found


def current(tool: str) -> Counter:
    return ruff_findings() if tool == "ruff" else mypy_findings()


def main(argv: list[str]) -> int:
    if argv not in (["--shrink"], ["--write"]):
        print(__doc__)
        return 2
    for tool in TOOLS:
        found, base = current(tool), read_baseline(tool)
        new, fixed = compare(found, base)
        if argv == ["--shrink"]:
            write_baseline(tool, base - fixed)
            print(f"{tool}: removed {sum(fixed.values())} fixed entries; {sum(new.values())} new findings "
                  "are NOT added (fix them)")
        else:
            write_baseline(tool, found)
            print(f"{tool}: baseline rewritten with {sum(found.values())} findings "
                  f"(+{sum(new.values())} new, -{sum(fixed.values())} fixed): review `git diff {BASELINE.name}`")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
