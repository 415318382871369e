"""One mechanical rename: names that say "seed" but mean the course text say "course text".

"seed" means a random seed everywhere else in the kit (``seed=0``, ``default_rng(seed)``); these
names meant the course day's text (its numbers, formulas, manifests). Run from the repository root:

    python scripts/rename_course_text.py          # rewrite every tracked text file, print the counts
    python scripts/rename_course_text.py --check  # exit 1 if an old name is still used anywhere

Idempotent: run it again after merging branches written with the old names. Whole words only, so
``seed=``, ``rng_seed`` or ``seed_everything`` are never touched.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OLD_TO_NEW = {old: ("COURSE_TEXT_" + old[5:]) if old.isupper() else ("course_text_" + old[5:]) for old in (
    # constants
    "SEED_DVFS_POINTS", "SEED_HANDOFF_STAGES", "SEED_INGESTION_SLO_MS", "SEED_KPI_TARGETS",
    "SEED_MANIFEST_YAML", "SEED_Q6_WEIGHTS", "SEED_QOS_CLASSES", "SEED_QUANTUM_BACKENDS",
    "SEED_QUEUE_PRIORITY", "SEED_QUEUE_TREE", "SEED_SWITCH_MS", "SEED_THRESHOLDS", "SEED_WEIGHTS",
    "SEED_A100_PROFILES", "SEED_PRIORITY",
    # functions
    "seed_airflow_cfm", "seed_dna_cost_contradiction", "seed_fair_share_weights", "seed_fragmentation",
    "seed_lottery_draw", "seed_lottery_win_shares", "seed_physical_qubits", "seed_q6_score",
    "seed_rack_items", "seed_rack_power_w",
    # a keyword argument and a table column
    "seed_observed", "seed_says",
    # notebook variables holding the course text's objects
    "seed_rack", "seed_fabric", "seed_teams", "seed_objs", "seed_by_hand",
)}
SUFFIXES = {".py", ".pyi", ".ipynb", ".md", ".json", ".cfg", ".txt", ".yml", ".yaml", ".toml", ".j2", ".csv"}
PATTERN = re.compile(r"\b(" + "|".join(map(re.escape, sorted(OLD_TO_NEW, key=len, reverse=True))) + r")\b")


def tracked_files() -> list[Path]:
    out = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    me = Path(__file__).resolve()
    return [ROOT / p for p in out.split("\0") if p and Path(p).suffix in SUFFIXES and (ROOT / p).resolve() != me]


def main(argv: list[str]) -> int:
    check = argv == ["--check"]
    total, files = 0, 0
    for path in tracked_files():
        if not path.is_file():
            continue
        text = path.read_text(encoding="utf-8")
        new, n = PATTERN.subn(lambda m: OLD_TO_NEW[m.group(1)], text)
        if n:
            total, files = total + n, files + 1
            if check:
                print(f"{path.relative_to(ROOT)}: {n} old name(s)")
            else:
                path.write_text(new, encoding="utf-8")
    print(f"{'found' if check else 'renamed'} {total} occurrence(s) in {files} file(s)")
    return 1 if check and total else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
