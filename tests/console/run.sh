#!/usr/bin/env bash
# Builds the console (web/build.sh) and drives it in Debian's chromium against a
# real `comity serve`. Usage: tests/console/run.sh /path/to/comity
set -euo pipefail

if [[ $# -ne 1 || ! -x "$1" ]]; then
  echo "usage: $0 /path/to/comity" >&2
  exit 2
fi
COMITY_BIN="$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"
export COMITY_BIN
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"

chromium="${COMITY_CHROMIUM:-/usr/bin/chromium}"
if [[ ! -x "$chromium" ]]; then
  echo "console tests need chromium at $chromium (scripts/install-deps.sh installs it)" >&2
  exit 1
fi

bash "$repo/web/build.sh"
cd "$here"
if [[ ! -f node_modules/.package-lock.json || package-lock.json -nt node_modules/.package-lock.json ]]; then
  npm ci --no-audit --no-fund
fi

scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
export TMPDIR="$scratch"
node --test --test-concurrency=1 console.test.mjs
