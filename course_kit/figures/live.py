"""Live plotly figures whose page always shows their current data, however late the page connects.

Root cause of the blank dashboard figures (issue 15, item 1): plotly's ``FigureWidget`` syncs its
full state (traits ``_widget_data`` and ``_widget_layout``) only when it is constructed and when it
is displayed *on its own* (its ``_repr_mimebundle_``). Every later edit (``fig.data[0].x = ...``,
``add_trace``, ``batch_update``) is sent as a one-shot message (``_py2js_restyle``, ...) to the
front-ends connected at that moment. A figure nested in a container (our ``Panel`` VBox) is never
displayed on its own, and Voila runs the whole notebook before the page connects and asks the
kernel for every widget's state: the page received the figure as it was when constructed -- empty
axes in the rack widget, empty traces in the topology explorer, no traces at all in the roofline
explorer. JupyterLab looked fine only because its page was connected while the edits were sent (a
page reload showed the same blank figures).

:class:`LiveFigure` answers every full-state request (``get_state()`` without a key: Voila's
``request_states``, a reloaded page, a second view) with the figure's current data and layout.
Incremental edits still travel as small messages, so nothing extra is sent per update.

:class:`LiveFigure` also ships plotly's widget module with its two echo messages switched off
(:func:`quiet_module`): after every redraw the stock module diffs the whole drawn figure against
its data and sends the differences back to the kernel (``_sendTraceDeltas``, ``_sendLayoutDelta``),
two more kernel requests per update, each a busy/idle cycle the notebook's toolbar redraws for.
The kit never reads those JS-computed values (and plotly 7 files the layout one under a name its
Python side does not listen to), so the page and the kernel are spared that work on every input.
The same module neither reports the page's own redraws back, nor marks Python's updates with the
``_doNotReportToPy`` flag that plotly.js took for an unknown attribute (a whole-figure redraw for
every update, even a moved shape); and :class:`LiveFigure` sends each update as one comm message
instead of plotly.py's four.

And it ships that 5 MB module ONCE per kernel, not once per figure. plotly's ``FigureWidget`` is
an anywidget whose ``_esm`` trait holds the module's source, and anywidget imports that source as
a fresh module for every widget: a dashboard with eight live figures sent and compiled 40 MB of
JavaScript. Here one invisible :class:`PlotlyModule` widget per kernel carries the module (which
hands its export to a page-wide promise), and each :class:`LiveFigure` ships a two-line module
that awaits it (:data:`STUB_ESM`). Any page that shows a figure also receives the kernel's
``PlotlyModule`` model (JupyterLab and Voila create a model for every open widget).
"""

from __future__ import annotations

import contextlib
import functools
import re
from pathlib import Path

import anywidget
import plotly
import plotly.graph_objects as go

__all__ = ["LiveFigure", "PlotlyModule", "STUB_ESM", "live_figure", "make_live", "move_shape", "quiet_module",
           "shared_module"]

#: the two methods of plotly's widget view that echo a redraw back to the kernel (see the docstring)
_ECHOES = re.compile(r"(_send(?:Trace|Layout)Deltas?\((\w+)\)\{)")
#: the three handlers that report the page's own restyle / relayout / update events to the kernel
_REPORTS = re.compile(r"(handle_plotly_(?:restyle|relayout|update)\((\w+)\)\{)")
#: the marker that told those handlers an update came from Python (``ge._doNotReportToPy=!0,``);
#: plotly.js reads it as an unknown figure attribute, so it turned every update, even a title or a
#: shape, into a whole-figure redraw. A literal search: a pattern starting with ``\w+`` took 0.3 s
#: over the 5 MB bundle, on every kernel start.
_MARKER = "._doNotReportToPy=!0,"


def _drop_markers(text: str) -> tuple[str, int]:
    """``text`` without each ``<identifier>._doNotReportToPy=!0,``; and how many were dropped."""
    parts, pos, dropped = [], 0, 0
    at = text.find(_MARKER)
    while at != -1:
        start = at
        while start > 0 and (text[start - 1].isalnum() or text[start - 1] in "_$"):
            start -= 1
        if start < at:  # an identifier precedes it: drop both
            parts.append(text[pos:start])
            pos, dropped = at + len(_MARKER), dropped + 1
        at = text.find(_MARKER, at + len(_MARKER))
    parts.append(text[pos:])
    return "".join(parts), dropped


