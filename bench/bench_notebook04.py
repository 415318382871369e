"""Notebook 04 (scheduling) full run, QUICK = False, as a learner runs it: wall time of a papermill run
and the slowest cells (target: <= 30 s on 2 idle cores; the default shows the stored FGD replay and a
10,000-job Philly slice, FULL_REPLAY = True re-runs everything). Prints the machine's load average:
on a loaded machine the figure is not comparable."""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

if __name__ == "__main__":
    import nbformat
    import papermill as pm

    root = Path(__file__).resolve().parent.parent
    full = "--full" in sys.argv
    print(f"load average before: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "04.ipynb"
        start = time.perf_counter()
        pm.execute_notebook(str(root / "notebooks" / "04_scheduling.ipynb"), str(out), cwd=str(root / "notebooks"),
                            parameters={"QUICK": False, "FULL_REPLAY": full}, progress_bar=False)
        wall = time.perf_counter() - start
        nb = nbformat.read(out, as_version=4)
    cells = sorted(((c.metadata.get("papermill", {}).get("duration") or 0.0, c.source.splitlines()[0][:60])
                    for c in nb.cells if c.cell_type == "code"), reverse=True)
    print(f"notebook 04, FULL_REPLAY={full}: {wall:.1f} s wall (kernel start included), "
          f"{sum(d for d, _ in cells):.1f} s in cells")
    for d, first in cells[:5]:
        print(f"  {d:6.1f} s  {first}")
    print(f"load average after: {os.getloadavg()[0]:.1f}")
