"""The course map is one source (issue 15, item 8): README table, welcome map, widget registry and
the notebooks agree with ``course_map.SECTIONS``; one lookup resolves what users type."""

from __future__ import annotations

import re

import nbformat
import pytest

from course_kit import course_map, widgets

from helpers import NOTEBOOKS, ROOT


def test_readme_table_is_generated_from_the_map():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert course_map.readme_table() in readme, (
        "README.md's course table differs from course_map.SECTIONS: paste course_map.readme_table()")


def test_every_registered_widget_belongs_to_exactly_one_section_and_back():
    named = [w for s in course_map.SECTIONS for w in s.widgets]
    assert len(named) == len(set(named)), "a widget is listed in two sections"
    assert sorted(named + list(course_map.TOOL_WIDGETS)) == sorted(widgets._WIDGETS), \
        "course_map.SECTIONS and the widget registry differ"


@pytest.mark.parametrize("section", course_map.SECTIONS, ids=lambda s: s.notebook)
def test_each_notebook_shows_exactly_the_widgets_its_section_lists(section):
    nb = nbformat.read(section.notebook_path, as_version=4)
    code = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    called = sorted(set(re.findall(r"ck\.widgets\.([a-z_]+)\(", code)) - set(course_map.TOOL_WIDGETS))
    assert called == sorted(section.widgets), f"{section.notebook} calls {called}, the map says {section.widgets}"


def test_the_map_covers_every_notebook_in_order():
    assert [s.notebook for s in course_map.SECTIONS] == [p.stem for p in NOTEBOOKS]
    assert [s.number for s in course_map.SECTIONS] == list(range(len(NOTEBOOKS)))


def test_welcome_map_names_the_roofline_explorer_for_section_2():
    row = next(r for r in course_map.course_map_html().split("<tr>") if r.startswith("<td>2</td>"))
    assert "roofline explorer" in row


@pytest.mark.parametrize("key, number", [(0, 0), ("3", 3), ("03", 3), ("003", 3), (" 10 ", 10),
                                         ("04_scheduling", 4), ("04_scheduling.ipynb", 4),
                                         ("notebooks/05_intricacies.ipynb", 5)])
def test_find_section_resolves_numbers_names_and_paths(key, number):
    assert course_map.find_section(key).number == number


@pytest.mark.parametrize("bad", [11, -1, "", "x", "4.0", "scheduling", True, None, 3.0, "٣"])
def test_find_section_refuses_anything_else_with_the_valid_range(bad):
    with pytest.raises(ValueError, match="section must be a number 0-10"):
        course_map.find_section(bad)


@pytest.mark.parametrize("key", ["1", "01", "001", "01_lifecycle", "01_lifecycle.ipynb", "x/01_lifecycle.ipynb"])
def test_cli_and_present_resolve_the_same_keys(key):
    """``course-kit start`` and ``course-kit present`` share ``find_section``: same keys, same section."""
    from course_kit import cli, present

    assert present.section_notebook(key).stem == cli._exercise_for(key).stem == "01_lifecycle"
