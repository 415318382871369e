"""Keyboard and screen-reader support for every course widget (issue 17), from Python alone.

ipywidgets 8 gives no way to set ARIA attributes, so each :class:`~course_kit.widgets.base.Panel`
carries one invisible :class:`A11y` widget (an anywidget: a few lines of JavaScript that run in
JupyterLab and in Voila alike). On render, and whenever the panel's DOM changes, it:

* names every control after its description (``aria-label`` on the ``<select>``, the text box,
  the slider handle), and names radio groups (``role=radiogroup``);
* takes each slider's editable value read-out out of the tab order (the handle already announces
  its value: ``aria-valuetext``), and the plotly mode bar's buttons and logo link too (11 tab stops
  per figure; they stay usable with the mouse);
* marks every control ``data-lm-suppress-shortcuts``: JupyterLab's notebook shortcuts (Lumino)
  skip key events from inside such an element, so ArrowDown on a focused dropdown changes the
  option instead of selecting the next cell (JupyterLab only exempts ``:read-write`` elements,
  which a ``<select>``, a radio button or a slider handle is not);
* gives each figure's drawing (its first ``svg``) ``role=img`` and a one-sentence ``aria-label``
  (from :func:`alt_text`, kept current by the panel), the read-outs ``role=status`` + ``aria-live=polite`` (results are
  announced), the panel ``role=region`` named by its title;
* adds a visible focus ring (3 px, the palette's blue, >= 3:1 on white) to everything in the panel.
"""

from __future__ import annotations

import html
import re

import anywidget
import traitlets

__all__ = ["A11y", "alt_text", "PANEL_CLASS", "LIVE_CLASS"]

PANEL_CLASS = "ck-panel"
LIVE_CLASS = "ck-live"

_ESM = r"""
const CSS = `
.ck-panel :focus-visible, .ck-panel .noUi-handle:focus, .ck-panel select:focus,
.ck-panel input:focus, .ck-panel button:focus-visible {
  outline: 3px solid #0072B2 !important; outline-offset: 2px !important; }
`;
const CONTROLS = "select, input, textarea, button, .noUi-handle, [role=slider], [contenteditable]";

function ensureStyle() {
  if (document.getElementById("ck-a11y-style")) return;
  const s = document.createElement("style");
  s.id = "ck-a11y-style";
  s.textContent = CSS;
  document.head.appendChild(s);
}

function apply(root, model) {
  if (model.get("label")) {
    root.setAttribute("role", "region");
    root.setAttribute("aria-label", model.get("label"));
  }
  root.querySelectorAll(".widget-inline-hbox").forEach((box) => {
    const lab = box.querySelector(":scope > .widget-label");
    const name = lab ? lab.textContent.trim() : "";
    if (!name) return;
    const group = box.querySelector(":scope .widget-radio-box");
    if (group) {
      group.setAttribute("role", "radiogroup");
      group.setAttribute("aria-label", name);
      return;
    }
    box.querySelectorAll("select, input:not([type=checkbox]), textarea, .noUi-handle").forEach((c) => {
      if (c.getAttribute("aria-label") !== name) c.setAttribute("aria-label", name);
    });
  });
  root.querySelectorAll(".widget-readout").forEach((r) => {
    r.setAttribute("tabindex", "-1");
    r.setAttribute("aria-hidden", "true");
  });
  root.querySelectorAll(CONTROLS).forEach((c) => c.setAttribute("data-lm-suppress-shortcuts", "true"));
  root.querySelectorAll(".modebar a, .modebar button, .modebar-btn, a.modebar-btn").forEach((b) =>
    b.setAttribute("tabindex", "-1"));
  const alts = model.get("alts") || [];
  root.querySelectorAll(".js-plotly-plot").forEach((fig, i) => {
    // the name goes on the drawing (the first svg), not on the container: the container also holds
    // the mode bar's buttons, and an image must not contain controls
    if (fig.getAttribute("role") === "img") fig.removeAttribute("role");
    const svg = fig.querySelector("svg.main-svg");
    if (!svg) return;
    svg.setAttribute("role", "img");
    if (alts[i] && svg.getAttribute("aria-label") !== alts[i]) svg.setAttribute("aria-label", alts[i]);
  });
  root.querySelectorAll(".ck-live").forEach((r) => {
    r.setAttribute("role", "status");
    r.setAttribute("aria-live", "polite");
  });
}

function render({ model, el }) {
  ensureStyle();
  let root = null;
  let pending = false;
  const run = () => {
    pending = false;
    root = root || el.closest(".ck-panel");
    if (root) apply(root, model);
  };
  const schedule = () => {
    if (!pending) { pending = true; requestAnimationFrame(run); }
  };
  schedule();
  const observer = new MutationObserver(schedule);
  const start = () => {
    root = el.closest(".ck-panel");
    if (!root) { setTimeout(start, 50); return; }
    observer.observe(root, { childList: true, subtree: true });
    schedule();
  };
  start();
  model.on("change:alts", schedule);
  model.on("change:label", schedule);
  return () => observer.disconnect();
}
export default { render };
"""


class A11y(anywidget.AnyWidget):
    """The invisible helper of a panel: ``label`` names the panel, ``alts`` are its figures'
    text alternatives in page order."""

    _esm = _ESM
    label = traitlets.Unicode("").tag(sync=True)
    alts = traitlets.List(traitlets.Unicode()).tag(sync=True)


_TAGS = re.compile(r"<[^>]+>")


def _plain(text) -> str:
    return html.unescape(_TAGS.sub(" ", str(text or ""))).replace("  ", " ").strip()


def alt_text(fig) -> str:
    """One sentence describing a plotly figure: its title, kind, axes and the series it shows.

    Read from the figure's plain-dict form (``fig._data`` / ``fig._layout``, plotly's own
    storage): going through plotly's property objects costs ~5 ms a figure, too much per update.

    >>> import plotly.graph_objects as go
    >>> alt_text(go.Figure(go.Bar(x=["a"], y=[1], name="load"), layout={"title": "Rack <b>power</b>",
    ...                    "yaxis_title": "kW"}))
    'Chart: Rack power. bar chart of kW; series: load.'
    """
    layout, data = fig._layout, fig._data

    def text(obj) -> str:
        title = (obj or {}).get("title")
        return _plain(title.get("text") if isinstance(title, dict) else title)

    title = text(layout) or "untitled chart"
    kinds = []
    for t in data:
        if t.get("visible", True) is False:
            continue
        typ = t.get("type", "scatter")
        if typ == "scatter":
            kind = "line" if "lines" in (t.get("mode") or "lines") else "scatter"
        else:
            kind = {"heatmap": "heat map"}.get(typ, typ)
        if kind not in kinds:
            kinds.append(kind)
    axes = [a for a in (text(layout.get("xaxis")), text(layout.get("yaxis"))) if a]
    names = [str(t["name"]) for t in data if t.get("name") and t.get("visible", True) is not False
             and t.get("showlegend", True) is not False]
    shape = " and ".join(kinds) + " chart" if kinds else "chart"
    what = f" of {' against '.join(reversed(axes))}" if axes else ""
    series = f"; series: {', '.join(names[:8])}{' and more' if len(names) > 8 else ''}" if names else ""
    return f"Chart: {title}. {shape}{what}{series}."
