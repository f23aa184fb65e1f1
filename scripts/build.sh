#!/usr/bin/env bash
# Configures and builds one flavour of Comity into build/<flavour>:
#   release  optimised, with benchmarks (the binary users run)
#   asan     AddressSanitizer + UndefinedBehaviorSanitizer, tests only
#   fuzz     clang + libFuzzer targets
set -euo pipefail
cd "$(dirname "$0")/.."
flavour=${1:-release}
jobs=$(nproc)
case $flavour in
  release) cmake -S . -B build/release -DCMAKE_BUILD_TYPE=Release ;;
  asan) cmake -S . -B build/asan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCOMITY_SANITIZE=ON -DCOMITY_BENCH=OFF ;;
  fuzz) CC=clang CXX=clang++ cmake -S . -B build/fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCOMITY_FUZZ=ON -DCOMITY_BENCH=OFF ;;
  *) echo "usage: $0 [release|asan|fuzz]" >&2; exit 2 ;;
esac
if [[ $flavour == fuzz ]]; then
  targets=$(sed -n 's/^\([a-z_]*fuzz_[a-z_]*\):.*/\1/p' <(make -C build/fuzz help 2>/dev/null | sed 's/^\.\.\. //; s/$/:/') | sort -u)
  cmake --build build/fuzz -j"$jobs" --target $targets
else
  cmake --build "build/$flavour" -j"$jobs"
fi
# The moderator console's front end, served by `comity serve` at /console.
[[ $flavour == release ]] && bash web/build.sh
exit 0
