"""The simulator's outputs are exactly those pinned in tests/fixtures/simulator_pins.json.

The pins were written from the simulator before its refactor into a class (see
tests/simulator_pins.py); an intended change of behaviour is one reviewed update:
``python tests/simulator_pins.py --write``. The FGD replay table is compared in
tests/test_scheduling_replay.py (it reuses that file's replay runs).
"""

from __future__ import annotations

import json

import pytest

import simulator_pins as sp


@pytest.fixture(scope="module")
def pins() -> dict:
    if not sp.PINS.exists():
        pytest.fail(f"{sp.PINS.relative_to(sp.ROOT)} is missing: write it with "
                    "`python tests/simulator_pins.py --write`")
    return json.loads(sp.PINS.read_text())


def _diff(expected: dict, got: dict) -> list[str]:
    return [f"{k}: pinned {str(expected.get(k))[:200]} != now {str(got.get(k))[:200]}"
            for k in sorted(set(expected) | set(got)) if expected.get(k) != got.get(k)]


def test_every_simulation_is_identical_to_its_pin(pins):
    got = json.loads(json.dumps(sp.simulation_pins()))  # same JSON round trip as the file
    assert sorted(got) == sorted(pins["simulate"]), "the scenario list changed: rewrite the pins on purpose"
    changed = {name: _diff(pins["simulate"][name], got[name]) for name in got if got[name] != pins["simulate"][name]}
    assert not changed, "simulate() output changed:\n" + "\n".join(
        f"  {name}: {d[:3]}" for name, d in sorted(changed.items())[:10])


def test_scenario3_table_is_identical_to_its_pin(pins):
    assert json.loads(json.dumps(sp.scenario3_pins())) == pins["scenario3"]


def test_pins_cover_every_status_preemption_and_deadlock(pins):
    """The grid is worth pinning only if it reaches every branch the refactor touches."""
    sims = pins["simulate"].values()
    statuses = {s for r in sims for s in r["status_counts"]}
    assert statuses == {"done", "unschedulable", "deadlock", "unfinished"}
    assert sum(bool(r["preemptions"]) for r in sims) >= 5
    assert any(r["held"] for r in sims)
    assert {r["placement"] for r in sims} >= set(sp.PLACEMENTS)
    assert {r["queue"] for r in sims} >= {q for q, _ in sp.QUEUES}
