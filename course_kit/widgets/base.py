"""The one piece every course widget shares: controls wired to an update function.

>>> import ipywidgets as w
>>> from course_kit._validate import check_number
>>> seen = []
>>> panel = Panel({"x": w.FloatText(value=1.0)},
...               lambda v: seen.append(check_number("x", v["x"], low=0)))
>>> panel.controls["x"].value = -1.0   # the update raises ValueError: shown inline
>>> panel.error
'x must be >= 0; got -1.0'
>>> panel.controls["x"].value = 2.0
>>> seen, panel.error
([1.0, 2.0], None)
"""

from __future__ import annotations

import functools
import html
import time
from collections.abc import Callable, Mapping, Sequence

import ipywidgets as w

__all__ = ["Panel", "error_html", "initial_values"]

ERROR_STYLE = (
    "color:#8a1c1c;background:#fdecea;border-left:4px solid #d93025;"
    "padding:6px 10px;margin:4px 0;font-family:sans-serif"
)


def initial_values(defaults: dict, overrides: dict) -> dict:
    """A widget's starting control values: ``defaults`` updated by ``overrides`` (unknown names refused).

    >>> initial_values({"k": 4}, {"k": 8})
    {'k': 8}
    >>> initial_values({"k": 4}, {"q": 1})
    Traceback (most recent call last):
    ...
    ValueError: unknown control 'q'; valid: k
    """
    bad = sorted(set(overrides) - set(defaults))
    if bad:
        raise ValueError(f"unknown control {bad[0]!r}; valid: {', '.join(defaults)}")
    return {**defaults, **overrides}


def error_html(message: str) -> str:
    """The inline error box shown instead of a traceback."""
    return f'<div class="ck-error" role="alert" style="{ERROR_STYLE}">&#9888; {html.escape(message)}</div>'


def _find(widget, class_name: str) -> list:
    """Widgets under ``widget`` (itself included) whose class or a base class is ``class_name``."""
    found = [widget] if any(c.__name__ == class_name for c in type(widget).__mro__) else []
    for child in getattr(widget, "children", ()) or ():
        found += _find(child, class_name)
    return found


@functools.cache
def _freeze_heap_once() -> None:
    """Once per process, at the first widget: take every object alive (the libraries a kernel has
    imported, ipykernel's, plotly's, pandas', the widget) out of the cyclic garbage collector's full
    passes (:func:`gc.freeze`). A full pass walks every tracked object; with the kit's widgets
    imported it took ~75 ms (in a plain interpreter; a kernel holds more), paid by whichever input
    happened to trigger it (measured on the scheduler playground with 2,000 Philly jobs, 30 inputs:
    three full passes, 213-231 ms in all, p95 of the update 114-158 ms; after the freeze, 1 ms and
    80-87 ms). Reference counting still frees those objects; only cycles among them, if they ever
    become garbage, stay (the young generations are collected first, so what is frozen is what
    lives)."""
    import gc

    gc.collect(1)
    gc.freeze()


class Panel(w.VBox):
    """A VBox of ``controls`` and ``outputs`` whose ``update(values)`` runs on every change.

    ``update`` receives ``{control name: value}`` and updates the outputs (plotly FigureWidgets,
    HTML read-outs). A :class:`ValueError` raised by ``update`` (the domain modules raise it for
    bad input) is shown in :attr:`message` and kept in :attr:`error`; the outputs keep their last
    valid state. Any other exception is shown too, labelled as a bug, so a workshop never sees a
    traceback.

    Attributes useful to tests and benchmarks: ``controls`` (name → widget), ``outputs``,
    ``error`` (last message or None), ``last_update_ms``, ``updates`` (count).
    """

    def __init__(
        self,
        controls: Mapping[str, w.Widget],
        update: Callable[[dict], None],
        *,
        outputs: Sequence[w.Widget] = (),
        title: str | None = None,
        layout_controls: w.Widget | None = None,
    ):
        self.controls = dict(controls)
        self.outputs = list(outputs)
        self.message = w.HTML(value="")
        self.error: str | None = None
        self.last_update_ms = 0.0
        self.updates = 0
        self._update = update
        head = [w.HTML(f"<b>{html.escape(title)}</b>")] if title else []
        box = layout_controls if layout_controls is not None else w.VBox(list(self.controls.values()))
        from course_kit.figures.live import make_live
        from course_kit.widgets.a11y import A11y

        self._a11y = A11y(label=title or "interactive widget", layout=w.Layout(display="none"))
        super().__init__(children=[*head, box, self.message, *self.outputs, self._a11y])
        self.add_class("ck-panel")
        self.figures = []
        for out in self.outputs:  # a page that connects late (Voila, a reload) sees current figures
            make_live(out)
            self.figures += _find(out, "FigureWidget")
            for readout in _find(out, "HTML"):  # results are announced to screen readers
                readout.add_class("ck-live")
        for control in self.controls.values():
            control.observe(self._on_change, names="value")
        self.refresh()
        _freeze_heap_once()

    def values(self) -> dict:
        return {name: control.value for name, control in self.controls.items()}

    def _on_change(self, _change=None) -> None:
        self.refresh()

    def refresh(self) -> None:
        """Run the update with the current control values and show any error inline."""
        start = time.perf_counter()
        try:
            self._update(self.values())
        except ValueError as exc:
            self.error = str(exc)
            self.message.value = error_html(self.error)
        except Exception as exc:  # noqa: BLE001 - a workshop must never see a traceback
            self.error = f"unexpected {type(exc).__name__}: {exc} (please report this as a bug)"
            self.message.value = error_html(self.error)
        else:
            self.error = None
            self.message.value = ""
        finally:
            if hasattr(self, "_a11y"):
                from course_kit.widgets.a11y import alt_text

                self._a11y.alts = [alt_text(f) for f in self.figures]
            self.last_update_ms = (time.perf_counter() - start) * 1000.0
            self.updates += 1
