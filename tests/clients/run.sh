#!/usr/bin/env bash
# Runs unmodified Perspective clients (googleapis for Node, googleapiclient for
# Python, Coral Talk's request code) against `comity serve`.
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

if [[ ! -d node_modules/googleapis ]]; then
  npm ci --no-audit --no-fund
fi

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

failed=0
node --test node_client.test.mjs || failed=1
node --test coral_talk_test.mjs || failed=1
# googleapiclient leaves its sockets to the garbage collector: hush those warnings.
/usr/bin/python3 -W ignore::ResourceWarning python_discovery_test.py || failed=1

if [[ $failed -ne 0 ]]; then
  echo "real clients: FAILED" >&2
  exit 1
fi
echo "real clients: all suites passed"
