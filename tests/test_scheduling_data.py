"""The shipped traces are byte-for-byte copies (SHA-256 from the publishers' copies) and load robustly."""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd
import pytest

from course_kit.paths import data_path
from course_kit.scheduling import load_openb, load_philly, philly_workload

# SHA-256 listed in the course's shared data README (computed on the publishers' files).
SHA256 = {
    "traces/alibaba-openb/openb_node_list_all_node.csv": "5a85c2af79c66a1efff8bbcbda430400aae56d8431370d738480967e1a9c6b15",
    "traces/alibaba-openb/openb_node_list_gpu_node.csv": "2beca64b4d3dfa342036a34b56a495c6cef9225db836c81f541282cb1df320b5",
    "traces/alibaba-openb/openb_pod_list_cpu050.csv": "747f43247bffc2b0bb081d7f61f0705ca8d390dafc0b647e642c92f3baf3ba1e",
    "traces/alibaba-openb/openb_pod_list_default.csv": "1ee7ed79c27a3b0861cda8ddba86a004c6aba904caafa329a76ae93ca63834a8",
    "traces/alibaba-openb/openb_pod_list_gpushare40.csv": "d83ce79a4eb6987524bedbb0c65e41aed3a36bf6c1b78b86234c3687a07e1d40",
    "traces/alibaba-openb/openb_pod_list_gpuspec33.csv": "eca4f746db1e5b25864ad021b55ece3943e101a3ebd4574d09dcb95c46117652",
    "traces/philly/philly.csv": "ebffb3dd1589bdf4e7bcd74496201c5ded1d557d498ee14f560463f37ec353da",
}


@pytest.mark.parametrize("name", sorted(SHA256))
def test_trace_hash(name):
    digest = hashlib.sha256(data_path(name).read_bytes()).hexdigest()
    assert digest == SHA256[name]


def test_readme_lists_every_hash():
    text = data_path("traces/README.md").read_text()
    for name, h in SHA256.items():
        assert f"{h}  {name.removeprefix('traces/')}" in text


def test_openb_matches_published_counts():
    # data README: 1,213 GPU nodes, 6,212 GPUs; 8,152 tasks with num_gpu 0..8
    nodes, pods = load_openb()
    assert len(nodes) == 1213 and int(nodes.gpu.sum()) == 6212
    assert len(pods) == 8152 and set(pods.num_gpu.unique()) <= set(range(9))
    assert (pods.gpu_milli[pods.num_gpu == 0] == 0).all()
    assert pods.gpu_milli[pods.num_gpu > 0].between(1, 1000).all()
    all_nodes, share40 = load_openb("openb_node_list_all_node.csv", "openb_pod_list_gpushare40.csv")
    assert len(all_nodes) == 1523 and (all_nodes.gpu == 0).sum() == 310 and len(share40) == 8152


def test_philly_matches_published_counts():
    ph = load_philly()
    assert len(ph) == 82247
    assert ph.num_gpus.min() == 1 and ph.num_gpus.max() == 128
    assert str(ph.submit_time.min()).startswith("2017-09-04") and str(ph.submit_time.max()).startswith("2017-12-22")
    assert (np.diff(ph.submit_s) >= 0).all()


def test_missing_optional_columns_get_documented_defaults(tmp_path):
    # upstream multi-GPU variants keep only the first five pod columns
    pods = tmp_path / "pods.csv"
    pd.DataFrame({"name": ["a", "b", "c"], "cpu_milli": [1000, 2000, 3000], "memory_mib": [1, 2, 3],
                  "num_gpu": [0, 1, 8], "gpu_milli": [0, 300, 1000]}).to_csv(pods, index=False)
    nodes = tmp_path / "nodes.csv"
    pd.DataFrame({"sn": ["n1"], "cpu_milli": [96000]}).to_csv(nodes, index=False)
    n, p = load_openb(nodes, pods)
    assert list(p.gpu_spec) == ["", "", ""] and list(p.qos) == ["unknown"] * 3
    assert p.creation_time.isna().all()
    assert int(n.gpu.iloc[0]) == 0 and n.model.iloc[0] == "" and n.memory_mib.iloc[0] == 2**40
    # no gpu_milli column: whole GPUs (the authors' pod_csv_to_yaml rule)
    pd.DataFrame({"cpu_milli": [1000, 1000], "num_gpu": [0, 2]}).to_csv(pods, index=False)
    _, p = load_openb(nodes, pods)
    assert list(p.gpu_milli) == [0, 1000] and list(p.name) == ["pod-00000", "pod-00001"]
    # philly without cluster / gpu_time
    ph = tmp_path / "ph.csv"
    pd.DataFrame({"timestamp": ["2017-10-01 00:00:00", "2017-10-01 00:01:00"], "duration": [10, 20],
                  "num_gpus": [1, 16]}).to_csv(ph, index=False)
    df = load_philly(ph)
    assert list(df.cluster) == ["default"] * 2 and list(df.gpu_time_s) == [10.0, 320.0]
    wl = philly_workload(df)
    assert wl.gang_size.tolist() == [1, 2] and wl.num_gpu.tolist() == [1, 8]


def test_bad_trace_values_raise_valueerror_naming_the_column(tmp_path):
    pods = tmp_path / "pods.csv"
    pd.DataFrame({"cpu_milli": [-5], "num_gpu": [0]}).to_csv(pods, index=False)
    with pytest.raises(ValueError, match="cpu_milli"):
        load_openb(None, pods)
    pd.DataFrame({"num_gpu": [1]}).to_csv(pods, index=False)
    with pytest.raises(ValueError, match="cpu_milli"):
        load_openb(None, pods)
    with pytest.raises(ValueError, match="file not found"):
        load_openb(None, tmp_path / "nope.csv")
    ph = tmp_path / "ph.csv"
    pd.DataFrame({"duration": [0]}).to_csv(ph, index=False)
    with pytest.raises(ValueError, match="duration"):
        load_philly(ph)
