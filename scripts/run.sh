#!/usr/bin/env bash
# Sets everything up and serves justculture on http://127.0.0.1:8000 with demo data, with a
# background worker beside the web server (documentation packs are made by the worker).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/setup.sh
export DEBUG=${DEBUG:-true}
.venv/bin/justculture migrate --no-input
.venv/bin/justculture demo
.venv/bin/justculture db_worker --no-reload --interval 2 &
worker=$!
trap 'kill "$worker" 2>/dev/null || true' EXIT INT TERM
echo "justculture: serving on http://127.0.0.1:${PORT:-8000} (Ctrl+C stops it)"
.venv/bin/justculture runserver "127.0.0.1:${PORT:-8000}"
