"""deploy/jupyterhub: the Zero to JupyterHub values parse, use the chart's keys, and agree with the kit.

Nothing here touches a cluster (see deploy/README.md, "What was checked here"): these checks catch
typos in key names, a default URL pointing at a missing notebook, or a work folder mounted where
``course-kit start`` does not write.
"""

from __future__ import annotations

from pathlib import PurePosixPath

import yaml

from helpers import ROOT

DEPLOY = ROOT / "deploy"
#: Top-level keys of the z2jh chart's values.schema.yaml (chart 4.x).
Z2JH_TOP = {"enabled", "fullnameOverride", "nameOverride", "imagePullSecret", "imagePullSecrets", "hub", "proxy",
            "singleuser", "scheduling", "ingress", "prePuller", "custom", "cull", "debug", "rbac", "global"}


def _values() -> dict:
    return yaml.safe_load((DEPLOY / "jupyterhub" / "config.yaml").read_text(encoding="utf-8"))


def test_values_use_the_charts_top_level_keys():
    values = _values()
    assert set(values) <= Z2JH_TOP, f"unknown top-level keys for z2jh: {sorted(set(values) - Z2JH_TOP)}"


def test_singleuser_image_resources_and_culling():
    su, cull = _values()["singleuser"], _values()["cull"]
    assert su["image"]["name"] and su["image"]["tag"], "singleuser.image.name and .tag"
    assert su["cmd"] == "jupyterhub-singleuser"
    assert 0 < su["cpu"]["guarantee"] <= su["cpu"]["limit"]

    def gigabytes(x: str) -> float:
        assert x.endswith("G"), x
        return float(x[:-1])

    assert 1 <= gigabytes(su["memory"]["guarantee"]) <= gigabytes(su["memory"]["limit"])
    assert cull["enabled"] is True and cull["timeout"] > 0 and cull["every"] > 0 and cull["maxAge"] >= cull["timeout"]


def test_default_url_opens_a_real_notebook_under_the_notebook_dir():
    values = _values()
    notebook_dir = PurePosixPath(values["hub"]["config"]["KubeSpawner"]["notebook_dir"])
    url = values["singleuser"]["defaultUrl"]
    assert url.startswith("/lab/tree/")
    rel = url[len("/lab/tree/"):]
    assert (ROOT / rel).is_file(), f"defaultUrl points at {rel}, which is not in the repository"
    assert str(notebook_dir) == "/srv/repo", "the image is built with repo2docker --target-repo-dir /srv/repo"
    assert "--target-repo-dir /srv/repo" in (DEPLOY / "README.md").read_text(encoding="utf-8")


def test_work_folder_is_the_learners_subfolder_of_the_shared_volume():
    from course_kit import paths

    values = _values()
    su = values["singleuser"]
    notebook_dir = PurePosixPath(values["hub"]["config"]["KubeSpawner"]["notebook_dir"])
    volumes = {v["name"]: v for v in su["storage"]["extraVolumes"]}
    mounts = su["storage"]["extraVolumeMounts"]
    work = [m for m in mounts if PurePosixPath(m["mountPath"]) == notebook_dir / paths.work_dir().name]
    assert len(work) == 1, "work/ (course_kit.paths.work_dir) must be mounted from the shared volume"
    assert work[0]["subPath"] == "{username}" and work[0]["name"] in volumes
    claim = volumes[work[0]["name"]]["persistentVolumeClaim"]["claimName"]
    pvc = yaml.safe_load((DEPLOY / "jupyterhub" / "submissions-pvc.yaml").read_text(encoding="utf-8"))
    assert pvc["kind"] == "PersistentVolumeClaim" and pvc["metadata"]["name"] == claim
    assert pvc["spec"]["accessModes"] == ["ReadWriteMany"], "every learner pod mounts it at once"
    init = su["initContainers"]
    assert all(m["name"] in volumes for c in init for m in c["volumeMounts"])
    assert any("{username}" in " ".join(c["command"]) for c in init)


def test_instructor_hook_compiles_and_mounts_all_submissions_read_only():
    source = _values()["hub"]["extraConfig"]["10-instructor-submissions"]
    compile(source, "10-instructor-submissions", "exec")

    class User:
        admin = True

    class Spawner:
        user = User()
        volume_mounts = [{"name": "submissions", "mountPath": "/srv/repo/work", "subPath": "{username}"}]

    class Config(dict):
        def __getattr__(self, name):
            return self.setdefault(name, type("Section", (), {})())

    c = Config()
    exec(source, {"c": c})  # noqa: S102 - the config's own code, run like z2jh does
    hook = c.KubeSpawner.pre_spawn_hook
    spawner = Spawner()
    hook(spawner)
    added = spawner.volume_mounts[-1]
    assert added == {"name": "submissions", "mountPath": "/srv/submissions", "readOnly": True}
    learner = Spawner()
    learner.user = type("U", (), {"admin": False})()
    hook(learner)
    assert len(learner.volume_mounts) == 1, "learners do not see each other's work"
    as_dict = Spawner()
    as_dict.volume_mounts = {"work": Spawner.volume_mounts[0]}
    hook(as_dict)
    assert as_dict.volume_mounts["all-submissions"]["readOnly"] is True


def test_readme_is_honest_about_what_ran():
    text = (DEPLOY / "README.md").read_text(encoding="utf-8")
    for phrase in ("Nothing here has\nrun on a cluster", "on paper only", "JupyterLite: not provided"):
        assert phrase in text
