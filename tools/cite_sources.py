"""Rewrite citations of the old out-of-repo fact sheet (``facts.md``, ``../shared/...``) as anchors of
``docs/sources.md``. Idempotent: run it again after merging branches that still cite the old file.

    python tools/cite_sources.py          # rewrite in place, print what changed and what is left
    python tools/cite_sources.py --check  # exit 1 if anything still cites facts.md or ../shared

Plain-text files (``.py``, ``.csv``, ``.md``, ``.cfg``) get ``docs/sources.md#anchor``; markdown cells
of notebooks get a relative link ``[docs/sources.md#anchor](../docs/sources.md#anchor)``.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

SECTION = {
    "1": "mig", "1.1": "mig-concepts", "1.2": "mig-a100-40gb", "1.3": "mig-a100-80gb", "1.4": "mig-a30",
    "1.5": "mig-h100", "1.6": "mig-h100-nvl", "1.7": "mig-h200", "1.8": "mig-b200", "1.10": "mig-nvidia-smi",
    "2": "accelerators", "2 System power": "system-power", "3": "thermal", "4": "networks",
    "5": "scheduling", "6": "gpu-sharing", "7": "errata", "8": "open-items",
}

# Exact phrases whose rewrite needs more than a pattern (checked first; absent phrases are skipped).
LITERAL = {
    "``../shared/reference/facts.md`` §1, NVIDIA MIG User Guide \"MIG-UG\"":
        "``docs/sources.md#mig``, NVIDIA MIG User Guide \"MIG-UG\"",
    "``../shared/reference/facts.md`` §2–§3": "``docs/sources.md#system-power`` and ``#thermal``",
    "`../shared/reference/facts.md` (§1 MIG, §2–3 power and cooling, §6 sharing)":
        "[docs/sources.md](../docs/sources.md) ([MIG](../docs/sources.md#mig), "
        "[power](../docs/sources.md#system-power), [cooling](../docs/sources.md#thermal), "
        "[sharing](../docs/sources.md#gpu-sharing))",
    "a document\n  quoted in `../shared/reference/facts.md`)":
        "a document\n  cited by anchor in `docs/sources.md`)",
    "quoted in `../shared/reference/facts.md`)": "cited by anchor in `docs/sources.md`)",
    "`../shared/reference/course-map.md` (outside the repo) maps every seed section to its\nnotebook, module, widget and exercise.":
        "The README's course table maps every course-text section to its notebook, module, widget\nand exercise.",
    "`facts.md §N`": "`docs/sources.md#<anchor>`",
    "flags the text's version in an **Erratum** box with its source.":
        "flags the text's version in an **Erratum** box with its source (all of them in "
        "[docs/sources.md#errata](../docs/sources.md#errata)).",
    "Fact-check reference for this course: `facts.md` §2 and errata 1–13 (in the course's shared folder).":
        "Sources and errata of this kit: `docs/sources.md#accelerators` and errata 1–13 "
        "(`docs/sources.md#errata`).",
    # erratum boxes whose source is the course text's own code or arithmetic: cite their rows
    "**Erratum — `calculate_pipeline_latency` drops repeated stages.**":
        "**Erratum — `calculate_pipeline_latency` drops repeated stages** "
        "([docs/sources.md#erratum-59](../docs/sources.md#erratum-59)).",
    "**Erratum — an exporter that faces the network and cannot stop.**":
        "**Erratum — an exporter that faces the network and cannot stop** "
        "([docs/sources.md#erratum-60](../docs/sources.md#erratum-60)).",
    "**Erratum — 11 jobs, not 16.**":
        "**Erratum — 11 jobs, not 16** ([docs/sources.md#erratum-61](../docs/sources.md#erratum-61)).",
    "**Erratum — errors compound over gates, not layers.**":
        "**Erratum — errors compound over gates, not layers** "
        "([docs/sources.md#erratum-62](../docs/sources.md#erratum-62)).",
    "**Erratum: `limits.nvidia.com/gpu` in a ResourceQuota.**":
        "**Erratum: `limits.nvidia.com/gpu` in a ResourceQuota** "
        "([docs/sources.md#erratum-46](../docs/sources.md#erratum-46)).",
    '**Erratum: a namespace label `priority-class: "research"` assigns no priority.**':
        '**Erratum: a namespace label `priority-class: "research"` assigns no priority** '
        "([docs/sources.md#erratum-63](../docs/sources.md#erratum-63)).",
    '**Erratum: the "fair-share ConfigMap".**':
        '**Erratum: the "fair-share ConfigMap"** ([docs/sources.md#erratum-48](../docs/sources.md#erratum-48)).',
}

# files of the old shared folder that a clone does not have
OUTSIDE = r"facts(?:-modern)?\.md|\.\./shared/|fgd-protocol\.md|course-map\.md|style-anchors\.md"
_OLD = r"`{0,2}(?:\.\./shared/reference/)?facts\.md`{0,2}"
# "facts.md §5, erratum 48" / "facts.md erratum 29" / "facts.md errata 36-37" -> the erratum's anchor
ERRATUM = re.compile(_OLD + r"(?: §[\d.]+(?: System power)?)?(?:,| and|;)? errat(?:a|um) (\d+)(?:[-–](\d+))?")
SECTION_RE = re.compile(_OLD + r" §(\d+(?:\.\d+)?)( System power)?")
BARE = re.compile(_OLD)
FGD = re.compile(r"`{0,2}fgd-protocol\.md`{0,2}")


def rewrite_text(text: str) -> str:
    for old, new in LITERAL.items():
        text = text.replace(old, new)
    text = ERRATUM.sub(lambda m: f"docs/sources.md#erratum-{m.group(1)}"
                       + (f" (errata {m.group(1)}–{m.group(2)})" if m.group(2) else ""), text)

    def section(m: re.Match) -> str:
        key = m.group(1) + (m.group(2) or "")
        anchor = SECTION.get(key) or SECTION.get(m.group(1))
        return f"docs/sources.md#{anchor}" if anchor else "docs/sources.md"

    text = SECTION_RE.sub(section, text)
    text = FGD.sub("docs/sources.md#fgd-protocol", text)
    return BARE.sub("docs/sources.md", text)


_LINK = re.compile(r"(?<![\[/`#\w])docs/sources\.md(#[\w-]+)?(?![\w\]])")


def linkify(markdown: str) -> str:
    """Bare ``docs/sources.md#x`` in a notebook's markdown -> a link that works from notebooks/."""
    return _LINK.sub(lambda m: f"[docs/sources.md{m.group(1) or ''}](../docs/sources.md{m.group(1) or ''})",
                     markdown)


