"""Static checks are part of the test command: ruff on the repository, mypy on course_kit/.

Findings are compared with committed baselines (tests/static_baseline/) that may only shrink; see
tests/static_checks.py for the keys and the two maintenance commands, and pyproject.toml for the
rule sets and why.
"""

from __future__ import annotations

from collections import Counter

import pytest

import static_checks as sc


def _show(c: Counter, limit: int = 25) -> str:
    lines = [f"  {f}: {code} {msg}" + (f"  (x{n})" if n > 1 else "") for (f, code, msg), n in sorted(c.items())]
    more = f"\n  ... and {len(lines) - limit} more" if len(lines) > limit else ""
    return "\n".join(lines[:limit]) + more


@pytest.mark.slow
@pytest.mark.parametrize("tool", sc.TOOLS)
def test_no_new_static_findings_and_fixed_ones_leave_the_baseline(tool):
    found = sc.current(tool)  # mypy keeps its cache in .mypy_cache/ (git-ignored): later runs take seconds
    new, fixed = sc.compare(found, sc.read_baseline(tool))
    assert not new, (f"{sum(new.values())} new {tool} finding(s); fix them "
                     f"({'`ruff check --fix FILE` fixes some' if tool == 'ruff' else 'see the messages'}):\n"
                     + _show(new))
    assert not fixed, (f"{sum(fixed.values())} {tool} baseline entr(y/ies) no longer found: well done, now "
                       f"run `python tests/static_checks.py --shrink`:\n" + _show(fixed))


def test_the_comparison_is_by_file_code_and_message_with_counts():
    a = ("course_kit/x.py", "F401", "`os` imported but unused")
    b = ("course_kit/x.py", "E501", "Line too long (130 > 120)")
    new, fixed = sc.compare(Counter({a: 2, b: 1}), Counter({a: 1, b: 1}))
    assert new == Counter({a: 1}) and not fixed          # a second occurrence is new
    new, fixed = sc.compare(Counter({b: 1}), Counter({a: 1, b: 1}))
    assert not new and fixed == Counter({a: 1})          # a fixed one must leave the baseline


def test_mypy_line_parser_keeps_messages_and_drops_line_numbers():
    m = sc._MYPY_LINE.match('course_kit/a.py:12: error: Name "x" already defined on line 3  [no-redef]')
    assert m and m["file"] == "course_kit/a.py" and m["code"] == "no-redef"
    assert not sc._MYPY_LINE.match("course_kit/a.py:12: note: Possible overload variants:")


def test_baseline_files_round_trip(tmp_path, monkeypatch):
    monkeypatch.setattr(sc, "BASELINE", tmp_path)
    found = Counter({("a.py", "E501", "Line too long (130 > 120)"): 2, ("b.py", "F401", "`os` imported but unused"): 1})
    sc.write_baseline("ruff", found)
    assert sc.read_baseline("ruff") == found
