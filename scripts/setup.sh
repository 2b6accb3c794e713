#!/usr/bin/env bash
# Installs everything justculture needs into this checkout: a Python virtual environment (.venv),
# the NHS.UK frontend assets (node_modules) and the Debian packages for browser tests and PDFs.
# Safe to run again: each step is skipped when it is already done. Sourced by run.sh and test.sh.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

say() { printf 'justculture setup: %s\n' "$*"; }

# --- Debian packages (Chromium for the browser tests, Pango for PDF rendering) ---------------
need_pkgs=()
while read -r pkg; do
  [[ -z "$pkg" || "$pkg" == \#* ]] && continue
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || need_pkgs+=("$pkg")
done < scripts/debian-packages.txt
if ((${#need_pkgs[@]})); then
  say "installing Debian packages: ${need_pkgs[*]}"
  if [[ $(id -u) -eq 0 ]]; then SUDO=(); elif command -v sudo >/dev/null; then SUDO=(sudo); else
    say "need root (or sudo) to install: ${need_pkgs[*]}"; exit 1; fi
  "${SUDO[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${SUDO[@]}" apt-get install -y -qq --no-install-recommends "${need_pkgs[@]}" >/dev/null
fi

# --- Python -------------------------------------------------------------------------------------
PYTHON=${PYTHON:-python3}
if ! "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
  say "Python 3.11 or newer is needed (found: $("$PYTHON" --version 2>&1 || echo none))"; exit 1
fi
if [[ ! -x .venv/bin/python ]]; then
  say "creating the virtual environment in .venv"
  "$PYTHON" -m venv .venv
fi
stamp=.venv/.justculture-installed
want=$(sha256sum pyproject.toml | cut -d' ' -f1)
if [[ ! -f $stamp || $(cat "$stamp") != "$want" ]]; then
  say "installing Python packages"
  .venv/bin/python -m pip install --quiet --disable-pip-version-check --upgrade pip
  .venv/bin/python -m pip install --quiet --disable-pip-version-check -e ".[dev]"
  echo "$want" > "$stamp"
fi

# --- NHS.UK frontend ----------------------------------------------------------------------------
npm_stamp=node_modules/.justculture-installed
npm_want=$(sha256sum package-lock.json | cut -d' ' -f1)
if [[ ! -f $npm_stamp || $(cat "$npm_stamp") != "$npm_want" ]]; then
  say "installing the NHS.UK frontend (npm)"
  npm ci --no-audit --no-fund --loglevel=error >/dev/null
  echo "$npm_want" > "$npm_stamp"
fi
css=justculture/core/static/justculture/nhsuk.css
css_want=$(cat package-lock.json justculture/core/static_src/nhsuk.scss | sha256sum | cut -d' ' -f1)
if [[ ! -f $css || ! -f $css.stamp || $(cat "$css.stamp") != "$css_want" ]]; then
  say "building the NHS.UK stylesheet"
  npx --no-install sass --no-source-map --style=compressed --load-path=node_modules --quiet-deps \
    justculture/core/static_src/nhsuk.scss "$css"
  echo "$css_want" > "$css.stamp"
fi
