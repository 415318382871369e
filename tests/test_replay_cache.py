"""The stored FGD replay (data/derived/, shown by notebook 04 by default) is what the replay computes:
two of its 60 (policy, seed) runs are re-run and compared row by row, and its shape is the protocol's."""

from __future__ import annotations

import pandas as pd
import pytest

from course_kit import scheduling as sch
from course_kit.scheduling.replay import CACHE_SEEDS, PAPER_UNALLOCATED_PCT


@pytest.fixture(scope="module")
def cache():
    return sch.cached_fragmentation_runs()


def test_cache_holds_every_policy_and_seed_of_the_protocol(cache):
    assert set(cache["policy"]) == set(PAPER_UNALLOCATED_PCT)
    assert set(cache["seed"]) == set(CACHE_SEEDS) == set(range(42, 52))
    per_run = cache.groupby(["policy", "seed"])["arrived_pct"]
    assert per_run.min().eq(0).all() and per_run.max().eq(130).all()


@pytest.mark.parametrize("policy, seed", [("fgd", 42), ("bestfit", 47)])
def test_a_fresh_replay_reproduces_the_cached_run(cache, policy, seed):
    nodes, pods = sch.load_openb()
    fresh = sch.fragmentation_experiment(nodes, pods, policy, seed=seed).reset_index(drop=True)
    stored = (cache[(cache["policy"] == policy) & (cache["seed"] == seed)]
              .drop(columns=["policy", "seed"]).reset_index(drop=True))
    pd.testing.assert_frame_equal(fresh, stored, check_dtype=False, rtol=1e-12)


def test_cached_medians_are_near_the_published_ones(cache):
    """Weng et al., ATC'23, Fig. 9(a): medians of seeds 42..51 at 100 % arrived (docs/sources.md#fgd-protocol)."""
    medians = sch.medians_of_runs(cache)
    for policy, (at100, _) in PAPER_UNALLOCATED_PCT.items():
        ours = medians[policy].set_index("arrived_pct").loc[100, "unallocated_gpu_pct"]
        assert abs(ours - at100) < 0.5, policy


def test_medians_of_runs_refuses_seeds_it_does_not_hold(cache):
    with pytest.raises(ValueError, match="none of the seeds"):
        sch.medians_of_runs(cache, seeds=[1])
