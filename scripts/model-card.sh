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

# replace_block MARK FILE: the card's text between <!-- BEGIN GENERATED MARK --> and
# <!-- END GENERATED MARK --> becomes FILE, its top-level title dropped and its
# second-level headings moved one level down so they nest under the card's own.
replace_block() {
  python3 - "$card" "$1" "$2" <<'PY'
import sys
card, mark, path = sys.argv[1:]
text = open(card).read()
begin, end = f"<!-- BEGIN GENERATED {mark} -->", f"<!-- END GENERATED {mark} -->"
head, rest = text.split(begin, 1)
_, tail = rest.split(end, 1)
lines = []
for line in open(path).read().splitlines():
    if line.startswith("# "):
        continue
    lines.append("#" + line if line.startswith("## ") else line)
open(card, "w").write(head + begin + "\n" + "\n".join(lines).strip() + "\n" + end + tail)
PY
}

"$comity" eval --model "models/$name.cmodel" --data-dir ../shared/data \
  --json "models/$name.eval.json" --markdown "build/$name.quality.md"
replace_block QUALITY "build/$name.quality.md"

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
  replace_block COMPARISON "build/cmp/$name.test.md"
fi
echo "model-card: updated $card"
