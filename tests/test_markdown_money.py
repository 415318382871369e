"""Dollar amounts in notebook prose never turn into math (issue 15, item 2).

JupyterLab and Voila hand markdown to MathJax, which reads ``$...$`` as inline math: section 8's
"\\$4.10 … \\$1,000" (one backslash, which the markdown step removes) came out as run-together
italic math. The kit writes money as ``\\\\$`` (markdown turns ``\\\\`` into one backslash, MathJax
then shows ``\\$`` as a plain dollar sign; the browser test checks this renders as text), keeps
display math in ``$$ … $$`` and writes no inline ``$ … $`` math (use ``\\( … \\)`` if needed).
"""

from __future__ import annotations

import re

import nbformat
import pytest

from helpers import NOTEBOOKS, SOLUTIONS, rel

_FENCE = re.compile(r"^(```|~~~).*?^\1", re.S | re.M)
_CODE_SPAN = re.compile(r"(`+)[^`\n]*?\1")
_DISPLAY = re.compile(r"\$\$.+?\$\$", re.S)


def bare_dollars(markdown: str) -> list[str]:
    r"""Each ``$`` of ``markdown`` that MathJax could pair up as math, with some context.

    >>> bare_dollars(r"a \\$4 b")
    []
    >>> bare_dollars(r"a \$4 b")
    ['a \\$4 b']
    >>> bare_dollars("`echo $HOME` and $$x^2$$")
    []
    """
    text = _DISPLAY.sub(" ", _CODE_SPAN.sub(" ", _FENCE.sub(" ", markdown)))
    found = []
    for m in re.finditer(r"\$", text):
        i = m.start()
        if text[max(0, i - 2):i] == "\\\\":  # written \\$: a literal dollar for MathJax
            continue
        found.append(text[max(0, i - 10):i + 10].replace("\n", " "))
    return found


@pytest.mark.parametrize("path", NOTEBOOKS + SOLUTIONS, ids=rel)
def test_no_dollar_reaches_mathjax_as_a_delimiter(path):
    nb = nbformat.read(path, as_version=4)
    bad = [(i, d) for i, c in enumerate(nb.cells) if c.cell_type == "markdown" for d in bare_dollars(c.source)]
    assert not bad, f"write money as \\\\$ (cell index, context): {bad}"
