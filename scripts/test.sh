#!/usr/bin/env bash
# The whole test suite, as CI runs it on a clean clone: installs dependencies, builds the
# release and sanitizer flavours, runs every test in both, fuzzes the parsers for a bounded
# time, and checks that the bundled models rebuild byte-for-byte from their recipes.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
shared="$root/../shared/data"
# Each stage's wall time, so the CI log shows where the suite's budget goes.
last=$SECONDS
stage() {
  echo "== $* (previous stage $((SECONDS - last)) s, total $SECONDS s)"
  last=$SECONDS
}

stage "installing dependencies"
bash scripts/install-deps.sh

stage "release build and tests"
bash scripts/build.sh release
ctest --test-dir build/release --output-on-failure -j2 --timeout 600

stage "Python package: pip install --no-index . into a fresh venv, pytest"
bash tests/python/run.sh

stage "ASan+UBSan build and tests"
bash scripts/build.sh asan
# Every C++ test, the soak and the hostile traffic run under the sanitizers. The tests
# that drive the server through real clients and a browser ran against the release
# binary above; under ASan they re-ran the same server code, several times slower, in a
# suite that must stay under an hour.
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest --test-dir build/asan --output-on-failure -j2 --timeout 1200 \
  -E '^(console_browser|real_clients|coral_external_phase|serve_policy_dir|docs_api_examples)$'

stage "fuzzing (bounded), with the bundled models rebuilding byte-for-byte beside it"
bash scripts/build.sh fuzz
# Each fuzzer runs on one core; the rebuild takes the other. A model's bytes depend on
# its recipe's thread count, never on what else the machine runs.
bash scripts/rebuild-model.sh > build/rebuild-model.log 2>&1 &
rebuild=$!
for fuzzer in build/fuzz/fuzz/fuzz_*; do
  [[ -x $fuzzer ]] || continue
  name=$(basename "$fuzzer")
  corpus="build/fuzz/corpus-$name"
  mkdir -p "$corpus"
  [[ -d tests/fixtures/fuzz/$name ]] && cp -n tests/fixtures/fuzz/$name/* "$corpus"/ 2>/dev/null || true
  echo "-- $name (${COMITY_FUZZ_SECONDS:-20} s)"
  "$fuzzer" -max_total_time="${COMITY_FUZZ_SECONDS:-20}" -rss_limit_mb=4096 -print_final_stats=0 \
    "$corpus" 2>&1 | tail -n 3
done

stage "bundled models rebuild byte-for-byte from their recipes (started with the fuzzers)"
rebuilt=0
wait "$rebuild" || rebuilt=$?
cat build/rebuild-model.log
if [[ $rebuilt -ne 0 ]]; then
  echo "test.sh: a bundled model did not rebuild byte-for-byte" >&2
  exit 1
fi
stage "done"
echo "test.sh: all stages passed in $SECONDS s"
