#!/usr/bin/env bash
# Regenerates the measured-quality section of a model card from `comity eval`:
#   bash scripts/model-card.sh [model-name]      (default comity-en-1)
# The hand-written parts of models/<name>.md stay; the text between the GENERATED
# markers is replaced by the Markdown tables of a fresh evaluation on ../shared/data.
set -euo pipefail
cd "$(dirname "$0")/.."
name=${1:-comity-en-1}
comity=${COMITY:-build/release/comity}
card=models/$name.md
"$comity" eval --model "models/$name.cmodel" --data-dir ../shared/data \
  --json "models/$name.eval.json" --markdown "build/$name.quality.md"
python3 - "$card" "build/$name.quality.md" <<'PY'
import sys
card, quality = sys.argv[1], open(sys.argv[2]).read()
text = open(card).read()
begin, end = "<!-- BEGIN GENERATED QUALITY -->", "<!-- END GENERATED QUALITY -->"
head, rest = text.split(begin, 1)
_, tail = rest.split(end, 1)
open(card, "w").write(head + begin + "\n" + quality.rstrip() + "\n" + end + tail)
PY
echo "model-card: updated $card"
