"""Figures for MIG (``course_kit.mig``): a GPU drawn as memory × compute slices, layout overviews.

The GPU is drawn as two rows: its memory slices (8, or 4 on A30) with each instance at its
placement, and its compute slices (7, or 4) with each instance's share. Memory positions are real
(``start:size``); the order of compute slices is schematic (MIG placements are in memory slices).
"""

from __future__ import annotations

import plotly.graph_objects as go

from course_kit.figures import palette as pal

__all__ = ["PROFILE_COLORS", "mig_figure", "update_mig_figure", "maximal_layouts_figure"]

#: colour = compute slices of the instance (1g, 2g, 3g, 4g, 7g); every instance is also labelled
#: with its profile name inside the bar, and the two 1g variants a colour cannot separate carry a
#: hatch: "/" for a 1g with two memory slices (1g.10gb on A100), "x" for media extensions (+me)
PROFILE_COLORS = {1: pal.BLUE, 2: pal.VERMILLION, 3: pal.GREEN, 4: pal.PURPLE, 7: pal.WINE}
WIDE_1G_PATTERN, MEDIA_PATTERN = "/", "x"
#: a free slice: white with a grey outline (the outline is the graphical element, 4.8:1)
FREE = pal.WHITE
FREE_LINE = pal.NEUTRAL
ROWS = ("compute slices", "memory slices")


def _color(compute_slices: int, media: bool, memory_slices: int = 1) -> str:
    """The colour of an instance: by its compute slices (the hatch of :func:`_pattern` tells the
    1g variants apart)."""
    return PROFILE_COLORS.get(compute_slices, pal.BLACK)


def _pattern(compute_slices: int, media: bool, memory_slices: int = 1) -> str:
    if media:
        return MEDIA_PATTERN
    if compute_slices == 1 and memory_slices > 1:
        return WIDE_1G_PATTERN
    return ""


def mig_figure(gpu: str, layout=None, *, widget: bool = False):
    """The GPU's slices with ``layout``'s instances placed (``layout`` may be None: empty GPU)."""
    # Built as a Figure, then wrapped: traces added one by one to an empty FigureWidget lost their
    # marker colours in the browser (the free cells showed plotly's default blue and red).
    fig = go.Figure()
    for _ in range(2):  # free cells: memory row, compute row
        fig.add_bar(orientation="h", x=[], y=[], base=[], marker_color=FREE, marker_line_color=FREE_LINE,
                    marker_line_width=1.5, hoverinfo="skip", showlegend=False, width=0.7)
    for _ in range(2):  # instances: memory row, compute row
        fig.add_bar(orientation="h", x=[], y=[], base=[], textposition="inside", insidetextanchor="middle",
                    marker_line_color="white", marker_line_width=3, showlegend=False, width=0.7,
                    marker_pattern=dict(fgcolor="white", size=8, solidity=0.25),
                    hovertemplate="%{hovertext}<extra></extra>")
    fig.update_layout(
        height=230, margin=dict(l=110, r=20, t=40, b=40), barmode="overlay",
        yaxis=dict(categoryorder="array", categoryarray=list(ROWS)),
        uniformtext=dict(minsize=9, mode="hide"),
    )
    update_mig_figure(fig, gpu, layout)
    if widget:
        from course_kit.figures.live import live_figure

        return live_figure(fig)
    return fig


def update_mig_figure(fig, gpu: str, layout=None) -> None:
    """Redraw ``fig`` (built by :func:`mig_figure`) for ``gpu`` and ``layout``."""
    from course_kit import mig

    table = mig.profiles(gpu)
    n_mem, n_cmp = mig.geometry(gpu)
    insts = layout.instances if layout is not None else ()
    mem = dict(x=[], base=[], text=[], color=[], hover=[], pattern=[])
    cmp = dict(x=[], base=[], text=[], color=[], hover=[], pattern=[])
    pos = 0
    for inst in insts:
        p = table[inst.profile]
        color = _color(p.compute_slices, p.media_extensions, p.memory_slices)
        pattern = _pattern(p.compute_slices, p.media_extensions, p.memory_slices)
        mem["pattern"].append(pattern)
        cmp["pattern"].append(pattern)
        sms = f"{p.sm_count} SMs" if p.sm_count is not None else "SMs unverified"
        hover = f"{p.name} (ID {p.profile_id})<br>placement {inst.start}:{inst.size}<br>{p.memory_gib:g} GiB, {sms}"
        mem["x"].append(inst.size); mem["base"].append(inst.start); mem["text"].append(p.name)
        mem["color"].append(color); mem["hover"].append(hover)
        cmp["x"].append(p.compute_slices); cmp["base"].append(pos); cmp["text"].append(f"{p.compute_slices}g")
        cmp["color"].append(color); cmp["hover"].append(hover)
        pos += p.compute_slices
    with fig.batch_update():
        fig.data[0].update(x=[1] * n_mem, base=list(range(n_mem)), y=[ROWS[1]] * n_mem)
        fig.data[1].update(x=[1] * n_cmp, base=list(range(n_cmp)), y=[ROWS[0]] * n_cmp)
        for trace, d, row in ((fig.data[2], mem, ROWS[1]), (fig.data[3], cmp, ROWS[0])):
            trace.update(x=d["x"], base=d["base"], y=[row] * len(d["x"]), text=d["text"], marker_color=d["color"],
                         marker_pattern_shape=d["pattern"], hovertext=d["hover"],
                         textfont_color=[pal.text_on(c) for c in d["color"]])
        fig.layout.xaxis = dict(range=[0, n_mem], dtick=1, title="slice index (memory: placement start)")
        used_m = sum(i.size for i in insts)
        used_c = pos
        fig.layout.title = f"{gpu}: {used_m}/{n_mem} memory and {used_c}/{n_cmp} compute slices used"


def maximal_layouts_figure(gpu: str, layouts, *, max_rows: int = 120):
    """Every maximal layout as one row of memory slices (instances coloured by compute slices)."""
    from course_kit import mig

    table = mig.profiles(gpu)
    n_mem, _ = mig.geometry(gpu)
    layouts = list(layouts)[:max_rows]
    rows = {}
    for r, lay in enumerate(layouts):
        for inst in lay.instances:
            p = table[inst.profile]
            kind = (p.compute_slices, p.media_extensions, p.memory_slices)
            d = rows.setdefault(p.name, dict(x=[], base=[], y=[], color=_color(*kind), pattern=_pattern(*kind)))
            d["x"].append(inst.size); d["base"].append(inst.start); d["y"].append(r)
    fig = go.Figure()
    for name in (n for n in table if n in rows):  # legend in the GPU's profile order, smallest first
        d = rows[name]
        fig.add_bar(orientation="h", name=name, x=d["x"], base=d["base"], y=d["y"], marker_color=d["color"],
                    marker_pattern=dict(shape=d["pattern"], fgcolor="white", size=6, solidity=0.25),
                    textfont_color=pal.text_on(d["color"]),
                    marker_line_color="white", marker_line_width=1, text=[name] * len(d["x"]),
                    textposition="inside", insidetextanchor="middle", width=0.9)
    fig.update_layout(
        barmode="overlay", height=max(300, 14 * len(layouts) + 80), title=f"{gpu}: {len(layouts)} maximal layouts",
        xaxis=dict(range=[0, n_mem], dtick=1, title="memory slice"),
        yaxis=dict(title="layout #", autorange="reversed", showticklabels=len(layouts) <= 40),
        uniformtext=dict(minsize=7, mode="hide"), legend=dict(orientation="h", y=-0.08),
        margin=dict(t=40, b=60),
    )
    return fig
