#!/usr/bin/env bash
# Datadog's APM test agent (ddapm-test-agent), from its own virtual environment.
#
# The test agent pins libraries that clash with the project's own, so it never
# goes into the project's environment. The first run creates .venv-ddagent at
# the repository root (override with DDAGENT_VENV) and installs the pinned
# version; later runs reuse it.
#
#   infra/ddagent.sh install            create/refresh the venv, print the agent's path
#   infra/ddagent.sh start [PORT] [...] run the agent in the foreground on PORT
#                                       (default 8126); extra arguments go to it
#
# The tracing integration tests (tests/integration/tracing) call ``install``
# and start the agent themselves on a free port.
set -euo pipefail

DDAGENT_VERSION="1.69.1"

infra_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo_dir="$(dirname "$infra_dir")"
venv="${DDAGENT_VENV:-$repo_dir/.venv-ddagent}"
python="${DDAGENT_PYTHON:-python3}"

installed_version() {
    "$venv/bin/python" -c 'import importlib.metadata as m; print(m.version("ddapm-test-agent"))' \
        2>/dev/null || true
}

ensure_installed() {
    if [ "$(installed_version)" != "$DDAGENT_VERSION" ] || [ ! -x "$venv/bin/ddapm-test-agent" ]; then
        if [ ! -x "$venv/bin/python" ]; then
            "$python" -m venv "$venv"
        fi
        "$venv/bin/python" -m pip install --quiet --disable-pip-version-check \
            "ddapm-test-agent==$DDAGENT_VERSION" >&2
    fi
}

command="${1:-start}"
[ $# -gt 0 ] && shift
case "$command" in
    install)
        ensure_installed
        echo "$venv/bin/ddapm-test-agent"
        ;;
    start)
        ensure_installed
        port="${1:-8126}"
        [ $# -gt 0 ] && shift
        exec "$venv/bin/ddapm-test-agent" --port "$port" "$@"
        ;;
    *)
        echo "usage: $0 install | start [PORT] [agent arguments...]" >&2
        exit 2
        ;;
esac
