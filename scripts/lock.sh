#!/usr/bin/env bash
# Regenerate constraints.txt, the exact versions every route installs (python3 course.py, CI,
# Binder through binder/requirements.txt), from pyproject.toml's dependencies and its `test`, `dev`
# and `binder` extras. uv keeps every pin already in constraints.txt that still satisfies pyproject.toml;
# `scripts/lock.sh --upgrade` re-resolves everything to the newest allowed versions.
# Then run the tests: tests/test_environment.py checks the pins against pyproject and environment.yml.
set -euo pipefail
cd "$(dirname "$0")/.."
UV="${UV:-.venv/bin/uv}"
command -v "$UV" >/dev/null || UV=uv
exec "$UV" pip compile pyproject.toml --extra test --extra dev --extra binder \
    --python-version 3.11.7 --python-platform x86_64-unknown-linux-gnu \
    --no-annotate --custom-compile-command "scripts/lock.sh" \
    --output-file constraints.txt "$@"
