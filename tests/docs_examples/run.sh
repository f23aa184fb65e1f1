#!/usr/bin/env bash
# Checks the help texts against the docs (check_help.py), then runs the curl examples of
# docs/api.md against a live `comity serve` on 127.0.0.1.
# Usage: tests/docs_examples/run.sh /path/to/comity
set -euo pipefail
if [[ $# -ne 1 || ! -x "$1" ]]; then
  echo "usage: $0 /path/to/comity" >&2
  exit 2
fi
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
/usr/bin/python3 "$here/check_help.py" "$1"
exec /usr/bin/python3 "$here/run_api_examples.py" "$1"
