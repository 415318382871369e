"""The expected-outputs comparison of the notebook suite, without a kernel (tests/nb_expected.py)."""

from __future__ import annotations

import json

import nbformat
import pytest

import nb_expected as ne


def _nb(text: str, *, cid: str = "c1", extra_cells=()):
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("# NBVAL_CHECK_OUTPUT\nprint(x)")
    cell.id = cid
    cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text=text)]
    plain = nbformat.v4.new_code_cell("y = 1")  # not marked: never compared
    plain.id = "c0"
    plain.outputs = [nbformat.v4.new_output("stream", name="stdout", text="anything")]
    nb.cells = [plain, cell, *extra_cells]
    return nb


@pytest.fixture
def expected_dir(tmp_path, monkeypatch):
    monkeypatch.setattr(ne, "EXPECTED_DIR", tmp_path / "expected")
    nb_path = ne.ROOT / "notebooks" / "01_lifecycle.ipynb"
    return nb_path


def test_recorded_outputs_pass_and_a_changed_value_fails(expected_dir):
    ne.record(expected_dir, _nb("p95 = 243 ms\n"))
    assert ne.problems(expected_dir, _nb("p95 = 243 ms\n")) == []
    [msg] = ne.problems(expected_dir, _nb("p95 = 244 ms\n"))
    assert "cell c1" in msg and "243" in msg and "244" in msg
    assert "python tests/update_expected.py notebooks/01_lifecycle.ipynb" in msg


def test_missing_file_new_cell_and_dropped_cell_are_reported_with_the_command(expected_dir):
    [msg] = ne.problems(expected_dir, _nb("v\n"))
    assert msg.startswith("no expected outputs recorded for notebooks/01_lifecycle.ipynb (1 checked cells)")
    ne.record(expected_dir, _nb("v\n"))
    extra = nbformat.v4.new_code_cell("# NBVAL_CHECK_OUTPUT\nprint(2)")
    extra.id = "c9"
    [msg] = ne.problems(expected_dir, _nb("v\n", extra_cells=[extra]))
    assert "checked cell c9" in msg and "has no expected output" in msg
    [msg] = ne.problems(expected_dir, _nb("v\n", cid="renamed"))[-1:]
    assert "no longer a checked cell" in msg


def test_sanitized_like_nbval_and_results_compared_by_text(expected_dir):
    a = _nb("at 0x7f3a2b1c9d80 in /tmp/abc123/run.py\n")
    b = _nb("at 0x55d0c0ffee00 in /tmp/zzz/run.py\n")
    assert ne.checked_outputs(a) == ne.checked_outputs(b)
    res = nbformat.v4.new_output("execute_result", data={"text/plain": "42", "text/html": "<b>42</b>"},
                                 execution_count=1)
    nb = _nb("")
    nb.cells[1].outputs = [res]
    assert ne.checked_outputs(nb)["c1"]["outputs"] == [{"kind": "execute_result", "text": "42"}]


def test_every_recorded_file_belongs_to_a_notebook():
    for path in ne.EXPECTED_DIR.rglob("*.json"):
        nb = ne.ROOT / path.parent.name / f"{path.stem}.ipynb"
        assert nb.is_file(), f"{path.relative_to(ne.ROOT)} has no notebook {nb.relative_to(ne.ROOT)}: delete it"
        assert isinstance(json.loads(path.read_text()), dict)


def test_stream_chunking_does_not_matter(expected_dir):
    """A loaded kernel may send one cell's print output as several stream messages: same text, same result."""
    ne.record(expected_dir, _nb("a\nb\n"))
    split = _nb("a\n")
    split.cells[1].outputs.append(nbformat.v4.new_output("stream", name="stdout", text="b\n"))
    assert ne.problems(expected_dir, split) == []
    other = _nb("a\n")
    other.cells[1].outputs.append(nbformat.v4.new_output("stream", name="stdout", text="c\n"))
    assert ne.problems(expected_dir, other), "a different text must still be caught"
