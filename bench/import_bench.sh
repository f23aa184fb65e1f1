#!/usr/bin/env bash
# What storing costs on top of scoring: `comity import` of one thread built from the
# benchmark corpus, against `comity score -j1` of the same texts in the same run.
#
#   bench/import_bench.sh [BUILD_DIR] [CORPUS]
#
# BUILD_DIR defaults to build/release; CORPUS to build/bench/corpus.jsonl (made by
# `/usr/bin/python3 bench/make_corpus.py --out build/bench/corpus.jsonl`). The thread
# gets an article line, a reply tree (every third comment answers the one before),
# 500 authors and one comment a minute. Prints wall time, comments per second and peak
# RSS of both, and the ratio. Files go to a temporary directory that is removed.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=$(realpath "${1:-$ROOT/build/release}")
CORPUS=$(realpath "${2:-$ROOT/build/bench/corpus.jsonl}")
[[ -x $BUILD/comity ]] || { echo "import_bench: no $BUILD/comity" >&2; exit 2; }
[[ -f $CORPUS ]] || { echo "import_bench: no corpus at $CORPUS (bench/make_corpus.py)" >&2; exit 2; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 - "$CORPUS" "$work/thread.jsonl" <<'EOF'
import json, sys
src, dst = sys.argv[1], sys.argv[2]
with open(src, encoding="utf-8") as f, open(dst, "w", encoding="utf-8") as out:
    out.write(json.dumps({"article": {"url": "https://example.org/bench", "title": "Bench"}}) + "\n")
    for i, line in enumerate(f):
        row = json.loads(line)
        comment = {"id": f"c{i}", "parent": f"c{i-1}" if i % 3 == 2 else None,
                   "author": f"user{i % 500}",
                   "time": "2026-01-01T%02d:%02d:00Z" % ((i // 60) % 24, i % 60),
                   "text": row["text"]}
        out.write(json.dumps(comment, ensure_ascii=False) + "\n")
EOF
comments=$(($(wc -l < "$work/thread.jsonl") - 1))

measure() {  # label, command...
  local label=$1; shift
  /usr/bin/time -v "$@" > /dev/null 2> "$work/$label.time"
  local wall rss
  wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {n=split($2,p,":"); s=0; for(i=1;i<=n;i++) s=s*60+p[i]; print s}' "$work/$label.time")
  rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$work/$label.time")
  printf '%-28s %8.2f s %10.0f comments/s %8d MB peak RSS\n' "$label" "$wall" \
    "$(echo "$comments / $wall" | bc -l)" $((rss / 1024))
  echo "$wall" > "$work/$label.wall"
}

echo "$comments comments, $(nproc) cores"
measure "score -j1 (baseline)" "$BUILD/comity" score -j1 --format jsonl "$CORPUS"
measure "import (one transaction)" "$BUILD/comity" import --community bench --data-dir "$work/data" \
  --thread bench "$work/thread.jsonl"
printf 'import / score wall time: %.2fx\n' \
  "$(echo "$(cat "$work/import (one transaction).wall") / $(cat "$work/score -j1 (baseline).wall")" | bc -l)"
printf 'store size: %s\n' "$(du -sh "$work/data" | cut -f1)"
