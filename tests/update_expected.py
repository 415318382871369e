"""Record the expected outputs of the ``# NBVAL_CHECK_OUTPUT`` cells (see tests/nb_expected.py).

    python tests/update_expected.py                       # every notebook in notebooks/ and solutions/
    python tests/update_expected.py notebooks/05_*.ipynb  # some of them

Each notebook is run with papermill in QUICK mode, as the suite runs it, and its marked cells are
written to tests/expected_outputs/<folder>/<notebook>.json. Review `git diff tests/expected_outputs/`
before committing: every changed line is a changed result the notebooks show.
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import nb_expected as ne  # noqa: E402


def main(argv: list[str]) -> int:
    import nbformat

    if any(a.startswith("-") for a in argv):
        print(__doc__)
        return 2
    paths = [Path(a).resolve() for a in argv] or sorted(
        [*(ne.ROOT / "notebooks").glob("*.ipynb"), *(ne.ROOT / "solutions").glob("*.ipynb")])
    missing = [p for p in paths if not p.is_file()]
    if missing:
        print(f"no such notebook: {', '.join(map(str, missing))}", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as tmp:
        for path in paths:
            out = Path(tmp) / path.name
            code, report = ne.run_quick(path, out)
            if code != 0:
                print(f"{path.name}: nbval failed, nothing recorded:\n{report}", file=sys.stderr)
                return 1
            executed = nbformat.read(out, as_version=4)
            before = ne.expected_path(path).read_text() if ne.expected_path(path).exists() else None
            written = ne.record(path, executed)
            n = len(json.loads(written.read_text()))
            state = "unchanged" if before == written.read_text() else "UPDATED"
            print(f"{written.relative_to(ne.ROOT)}: {n} checked cells, {state}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
