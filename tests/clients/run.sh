#!/usr/bin/env bash
# Runs unmodified Perspective clients (googleapis for Node, googleapiclient for
# Python, Coral Talk's request code, Discourse's Excon calls, Perspective's curl
# quickstart, a cross-origin fetch in chromium) against `comity serve`.
# Usage: tests/clients/run.sh /path/to/comity
set -euo pipefail

if [[ $# -ne 1 || ! -x "$1" ]]; then
  echo "usage: $0 /path/to/comity" >&2
  exit 2
fi
COMITY_BIN="$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"
export COMITY_BIN
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
cd "$here"

if [[ ! -f node_modules/.package-lock.json || package-lock.json -nt node_modules/.package-lock.json ]]; then
  npm ci --no-audit --no-fund
fi
export COMITY_CHROMIUM="${COMITY_CHROMIUM:-/usr/bin/chromium}"
for tool in "$COMITY_CHROMIUM" /usr/bin/ruby /usr/bin/python3 /usr/bin/curl; do
  if [[ ! -x "$tool" ]]; then
    echo "real clients need $tool (scripts/install-deps.sh installs it)" >&2
    exit 1
  fi
done

scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT

# One model for all three suites: the tiny fixture when it exists, else the bundled one.
if [[ -z "${COMITY_TEST_MODEL:-}" ]]; then
  if [[ -f "$repo/tests/fixtures/tiny/recipe.toml" ]]; then
    COMITY_TEST_MODEL="$scratch/tiny.cmodel"
    "$COMITY_BIN" train --recipe "$repo/tests/fixtures/tiny/recipe.toml" \
      --data-dir "$repo/tests/fixtures/tiny" --output "$COMITY_TEST_MODEL" >/dev/null 2>"$scratch/train.log" ||
      { cat "$scratch/train.log" >&2; exit 1; }
  else
    COMITY_TEST_MODEL="$repo/models/comity-en-1.cmodel"
  fi
fi
export COMITY_TEST_MODEL
# TMPDIR for the suites' own scratch directories, removed with ours.
export TMPDIR="$scratch"

failed=()
suite() {
  local name="$1"
  shift
  echo "=== $name"
  "$@" || failed+=("$name")
}
# Clients in other languages get their server from comity_server.py, which sets
# COMITY_BASE_URL, COMITY_API_KEY (with --auth) and COMITY_DATA_DIR for them.
with_server() { /usr/bin/python3 "$here/comity_server.py" "$@"; }

suite googleapis-node node --test node_client.test.mjs
suite coral-talk node --test coral_talk_test.mjs
suite cors-browser node --test cors_browser.test.mjs
# googleapiclient leaves its sockets to the garbage collector: hush those warnings.
suite googleapiclient /usr/bin/python3 -W ignore::ResourceWarning python_discovery_test.py
suite discourse-excon with_server --auth -- /usr/bin/ruby excon_test.rb
suite quickstart-curl with_server --auth -- bash quickstart_test.sh
suite quickstart-omit with_server --auth --serve-arg=--unknown-attributes --serve-arg=omit \
  -- bash quickstart_test.sh omit

if [[ ${#failed[@]} -ne 0 ]]; then
  echo "real clients: FAILED: ${failed[*]}" >&2
  exit 1
fi
echo "real clients: all suites passed"
