#!/usr/bin/env bash
# Builds the workspace web UI into src/brickyard/web/dist (what `make ui` runs).
# Installs the locked dependencies first when node_modules is missing or older than
# package-lock.json; needs Node.js 20.19+ (or 22.12+) and npm.
set -euo pipefail
cd "$(dirname "$0")"

if ! command -v npm >/dev/null 2>&1; then
  echo "ui/build.sh: npm is not installed; install Node.js 20.19+ to build the web UI" >&2
  exit 1
fi
# npm writes node_modules/.package-lock.json on every install: older than the lock = stale.
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi
npm run build
