#!/usr/bin/env bash
# Sets everything up and serves justculture on http://127.0.0.1:8000 with demo data.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/setup.sh
export DEBUG=${DEBUG:-true}
.venv/bin/justculture migrate --no-input
.venv/bin/justculture demo
echo "justculture: serving on http://127.0.0.1:${PORT:-8000} (Ctrl+C stops it)"
exec .venv/bin/justculture runserver "127.0.0.1:${PORT:-8000}"
