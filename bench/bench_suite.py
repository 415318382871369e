"""Wall-clock time of the whole test suite as the README runs it (all cores), and per marker."""

import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

if __name__ == "__main__":
    for label, args in (("whole suite", []), ("without notebooks", ["-m", "not notebook"])):
        t = time.perf_counter()
        proc = subprocess.run([sys.executable, "-m", "pytest", "-n", "auto", "-q", *args], cwd=ROOT,
                              capture_output=True, text=True)
        tail = proc.stdout.strip().splitlines()[-1] if proc.stdout.strip() else proc.stderr[-300:]
        print(f"{label:<20} {time.perf_counter() - t:7.1f} s   ({tail})")
