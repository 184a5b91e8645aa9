#!/usr/bin/env bash
# Installs Azurite from npm into tools/azurite/node_modules unless it is already there.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
if [ ! -x "$here/node_modules/.bin/azurite" ]; then
  (cd "$here" && npm ci --no-audit --no-fund --loglevel=error)
fi
