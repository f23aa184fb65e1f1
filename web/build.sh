#!/usr/bin/env bash
# Builds the moderator console into web/dist (served by `comity serve` at /console).
# Idempotent: reinstalls only when package-lock.json changed, rebuilds only when a
# source is newer than the last build.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$here"

if [[ ! -f node_modules/.package-lock.json || package-lock.json -nt node_modules/.package-lock.json ]]; then
  npm ci --no-audit --no-fund
fi
stamp=dist/.built
if [[ -f "$stamp" && -z "$(find index.html vite.config.ts tsconfig.json package-lock.json src -newer "$stamp" -print -quit)" ]]; then
  echo "console: web/dist is up to date"
  exit 0
fi
npx --no-install tsc --noEmit
npx --no-install vite build --logLevel warn
touch "$stamp"
echo "console: built web/dist"
