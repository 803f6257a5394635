#!/usr/bin/env bash
# Run checkov on infra/terraform from its own virtual environment.
#
# checkov pins libraries (boto3, pydantic, jsonschema, ...) that clash with the
# project's own, so it never goes into the project's environment. The first run
# creates infra/.venv-checkov (override with CHECKOV_VENV) and
# installs the pinned version; later runs reuse it. Extra arguments go to checkov.
set -euo pipefail

CHECKOV_VERSION="3.3.30"

infra_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
venv="${CHECKOV_VENV:-$infra_dir/.venv-checkov}"
python="${CHECKOV_PYTHON:-python3}"

installed_version() {
    "$venv/bin/python" -c 'import importlib.metadata as m; print(m.version("checkov"))' 2>/dev/null || true
}

if [ "$(installed_version)" != "$CHECKOV_VERSION" ]; then
    if [ ! -x "$venv/bin/python" ]; then
        "$python" -m venv "$venv"
    fi
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check \
        "checkov==$CHECKOV_VERSION"
fi
if [ "${1:-}" = "install" ]; then
    exit 0  # `checkov.sh install`: the venv only (make test does it before the suite)
fi

# Offline by design: no platform key, no policy-metadata download, no version check.
export BC_SKIP_MAPPING=TRUE
export CHECKOV_DISABLE_VERSION_CHECK=TRUE
export LOG_LEVEL="${LOG_LEVEL:-WARNING}"
export PYTHONWARNINGS="${PYTHONWARNINGS:-ignore::SyntaxWarning}"

cd "$infra_dir/terraform"
exec "$venv/bin/python" -m checkov.main --config-file .checkov.yaml --directory . "$@"