def rewrite_notebook(path: Path) -> bool:
    raw = path.read_text(encoding="utf-8")
    nb = json.loads(raw)
    changed = False
    for cell in nb["cells"]:
        src = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
        new = rewrite_text(src)
        if cell["cell_type"] == "markdown":
            new = linkify(new)
        if new != src:
            cell["source"] = new.splitlines(keepends=True)
            changed = True
    if changed:
        path.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return changed


def files():
    skip = {".git", ".venv", "node_modules", "__pycache__", ".ipynb_checkpoints", "tools"}
    for p in sorted(ROOT.rglob("*")):
        if p.is_file() and not (skip & set(p.relative_to(ROOT).parts)) and p.suffix in {
                ".py", ".csv", ".md", ".ipynb", ".cfg", ".toml", ".yml", ".yaml", ".txt"}:
            yield p


def leftovers(path: Path) -> list[str]:
    text = path.read_text(encoding="utf-8")
    return [m.group(0) for m in re.finditer(OUTSIDE, text)]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true", help="only report; exit 1 if old citations remain")
    args = ap.parse_args(argv)
    left = 0
    for p in files():
        if p.name == "sources.md" and p.parent.name == "docs":
            continue
        if not args.check:
            if p.suffix == ".ipynb":
                changed = rewrite_notebook(p)
            else:
                with open(p, encoding="utf-8", newline="") as fh:   # keep CRLF files CRLF
                    before = fh.read()
                after = rewrite_text(before)
                changed = after != before
                if changed:
                    with open(p, "w", encoding="utf-8", newline="") as fh:
                        fh.write(after)
            if changed:
                print("rewrote", p.relative_to(ROOT))
        rest = leftovers(p)
        if rest:
            left += len(rest)
            print(f"LEFT {p.relative_to(ROOT)}: {len(rest)} ({', '.join(sorted(set(rest)))})")
    return 1 if left else 0


if __name__ == "__main__":
    sys.exit(main())