@functools.cache
def quiet_module() -> str | None:
    """plotly's widget module (``widgetbundle.js``) that neither echoes nor reports to the kernel,
    so that an update from Python redraws only what it changes; None if this plotly build does not
    have exactly the definitions below (the stock module is then used, unchanged).

    - ``_sendTraceDeltas`` and ``_sendLayoutDelta`` return at once: no diff of the drawn figure
      sent back after every redraw (two kernel requests per update).
    - ``handle_plotly_restyle``, ``handle_plotly_relayout`` and ``handle_plotly_update`` return at
      once: a zoom, a pan or a legend click in the page is not reported to the kernel (nothing in
      the kit reads it back).
    - The ``_doNotReportToPy`` marker is no longer added to the restyle, relayout and update data:
      it existed only for those handlers, and plotly.js takes an unknown attribute for one that
      needs a full recalculation. Measured on the roofline explorer's figure in Chromium: moving
      its operation line took 36-44 ms with the marker, 9 ms without.
    """
    text = (Path(plotly.__file__).parent / "package_data" / "widgetbundle.js").read_text(encoding="utf-8")
    echoes, reports = _ECHOES.findall(text), _REPORTS.findall(text)
    text, markers = _drop_markers(text)
    if (sorted(m[0].split("(")[0] for m in echoes) != ["_sendLayoutDelta", "_sendTraceDeltas"]
            or sorted(m[0].split("(")[0] for m in reports)
            != ["handle_plotly_relayout", "handle_plotly_restyle", "handle_plotly_update"]
            or markers != 3):
        return None
    text = _ECHOES.sub(lambda m: m.group(1) + "return;", text)
    return _REPORTS.sub(lambda m: m.group(1) + "return;", text)


#: the page-wide promise of plotly's widget module (created by whichever side runs first)
_PROMISE = ("(globalThis.__ckPlotlyWidget ||= (() => { let resolve; "
            "const promise = new Promise((r) => { resolve = r; }); return { promise, resolve }; })())")
#: the default export of the bundle: ``X`` in its last ``export{... X as default}`` (a licence comment follows)
_DEFAULT_EXPORT = re.compile(r"export\{[^}]*?\b([\w$]+) as default\}")
#: what each LiveFigure ships instead of the 5 MB module: wait for the page's one copy of it
STUB_ESM = f"const mod = await {_PROMISE}.promise;\nexport default mod;\n"


@functools.cache
def shared_module() -> str | None:
    """:func:`quiet_module` plus one line that resolves the page-wide promise with its default
    export; None if the bundle's default export cannot be found (figures then ship it themselves)."""
    text = quiet_module()
    found = _DEFAULT_EXPORT.findall(text) if text is not None else []
    return f"{text}\n{_PROMISE}.resolve({found[-1]});\n" if found else None


class PlotlyModule(anywidget.AnyWidget):
    """Never displayed: it carries plotly's widget module to the page once per kernel."""

    _esm = shared_module() or "export default {};"


_shared: list[PlotlyModule] = []


def _ensure_shared_module() -> None:
    """One live :class:`PlotlyModule` per kernel (again after ``Widget.close_all()``)."""
    if not _shared or _shared[0].comm is None:
        _shared[:] = [PlotlyModule()]


_FULL_STATE = ("_widget_data", "_widget_layout")


class _LiveState:
    """Mixin over a ``go.FigureWidget`` class: full-state requests carry the current figure."""

    def get_state(self, key=None, drop_defaults=False):
        state = super().get_state(key=key, drop_defaults=drop_defaults)
        # key None: a full-state request, so a page connecting now sees the figure as it is (during
        # construction plotly has not set ``_data`` yet, and its own state is current anyway)
        if key is None and "_data" in self.__dict__:
            current = {"_widget_data": self._data, "_widget_layout": self._layout_obj._props}
            for name in _FULL_STATE:
                to_json = self.trait_metadata(name, "to_json", self._trait_to_json)
                state[name] = to_json(current[name], self)
            for name in ("_py2js_update", "_py2js_animate"):  # the last edit, already in the figure:
                if name in state:  # not sent twice
                    state[name] = None
        return state


