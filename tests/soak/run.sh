#!/usr/bin/env bash
# Bounded soak of `comity serve` on 127.0.0.1 (COMITY_SOAK_SECONDS, default 60).
# Usage: tests/soak/run.sh /path/to/comity
set -euo pipefail
if [[ $# -ne 1 || ! -x "$1" ]]; then
  echo "usage: $0 /path/to/comity" >&2
  exit 2
fi
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
exec /usr/bin/python3 "$here/soak.py" "$1"
