#!/usr/bin/env bash
# Analyze req/s and p99 with and without 10,000 idle keep-alive connections, and the
# server's memory while it holds them (bench/idle/idle_bench.py; see bench/README.md).
# Usage: bench/idle/run.sh [/path/to/comity] [--idle N] [--seconds S] [--out FILE.json]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
comity="${1:-$here/../../build/release/comity}"
[[ $# -gt 0 ]] && shift
if [[ ! -x "$comity" ]]; then
  echo "usage: $0 [/path/to/comity] [--idle N] [--seconds S] [--out FILE.json]" >&2
  exit 2
fi
command -v wrk >/dev/null || { echo "idle bench needs wrk (scripts/install-deps.sh)" >&2; exit 1; }
exec /usr/bin/python3 "$here/idle_bench.py" "$comity" "$@"
