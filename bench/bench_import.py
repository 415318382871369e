"""How long does `import course_kit` take? (target ≤ 0.3 s). Prints min / median over 15 fresh
interpreters, and the same for the bare interpreter so the difference is the kit's own cost."""

import statistics
import subprocess
import sys
import time


def timed(code: str, runs: int = 15) -> list[float]:
    out = []
    for _ in range(runs):
        t = time.perf_counter()
        subprocess.run([sys.executable, "-c", code], check=True)
        out.append(time.perf_counter() - t)
    return out


if __name__ == "__main__":
    bare = timed("pass")
    kit = timed("import course_kit")
    setup = timed("import course_kit; course_kit.setup_notebook(quiet=True)", runs=5)
    print(f"python -c pass                 : min {min(bare)*1e3:6.1f} ms  median {statistics.median(bare)*1e3:6.1f} ms")
    print(f"python -c 'import course_kit'  : min {min(kit)*1e3:6.1f} ms  median {statistics.median(kit)*1e3:6.1f} ms")
    print(f"  => import course_kit itself  : {(statistics.median(kit) - statistics.median(bare))*1e3:6.1f} ms (target <= 300 ms)")
    print(f"import + setup_notebook()      : median {statistics.median(setup)*1e3:6.1f} ms (pulls in numpy, pandas, plotly)")
