"""Reading a built plotly figure the way the palette tests need it."""

from __future__ import annotations


def live_figures(widget):
    """Every plotly FigureWidget under an ipywidgets container."""
    import plotly.graph_objects as go

    if isinstance(widget, go.FigureWidget):
        yield widget
    for child in getattr(widget, "children", ()) or ():
        yield from live_figures(child)


#: arguments of widgets that need some (the others build with their defaults)
WIDGET_ARGS = {"predict": {"prompt": "How many GPUs does a DGX H100 hold?", "answer": 8, "unit": "GPUs", "low": 0,
                           "high": 64, "explain": "SECRET-EXPLANATION: eight H100 SXM GPUs on one baseboard."}}


def build_widget(name: str):
    """The registered widget ``name``, built as a notebook would."""
    from course_kit import widgets

    return getattr(widgets, name)(**WIDGET_ARGS.get(name, {}))


_TRANSPARENT = {"white", "#ffffff", "#fff", "rgba(0,0,0,0)", "transparent"}


def _as_list(c):
    if c is None:
        return []
    if isinstance(c, str):
        return [c]
    try:
        return [x for x in c if isinstance(x, str)]
    except TypeError:
        return []


def category_colours(fig) -> set[str]:
    """The colours that carry meaning in ``fig``: marker colours of bars and markers, line colours
    of lines, and the line colours of shapes (SLO lines, capacities). Colour scales (heatmaps,
    contours), white outlines and text are not categories. Hex colours come back upper-case."""
    import plotly.io as pio

    found: list[str] = []
    colorway = list(fig.layout.colorway or ())
    if not colorway:
        template = fig.layout.template if fig.layout.template.layout.colorway else pio.templates[pio.templates.default]
        colorway = list(template.layout.colorway or ())
    for i, t in enumerate(fig.data):
        default = colorway[i % len(colorway)] if colorway else None
        if t.visible is False or t.type in {"heatmap", "contour", "histogram2d"}:
            continue
        mode = getattr(t, "mode", None) or ""
        if t.type == "scatter":
            if "lines" in mode or not mode:
                found += _as_list(t.line.color or default)
            if "markers" in mode:
                found += _as_list(t.marker.color or t.line.color or default)
        elif hasattr(t, "marker") and t.marker is not None:
            found += _as_list(t.marker.color or default)
    for s in fig.layout.shapes or ():
        if s.line is not None:
            found += _as_list(s.line.color)
    from course_kit.figures.palette import to_hex

    return {to_hex(c) for c in found if c.strip().lower() not in _TRANSPARENT}
