#!/usr/bin/env bash
# Sets everything up and runs the whole test suite: lint, types, and pytest (unit, integration,
# command line and real headless-Chromium browser tests). Extra arguments go to pytest.
# DATABASE_URL selects the database (SQLite by default; CI also runs it on PostgreSQL).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/setup.sh
# The local settings (DEBUG is off unless set; mypy's Django plugin loads the settings too).
export DEBUG=${DEBUG:-true}
echo "justculture: ruff"
.venv/bin/ruff check .
echo "justculture: import-linter (the layers in pyproject.toml)"
.venv/bin/lint-imports --no-cache --no-logo
echo "justculture: mypy"
.venv/bin/mypy justculture
# Tests run in one process per core (pytest-xdist; each process gets its own test database).
# JUSTCULTURE_TEST_PROCESSES=0 runs them in this process instead.
echo "justculture: pytest on ${DATABASE_URL:-SQLite}"
exec .venv/bin/pytest -n "${JUSTCULTURE_TEST_PROCESSES:-auto}" "$@"
