"""The kit's progress bars stay on the page when they finish: tqdm's ``leave=False`` closes a
notebook bar's widget, and a page rendering the output later (a Voila dashboard) then showed
"Error displaying widget: model not found" where the bar was (dashboard 04, issue 15)."""

from __future__ import annotations

import pytest
import tqdm.auto

from course_kit import scheduling as sch
from course_kit.scheduling.cluster import Cluster


class Recorder:
    """Stands in for tqdm.auto.tqdm: keeps the keyword arguments of every bar made."""

    made: list[dict] = []

    def __init__(self, iterable=None, **kw):
        self.iterable, self.n = iterable, 0
        Recorder.made.append(kw)

    def __iter__(self):
        return iter(self.iterable)

    def update(self, n=1):
        self.n += n

    def close(self):
        pass


@pytest.fixture
def bars(monkeypatch):
    Recorder.made = []
    monkeypatch.setattr(tqdm.auto, "tqdm", Recorder)
    return Recorder.made


def test_the_simulator_bar_is_left_on_the_page(bars):
    wl = sch.synthetic_workload(n_jobs=5, seed=0)
    sch.simulate(Cluster.homogeneous(2, gpus_per_node=8), wl, progress=True)
    assert bars and all(kw.get("leave") is True for kw in bars), bars


def test_the_replay_bar_is_left_on_the_page(bars):
    nodes, pods = sch.load_openb()
    sch.replay_arrivals(nodes, pods.iloc[:200], "fgd", max_arrived_pct=5, progress=True)
    assert bars and all(kw.get("leave") is True for kw in bars), bars
