"""Rack power widget (sections 3 and 5): servers into a 42U/48U rack → elevation, kW, A, BTU/h, CFM.

Only wiring: the numbers come from :func:`course_kit.power.rack_report`, the drawing from
:mod:`course_kit.figures.power`. Number boxes are plain text boxes: a value out of range (a negative
cooling capacity, 500 servers) shows an inline error naming the box and the valid range; nothing is
clamped silently. Liquid cooling: the share of heat taken by cold plates, the coolant and its ΔT.
"""

from __future__ import annotations

import html

import ipywidgets as w

from course_kit import power
from course_kit._validate import check_choice, check_int, check_number
from course_kit.figures import power as figs
from course_kit.widgets.base import Panel

__all__ = ["rack_power", "RackPanel", "SUPPLIES"]

#: Feed options: label → (line voltage, phases).
SUPPLIES = {
    "415 V three-phase": (415.0, 3),
    "400 V three-phase": (400.0, 3),
    "208 V three-phase": (208.0, 3),
    "230 V single-phase": (230.0, 1),
    "240 V single-phase": (240.0, 1),
}

_STYLE = {"description_width": "150px"}
#: sliders get ~255 px of track (issue 15 item 3: they were ~55 px, one pixel per half degree)
_SLIDER = {"style": _STYLE, "layout": {"width": "430px"}}


def _count_key(name: str) -> str:
    return f"count:{name}"


def rack_power(
    counts: dict | None = None,
    *,
    rack_u: int = 42,
    inlet_c: float = 24.0,
    delta_t_c: float = 15.0,
    cooling_kw: float = 40.0,
    liquid_fraction: float = 0.0,
    coolant: str = "water",
    coolant_delta_t_c: float = 10.0,
) -> Panel:
    """Pick servers (counts per model of ``data/servers.csv``), rack height, inlet temperature,
    air ΔT, feed and breaker, room cooling; see the rack elevation, total kW, amps per phase,
    BTU/h, CFM and warnings (over U space, over circuit, over room cooling, outside ASHRAE). With a
    liquid share > 0 (e.g. ``power.LIQUID_HEAT_FRACTION["GB200 NVL72 compute tray"]``) the read-out adds
    the coolant flow and the air side only carries the rest.

    >>> panel = rack_power({"DGX A100": 10})
    >>> any(x.startswith("over U space") for x in panel.report.warnings)
    True
    >>> panel.controls["delta_t_c"].value = 0
    >>> panel.error
    'delta_t_c must be in (0, 40]; got 0.0'
    >>> panel.controls["delta_t_c"].value = 15
    >>> panel.controls["cooling_kw"].value = -5
    >>> panel.error
    'room cooling (kW) must be in [0, 100000]; got -5.0'
    """
    catalog = power.server_catalog()
    counts = dict(counts) if counts is not None else {"DGX H100": 3}
    unknown = set(counts) - set(catalog)
    if unknown:
        raise ValueError(f"counts has unknown servers {sorted(unknown)}; known: {', '.join(catalog)}")
    controls: dict[str, w.Widget] = {}
    for name, row in catalog.items():
        controls[_count_key(name)] = w.IntText(
            value=int(counts.get(name, 0)),
            description=f"{name} ({row['height_u']}U, {row['max_power_w'] / 1000:g} kW)",
            style={"description_width": "300px"}, layout=w.Layout(width="400px"))  # long names whole
    controls["other_u"] = w.IntText(value=0, description="other gear (U)", style=_STYLE,
                                    layout=w.Layout(width="230px"))
    controls["other_w"] = w.FloatText(value=0.0, step=50, description="other gear (W)",
                                      style=_STYLE, layout=w.Layout(width="230px"))
    controls["rack_u"] = w.Dropdown(options=list(power.RACK_HEIGHTS_U), value=rack_u, description="rack height (U)",
                                    style=_STYLE)
    controls["inlet_c"] = w.FloatSlider(value=inlet_c, min=0, max=50, step=0.5, description="inlet (°C)",
                                        continuous_update=True, **_SLIDER)
    controls["delta_t_c"] = w.FloatSlider(value=delta_t_c, min=0, max=30, step=0.5, description="air ΔT (°C)",
                                          continuous_update=True, **_SLIDER)
    controls["ashrae_class"] = w.Dropdown(options=list(power.ASHRAE_2021), value="A1", description="ASHRAE class",
                                          style=_STYLE)
    controls["supply"] = w.Dropdown(options=list(SUPPLIES), value="415 V three-phase", description="feed",
                                    style=_STYLE, layout=w.Layout(width="340px"))  # "415 V three-phase" whole
    controls["power_factor"] = w.FloatSlider(value=0.95, min=0.7, max=1.0, step=0.01, description="power factor",
                                             **_SLIDER)
    controls["breaker_a"] = w.Dropdown(options=[16, 20, 30, 32, 60, 63, 100, 125], value=63,
                                       description="breaker (A)", style=_STYLE)
    controls["derate"] = w.FloatSlider(value=0.8, min=0.5, max=1.0, step=0.05, description="usable share",
                                       **_SLIDER)
    controls["cooling_kw"] = w.FloatText(value=cooling_kw, step=1, description="room cooling (kW)", style=_STYLE)
    controls["liquid_fraction"] = w.FloatText(value=liquid_fraction, step=0.05, description="liquid share (0-1)",
                                              style=_STYLE)
    controls["coolant"] = w.Dropdown(options=list(power.COOLANTS), value=coolant, description="coolant", style=_STYLE)
    controls["coolant_delta_t_c"] = w.FloatText(value=coolant_delta_t_c, step=1, description="coolant ΔT (°C)",
                                                style=_STYLE)

    readout = w.HTML()
    first = power.rack_report(list(counts.items()), rack_u=rack_u, liquid_fraction=liquid_fraction,
                              coolant=coolant, coolant_delta_t_c=coolant_delta_t_c)
    fig = figs.rack_figure(first, widget=True)
    state = {"report": first}

    def update(v: dict) -> None:
        counts_now = {name: check_int(f"{name} count", v[_count_key(name)], low=0, high=200) for name in catalog}
        items = [(name, n) for name, n in counts_now.items() if n]
        other_u = check_int("other gear (U)", v["other_u"], low=0, high=60)
        other_w = check_number("other gear (W)", v["other_w"], low=0, high=200_000)
        if other_u or other_w:
            items.append(power.rack_item("other gear", other_u, other_w, kind="network"))
        cooling_kw_now = check_number("room cooling (kW)", v["cooling_kw"], low=0, high=100_000)
        share = check_number("liquid share (0-1)", v["liquid_fraction"], low=0, high=1)
        coolant_dt = check_number("coolant ΔT (°C)", v["coolant_delta_t_c"], low=0, high=60, low_inclusive=False)
        check_choice("coolant", v["coolant"], list(power.COOLANTS))
        voltage, phases = SUPPLIES[v["supply"]]
        rep = power.rack_report(
            items, rack_u=v["rack_u"], inlet_c=v["inlet_c"], delta_t_c=v["delta_t_c"], voltage_v=voltage,
            phases=phases, power_factor=v["power_factor"], breaker_a=v["breaker_a"], derate=v["derate"],
            cooling_capacity_w=cooling_kw_now * 1000, ashrae_class=v["ashrae_class"], liquid_fraction=share,
            coolant=v["coolant"], coolant_delta_t_c=coolant_dt)
        figs.update_rack_figure(fig, rep)
        state["report"] = rep
        readout.value = _readout_html(rep)

    counts_box = w.VBox([w.HTML("<b>Servers</b> (data/servers.csv)"),
                         *[controls[_count_key(n)] for n in catalog], controls["other_u"], controls["other_w"]])
    env_box = w.VBox([w.HTML("<b>Rack, air and power feed</b>"),
                      *[controls[k] for k in ("rack_u", "inlet_c", "delta_t_c", "ashrae_class", "supply",
                                              "power_factor", "breaker_a", "derate", "cooling_kw")]])
    liquid_box = w.VBox([w.HTML("<b>Liquid cooling</b> (cold plates)"),
                         *[controls[k] for k in ("liquid_fraction", "coolant", "coolant_delta_t_c")]])
    panel = RackPanel(controls, update, outputs=[w.HBox([fig, readout])], title="Rack power & cooling",
                      layout_controls=w.HBox([counts_box, w.VBox([env_box, liquid_box])]))
    panel._state = state
    panel.figure = fig
    panel.readout = readout
    return panel


