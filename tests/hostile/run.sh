#!/usr/bin/env bash
# Hostile traffic against a real `comity serve` on 127.0.0.1 (tests/hostile/hostile.py).
# Usage: tests/hostile/run.sh /path/to/comity [CHECK...]
set -euo pipefail
if [[ $# -lt 1 || ! -x "$1" ]]; then
  echo "usage: $0 /path/to/comity [CHECK...]" >&2
  exit 2
fi
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
exec /usr/bin/python3 "$here/hostile.py" "$@"
