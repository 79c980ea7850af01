#!/usr/bin/env bash
# Creates (or reuses) the Python virtual environment for clients/python: .tools/python-venv,
# with the pinned requirements and the package itself (editable). Idempotent: a stamp of the
# requirements and pyproject hashes makes a rerun a no-op (a fresh clone builds it again:
# about 11 minutes and 5.3 GB here, most of it torch's CUDA libraries).
# Prints the venv's python path on stdout (the last line).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
venv="${CURRICULUM_PYTHON_VENV:-$root/.tools/python-venv}"
python="${PYTHON:-python3}"
stamp_want="$(cat "$here/requirements.txt" "$here/pyproject.toml" | sha256sum | cut -d' ' -f1)"
if [[ -x "$venv/bin/python" && "$(cat "$venv/.curriculum-stamp" 2>/dev/null || true)" == "$stamp_want" ]]; then
  echo "$venv/bin/python"
  exit 0
fi
started=$SECONDS
"$python" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 10) else "clients/python needs Python 3.10+")'
[[ -x "$venv/bin/python" ]] || "$python" -m venv "$venv"
"$venv/bin/python" -m pip install --quiet -r "$here/requirements.txt" >&2
"$venv/bin/python" -m pip install --quiet --no-deps -e "$here" >&2
echo "$stamp_want" >"$venv/.curriculum-stamp"
echo "[python-venv] installed in $((SECONDS - started)) s, $(du -sh "$venv" | cut -f1) at $venv" >&2
echo "$venv/bin/python"
