#!/usr/bin/env bash
# Regenerates the measured sections of a model card:
#   bash scripts/model-card.sh [model-name]      (default comity-2)
# The hand-written parts of models/<name>.md stay. Between the GENERATED QUALITY markers
# go the tables of a fresh `comity eval` on ../shared/data; between the GENERATED
# COMPARISON markers (when the card has them) the model against the baselines on the same
# test rows, from bench/compare_models.py over the baselines' predictions, which are
# trained first when build/cmp has none (TF-IDF about 4 minutes, fastText about 1).
set -euo pipefail
cd "$(dirname "$0")/.."
name=${1:-comity-2}
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
if grep -q "BEGIN GENERATED COMPARISON" "$card"; then
  mkdir -p build/cmp
  [[ -f build/cmp/tfidf-pred.jsonl ]] || /usr/bin/python3 bench/baselines/tfidf_logreg.py \
    --threads 1 --predictions build/cmp/tfidf-pred.jsonl --out build/cmp/tfidf.json
  [[ -f build/cmp/fasttext-pred.jsonl ]] || /usr/bin/python3 bench/baselines/fasttext_baseline.py \
    --predictions build/cmp/fasttext-pred.jsonl --out build/cmp/fasttext.json
  /usr/bin/python3 bench/compare_models.py --comity "$comity" --split test \
    --predictions build/cmp/tfidf-pred.jsonl --predictions build/cmp/fasttext-pred.jsonl \
    --model comity-en-1=models/comity-en-1.cmodel --model "$name=models/$name.cmodel" \
    --out "build/cmp/$name.test.json" --markdown "build/cmp/$name.test.md" > /dev/null
  python3 - "$card" "build/cmp/$name.test.md" <<'PY'
import sys
card, table = sys.argv[1], open(sys.argv[2]).read()
text = open(card).read()
begin, end = "<!-- BEGIN GENERATED COMPARISON -->", "<!-- END GENERATED COMPARISON -->"
head, rest = text.split(begin, 1)
_, tail = rest.split(end, 1)
# The comparison's own title would be a second top-level heading inside the card.
body = "\n".join("#" + l if l.startswith("## ") else l
                 for l in table.splitlines() if not l.startswith("# "))
open(card, "w").write(head + begin + "\n" + body.strip() + "\n" + end + tail)
PY
fi
echo "model-card: updated $card"