class RackPanel(Panel):
    """The rack widget's panel; ``report`` is the last valid :class:`course_kit.power.RackReport`."""

    @property
    def report(self):
        return self._state["report"]


def _readout_html(rep) -> str:
    phase = "per phase" if rep.phases == 3 else "(single-phase)"
    lines = [
        f"<b>IT load</b> {rep.it_load_w / 1000:,.1f} kW = heat {rep.heat_btu_h:,.0f} BTU/h",
        f"<b>Airflow</b> {rep.airflow_cfm:,.0f} CFM for ΔT {rep.delta_t_c:g} °C "
        f"(exhaust ≈ {rep.exhaust_c:.1f} °C)",
        (f"<b>Liquid</b> {rep.liquid_heat_w / 1000:,.1f} kW to cold plates ({rep.liquid_fraction:.0%}): "
         f"{rep.coolant_flow_l_min:,.0f} L/min of {html.escape(rep.coolant)} for ΔT {rep.coolant_delta_t_c:g} °C; "
         f"air carries {rep.air_heat_w / 1000:,.1f} kW") if rep.liquid_fraction > 0 else
        "<b>Liquid</b> none (all heat to air)",
        f"<b>Current</b> {rep.current_a:,.1f} A {phase} at {rep.voltage_v:g} V, PF {rep.power_factor:.2f} "
        f"(limit {rep.circuit_limit_a:.1f} A)",
        f"<b>Space</b> {rep.layout.used_u}U of {rep.layout.rack_u}U used; requested {rep.layout.requested_u}U",
        f"<b>Inlet</b> {html.escape(rep.ashrae.message)}",
    ]
    body = "<br>".join(lines)
    if rep.warnings:
        warn = "".join(f"<li>{html.escape(x)}</li>" for x in rep.warnings)
        body += f'<div style="color:#8a1c1c;margin-top:6px"><b>Warnings</b><ul>{warn}</ul></div>'
    else:
        body += '<div style="color:#137333;margin-top:6px">✔ fits: space, circuit, cooling and inlet all OK</div>'
    return f'<div style="font-family:sans-serif;font-size:13px;max-width:460px">{body}</div>'
