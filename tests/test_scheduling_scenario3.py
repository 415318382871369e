"""Scenario 3 workloads, the preemption replay, the course text's lottery and the paper table,
checked against the scenario's own arithmetic and hand calculations."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from course_kit import scheduling as sch


def test_workload_reconstructs_the_running_jobs_and_the_gang():
    running = sch.scenario3_running_jobs(seed=3)
    wl, now = sch.scenario3_workload(running, low_priority=10, now_offset_s=5.0)
    assert now == max(j.elapsed_s for j in running) + 5.0
    assert len(wl.names) == 21 and (wl.priority[:20] == 10).all()
    for arrival, r in zip(wl.arrival_s[:20], running):
        assert now - arrival == pytest.approx(r.elapsed_s)  # it has run `elapsed` at `now`
    assert wl.arrival_s[20] == now and wl.gang_size[20] * wl.num_gpu[20] == 64 and wl.priority[20] == 100
    kept = sch.scenario3_workload(running)[0]
    assert kept.priority[:20].tolist() == [r.priority for r in running]


def test_preemption_replay_against_the_scenario_arithmetic():
    table = sch.preemption_replay(sch.scenario3_running_jobs(seed=0), checkpoint_s=1800)
    none = table[table.preemption == "none"].iloc[0]
    assert none["victims"] == 0 and none["lost GPU-h"] == 0 and none["big job waits (h)"] > 0
    needed = math.ceil((64 - (100 - 80)) / 4)  # 20 GPUs free, 44 more needed, 4 per job
    pre = table[table.preemption != "none"]
    assert (pre["victims"] == needed).all() and (pre["big job waits (h)"] == 0).all()
    ck = pre[pre.checkpoint != "none"]
    assert (ck["lost GPU-h"] <= needed * 4 * 0.5 + 1e-9).all()  # at most 30 min of 4 GPUs per victim
    for rule in ("least_progress", "newest"):
        rows = pre[pre.preemption == rule].set_index("checkpoint")["lost GPU-h"]
        assert rows["every 30 min"] < rows["none"]


def test_course_text_lottery_matches_its_hand_computed_bias():
    # tickets int(100 · s · 0.5) = 21, 9, 12, 3, 5 (50 issued); draws 51..100 fall through to the last job
    shares = sch.course_text_lottery_win_shares([0.42, 0.18, 0.24, 0.06, 0.10], [0.5] * 5, 100, 20_000, seed=1)
    assert shares == pytest.approx([0.21, 0.09, 0.12, 0.03, 0.55], abs=0.015)
    correct = sch.lottery_win_shares({"a": 21, "b": 9, "c": 12, "d": 3, "e": 5}, 20_000, seed=1)
    assert correct["e"] == pytest.approx(5 / 50, abs=0.015)


def test_paper_comparison_table():
    flat = pd.DataFrame({"arrived_pct": range(131), "unallocated_gpu_pct": [5.0] * 131,
                         "frag_ratio_pct": [1.0] * 131})
    table = sch.paper_comparison({"fgd": flat, "random": flat})
    assert list(table.index) == ["fgd", "random"]
    assert table.loc["fgd", "paper @100%"] == sch.PAPER_UNALLOCATED_PCT["fgd"][0]
    assert table.loc["random", "Δ @100% (points)"] == pytest.approx(5.0 - sch.PAPER_UNALLOCATED_PCT["random"][0])


@pytest.mark.parametrize("call,match", [
    (lambda: sch.scenario3_workload([]), "running must be a non-empty list"),
    (lambda: sch.scenario3_workload(big_job_hours=0), "big_job_hours must be"),
    (lambda: sch.preemption_replay(checkpoint_s=-1), "checkpoint_s must be"),
    (lambda: sch.fragmentation_medians(None, None, []), "seeds must hold at least one seed"),
    (lambda: sch.course_text_lottery_win_shares([0.5], [0.5], 100, 0), "n_draws must be"),
])
def test_bad_input(call, match):
    with pytest.raises(ValueError, match=match):
        call()
