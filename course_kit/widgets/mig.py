"""MIG partitioner widget (section 5): pick a GPU, add profiles or type workloads, see the layout.

Only wiring: placements, reasons, "what still fits" and the command lines come from
:mod:`course_kit.mig`; the drawing from :mod:`course_kit.figures.mig`.
"""

from __future__ import annotations

import html

import ipywidgets as w

from course_kit import mig
from course_kit.figures import mig as figs
from course_kit.widgets.base import Panel, error_html

__all__ = ["mig_partitioner", "MigPanel"]

_STYLE = {"description_width": "110px"}


class MigPanel(Panel):
    """The MIG widget's panel: ``layout`` is the layout drawn (``None`` when nothing is placed),
    ``add(profile)`` appends a profile (refused with the reason if it no longer fits)."""

    @property
    def layout_now(self):
        return self._state["layout"]

    @property
    def fit(self):
        return self._state["fit"]

    def add(self, profile: str) -> bool:
        return self._state["add"](profile)


def mig_partitioner(gpu: str = "A100-SXM4-40GB", profiles: str = "3g.20gb, 2g.10gb, 1g.5gb, 1g.5gb") -> MigPanel:
    """Choose a GPU model and a list of GPU-instance profiles (Add / Remove last / Clear, or type
    them), or switch to *workloads* mode and type ``name: GiB compute`` entries to get the
    least-waste layout. The GPU is drawn as its memory × compute slices with the instances placed;
    the read-out lists what still fits, the ``nvidia-smi`` command and a mig-parted entry.
    Invalid lists are refused with the reason inline.

    >>> panel = mig_partitioner()          # 3g.20gb + 2g.10gb + 2 x 1g.5gb
    >>> panel.add("7g.40gb"), panel.error
    (False, 'cannot add 7g.40gb: the instances need 14 compute slices; A100-SXM4-40GB has 7')
    >>> panel.controls["profiles"].value = "4g.20gb, 4g.20gb"
    >>> panel.error
    '4g.20gb allows 1 instance on A100-SXM4-40GB (2 requested)'
    """
    gpu = mig.gpu_name(gpu)
    mig.parse_profile_list(gpu, profiles)
    controls = {
        "gpu": w.Dropdown(options=list(mig.gpu_models()), value=gpu, description="GPU", style=_STYLE),
        # radio buttons, not ToggleButtons: native radios expose their checked state to screen readers
        "mode": w.RadioButtons(options=["profiles", "workloads"], value="profiles", description="mode",
                               style=_STYLE, orientation="horizontal"),
        "profiles": w.Text(value=profiles, description="profiles", style=_STYLE,
                           layout=w.Layout(width="520px"), continuous_update=False),
        "workloads": w.Text(value="llm: 18 GiB 3c; etl: 9 GiB 2c; embed: 4 GiB 1c", description="workloads",
                            style=_STYLE, layout=w.Layout(width="520px"), continuous_update=False),
        "pre_r510": w.Checkbox(value=False, description="driver older than R510 (no 4g + 3g)", indent=False),
    }
    picker = w.Dropdown(options=list(mig.profiles(gpu)), description="profile", style=_STYLE)
    add_btn = w.Button(description="Add", button_style="success", layout=w.Layout(width="80px"))
    pop_btn = w.Button(description="Remove last", layout=w.Layout(width="110px"))
    clear_btn = w.Button(description="Clear", layout=w.Layout(width="80px"))
    readout = w.HTML()
    fig = figs.mig_figure(gpu, mig.layout(gpu, profiles), widget=True)
    state: dict = {"layout": None, "fit": None}

    def set_mode(workloads: bool) -> None:
        """Only the inputs of the current mode are active: in workloads mode the profile picker,
        its buttons and the profile box are disabled and the box shows the layout drawn."""
        for widget in (picker, add_btn, pop_btn, clear_btn, controls["profiles"]):
            widget.disabled = workloads
        controls["workloads"].disabled = not workloads

    def update(v: dict) -> None:
        g = v["gpu"]
        set_mode(v["mode"] == "workloads")
        pre = bool(v["pre_r510"]) and g in mig.PRE_R510_GPUS
        if v["mode"] == "profiles":
            names = mig.parse_profile_list(g, v["profiles"])
            reason = mig.infeasibility_reason(g, names, pre_r510=pre)
            if reason is not None:
                raise ValueError(reason)
            lay = mig.layout(g, names, pre_r510=pre)
            fit = None
        else:
            fit = mig.best_layout(g, mig.parse_workloads(v["workloads"]), pre_r510=pre)
            lay = fit.layout
        figs.update_mig_figure(fig, g, lay)
        state["layout"], state["fit"] = lay, fit
        if fit is not None:  # the profile box names what is drawn (read again only in profiles mode)
            controls["profiles"].value = ", ".join(i.profile for i in lay.instances) if lay is not None else ""
        note = ""
        if v["pre_r510"] and not pre:
            note = f"(the pre-R510 rule does not apply: {g} needs a newer driver)"
        readout.value = _readout_html(g, lay, fit, pre, note)

    def current_names() -> list[str]:
        return mig.parse_profile_list(controls["gpu"].value, controls["profiles"].value)

    def add(profile: str) -> bool:
        g = controls["gpu"].value
        pre = controls["pre_r510"].value and g in mig.PRE_R510_GPUS
        try:
            names = current_names() + mig.parse_profile_list(g, [profile])
            reason = mig.infeasibility_reason(g, names, pre_r510=pre)
        except ValueError as exc:
            reason = str(exc)
        if reason is not None:
            panel.error = f"cannot add {profile}: {reason}"
            panel.message.value = error_html(panel.error)
            return False
        controls["mode"].value = "profiles"
        controls["profiles"].value = ", ".join(names)
        return True

    def on_add(_b=None) -> None:
        add(picker.value)

    def on_pop(_b=None) -> None:
        try:
            names = current_names()
        except ValueError:
            names = []
        controls["profiles"].value = ", ".join(names[:-1])

    def on_clear(_b=None) -> None:
        controls["profiles"].value = ""

    def on_gpu(change) -> None:
        picker.options = list(mig.profiles(change["new"]))
        try:
            current_names()
        except ValueError:  # profile names differ between GPU models: start empty
            controls["profiles"].value = ""

    add_btn.on_click(on_add)
    pop_btn.on_click(on_pop)
    clear_btn.on_click(on_clear)
    state["add"] = add

    layout_controls = w.VBox([
        w.HBox([controls["gpu"], controls["pre_r510"]]),
        controls["mode"],
        w.HBox([picker, add_btn, pop_btn, clear_btn]),
        controls["profiles"],
        controls["workloads"],
    ])
    panel = MigPanel(controls, update, outputs=[fig, readout], title="MIG partitioner",
                     layout_controls=layout_controls)
    panel._state = state
    panel.figure = fig
    panel.readout = readout
    panel.picker = picker
    panel.buttons = {"add": add_btn, "remove_last": pop_btn, "clear": clear_btn}
    controls["gpu"].observe(on_gpu, names="value")
    return panel