class LiveFigure(_LiveState, go.FigureWidget):
    """A ``go.FigureWidget`` whose full state is always its current data and layout, drawn by
    plotly's widget module without the echo messages (:func:`quiet_module`), shipped once per
    kernel (:class:`PlotlyModule`), one comm message per update (:meth:`_send_update_msg`); data-only
    edits can skip plotly.js's full redraw (:meth:`without_redraw`)."""

    if shared_module() is not None:
        _esm = STUB_ESM

        def __init__(self, *args, **kwargs):
            _ensure_shared_module()  # opened before this figure's comm: the page learns of it first
            super().__init__(*args, **kwargs)

    def _send_update_msg(self, restyle_data, relayout_data, trace_indexes=None, source_view_id=None):
        """plotly's ``Plotly.update`` message in ONE comm message, where plotly.py sends four (the
        two edit counters, the message, then ``None``): each is a kernel → server → page hop and a
        task in the page, before the figure can be drawn. The ``None`` only made the next message
        differ from the last, and every message carries new edit ids anyway."""
        trace_edit_id, layout_edit_id = self._last_trace_edit_id + 1, self._last_layout_edit_id + 1
        with self.hold_sync():
            self._last_trace_edit_id, self._last_layout_edit_id = trace_edit_id, layout_edit_id
            self._py2js_update = {
                "style_data": restyle_data, "layout_data": relayout_data,
                "style_traces": self._normalize_trace_indexes(trace_indexes),
                "trace_edit_id": trace_edit_id, "layout_edit_id": layout_edit_id,
                "source_view_id": source_view_id,
            }

    #: plotly.js's animate options for :meth:`without_redraw`: no transition, no full redraw
    NO_REDRAW = {"transition": {"duration": 0}, "frame": {"duration": 0, "redraw": False}, "mode": "immediate"}

    @contextlib.contextmanager
    def without_redraw(self):
        """Trace edits made inside are drawn by plotly.js's animate path: only the edited traces
        are redrawn; the axes, legend, shapes and annotations stay as drawn (no recalculation).
        A full redraw (``Plotly.update``) re-runs the whole figure: measured in Chromium on the
        latency budget's two figures (bare page): 19 and 26 ms per update against 11 and 14 ms.

        The caller's contract: every edited trace stays inside FIXED axis ranges (nothing is
        re-autoranged), only data is edited (no layout), and the traces are of a type plotly.js
        animates (scatter, bar). A waterfall trace, say, is silently NOT redrawn."""
        self._no_redraw = True
        try:
            with self.batch_animate(duration=0):
                yield
        finally:
            self._no_redraw = False

    def _perform_batch_animate(self, animation_opts):
        if getattr(self, "_no_redraw", False):
            animation_opts = self.NO_REDRAW
        super()._perform_batch_animate(animation_opts)

    def _send_animate_msg(self, styles_data, relayout_data, trace_indexes, animation_opts):
        """``Plotly.animate`` in ONE comm message (plotly.py sends four; see :meth:`_send_update_msg`)."""
        trace_edit_id, layout_edit_id = self._last_trace_edit_id + 1, self._last_layout_edit_id + 1
        with self.hold_sync():
            self._last_trace_edit_id, self._last_layout_edit_id = trace_edit_id, layout_edit_id
            self._py2js_animate = {
                "style_data": styles_data, "layout_data": relayout_data,
                "style_traces": self._normalize_trace_indexes(trace_indexes), "animation_opts": animation_opts,
                "trace_edit_id": trace_edit_id, "layout_edit_id": layout_edit_id, "source_view_id": None,
            }

    def _send_restyle_msg(self, restyle_data, trace_indexes=None, source_view_id=None):
        """A restyle is sent as an update with no layout change (one message, see above)."""
        self._send_update_msg(restyle_data, {}, trace_indexes, source_view_id)

    def _send_relayout_msg(self, layout_data, source_view_id=None):
        """A relayout is sent as an update with no trace change (one message, see above)."""
        self._send_update_msg({}, layout_data, [], source_view_id)


def live_figure(fig=None) -> LiveFigure:
    """A :class:`LiveFigure` from a ``go.Figure`` (or an empty one).

    >>> f = live_figure(go.Figure(go.Bar(y=[1, 2])))
    >>> f.data[0].y = (3, 4)
    >>> f.get_state()["_widget_data"][0]["y"]
    [3, 4]
    """
    return LiveFigure(fig) if fig is not None else LiveFigure()


def make_live(widget) -> int:
    """Give every plain ``go.FigureWidget`` under ``widget`` (children, recursively) the live
    full state, in place; returns how many were converted. The new class derives from the
    instance's own class (anywidget already gave it a per-instance subclass carrying extra
    traits) and only overrides ``get_state``, so every trait and the comm stay as they are."""
    converted = 0
    if isinstance(widget, go.FigureWidget) and not isinstance(widget, _LiveState):
        cls = widget.__class__
        widget.__class__ = type(cls.__name__, (_LiveState, cls), {})
        converted += 1
    for child in getattr(widget, "children", ()) or ():
        converted += make_live(child)
    return converted


def move_shape(fig, index: int, **changes) -> None:
    """Change ``fig.layout.shapes[index]`` (e.g. ``x0=..., x1=...``) by assigning the whole
    ``shapes`` array, so that plotly.js redraws only the shapes.

    Why: a shape's position attributes have plotly.js edit type ``calc+arraydraw``, so editing
    ``shapes[i].x0`` in place re-runs the whole figure (defaults, calc, axes, legend, every trace),
    and plotly.py sends it as ``shapes.0.x0``, a form plotly.js does not even treat as an array
    edit. A new ``shapes`` array has edit type ``arraydraw``: the shapes are redrawn, nothing else.
    Measured with the roofline explorer's figure in Chromium: 9 ms against 25-40 ms per move.
    The axis the shape sits on should have a fixed range (an arraydraw does not re-autorange it).

    >>> fig = go.Figure(layout={"shapes": [{"type": "line", "x0": 1, "x1": 1, "y0": 0, "y1": 1}]})
    >>> move_shape(fig, 0, x0=2.5, x1=2.5)
    >>> fig.layout.shapes[0].x0, fig.layout.shapes[0].type
    (2.5, 'line')
    """
    shapes = [shape.to_plotly_json() for shape in fig.layout.shapes]
    if not -len(shapes) <= index < len(shapes):
        raise ValueError(f"index must be in [0, {len(shapes) - 1}]; got {index}")
    shapes[index] = {**shapes[index], **changes}
    fig.layout.shapes = shapes
