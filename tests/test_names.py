"""Names say what they mean: "seed" is a random seed; the course text's numbers are "course_text"."""

from __future__ import annotations

import subprocess
import sys

from helpers import ROOT


def test_no_name_calls_the_course_text_a_seed():
    out = subprocess.run([sys.executable, str(ROOT / "scripts" / "rename_course_text.py"), "--check"],
                         cwd=ROOT, capture_output=True, text=True)
    assert out.returncode == 0, ("old names that call the course text 'seed' are back; rename them with "
                                 f"`python scripts/rename_course_text.py`:\n{out.stdout[-3000:]}")