def _readout_html(gpu: str, lay, fit, pre: bool, note: str = "") -> str:
    parts = [html.escape(note)] if note else []
    if fit is not None:
        if not fit.fits:
            return (f'<div style="color:#8a1c1c;font-family:sans-serif">✘ does not fit on {html.escape(gpu)}: '
                    f"{html.escape(fit.reason)}</div>")
        pairs = ", ".join(f"{html.escape(a)} → {html.escape(b)}" for a, b in fit.assignment)
        parts.append(f"<b>Least-waste layout</b>: {pairs}<br>waste {fit.memory_waste_gib:.2f} GiB and "
                     f"{fit.compute_waste_slices} compute slice(s); objective: {html.escape(fit.objective)}")
    table = mig.profiles(gpu)
    if lay is not None and lay.instances:
        rows = []
        for lab, start in lay.placement().items():
            p = table[lab.split("#")[0]]
            sms = p.sm_count if p.sm_count is not None else "unverified"
            rows.append(f"<tr><td>{html.escape(lab)}</td><td>{p.profile_id}</td><td>{start}:{p.memory_slices}</td>"
                        f"<td>{sms}</td><td>{p.memory_gib:g}</td></tr>")
        rows = "".join(rows)
        parts.append("<table><tr><th>instance</th><th>ID</th><th>start:size</th><th>SMs</th><th>GiB</th></tr>"
                     f"{rows}</table>")
        free = mig.addable(gpu, lay, pre_r510=pre)
        still = "; ".join(f"{n} at {{{','.join(map(str, s))}}}" for n, s in free.items())
        still = still or "nothing — the layout is maximal"
        parts.append(f"<b>Still fits</b>: {html.escape(still)}")
        parts.append(f"<b>Command</b>: <code>{html.escape(mig.nvidia_smi_command(gpu, lay))}</code>")
        parts.append(f"<b>mig-parted</b>:<pre>{html.escape(mig.mig_parted_config(gpu, lay))}</pre>")
    else:
        parts.append("Empty GPU: add a profile.")
    return f'<div style="font-family:sans-serif;font-size:13px">{"<br>".join(parts)}</div>'
