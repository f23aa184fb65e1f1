#!/usr/bin/env bash
# The main job on a fresh Debian 12 machine: installs dependencies, builds Comity, scores
# a few sample comments with the bundled model, then serves the Perspective-compatible
# API with the embedded store (Ctrl-C or SIGTERM stops it gracefully).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
bash scripts/build.sh release
comity=build/release/comity
echo "== scoring sample comments with the bundled model"
$comity score --highlights \
  -t "Thanks for the thoughtful article, I learned a lot." \
  -t "You are one nasty, malignant little piece of work." \
  -t "Shut up, you paid kremtroll, nobody believes your f*cking lies." \
  -t "I will find you and hurt you."
echo "== a news thread: who attacks whom, where it escalates"
thread=../shared/examples/news-article-with-comments.txt
[[ -f $thread ]] || thread=tests/fixtures/threads/corner-shop.txt
$comity thread report --format table "$thread" | head -n 30 || true
echo "== importing it into the store (community 'example'), decided by the default policy"
# Re-running skips what is already imported.
$comity import --data-dir "${COMITY_DATA_DIR:-var/comity}" --community example --thread example "$thread"
echo "== serving on http://127.0.0.1:${COMITY_PORT:-8080} (data in ${COMITY_DATA_DIR:-var/comity})"
echo "   Perspective API: POST /v1alpha1/comments:analyze   console: /console/"
echo "   (create a console account: $comity users create --data-dir ${COMITY_DATA_DIR:-var/comity} --name admin --role admin)"
exec $comity serve --no-auth --host 127.0.0.1 --port "${COMITY_PORT:-8080}" \
  --data-dir "${COMITY_DATA_DIR:-var/comity}"
