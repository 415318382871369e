"""Tables of prose (comparisons, notes, sources) shown whole and left-aligned in a notebook.

pandas cuts every cell at ``display.max_colwidth`` (50 characters) and JupyterLab right-aligns
table cells: fine for numbers, unreadable for the "source" and "note" columns of the kit's
comparison tables. :func:`text_table` returns a ``Styler`` that shows every word.
"""

from __future__ import annotations

__all__ = ["text_table"]


def text_table(df, *, index: str | None = None):
    """``df`` as a left-aligned ``Styler`` with no truncated cells (``index``: a column to index by).

    >>> import pandas as pd
    >>> html = text_table(pd.DataFrame({"what": ["x"], "note": ["a" * 80]}), index="what").to_html()
    >>> "a" * 80 in html
    True
    """
    import pandas as pd

    if not isinstance(df, pd.DataFrame):
        raise ValueError(f"df must be a pandas DataFrame; got {type(df).__name__}")
    if index is not None:
        if index not in df.columns:
            raise ValueError(f"index must be one of the columns {list(df.columns)}; got {index!r}")
        df = df.set_index(index)
    cell = [("text-align", "left"), ("vertical-align", "top"), ("max-width", "28em"),
            ("white-space", "normal")]
    return (df.style
            .set_properties(**dict(cell))
            .set_table_styles([{"selector": "th", "props": [("text-align", "left"), ("vertical-align", "top")]}])
            .format(na_rep="—"))
