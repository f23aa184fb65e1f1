#!/usr/bin/env bash
# Installs everything Comity needs to build, test, benchmark and lint on Debian 12 (bookworm).
# Run as root on a fresh machine (CI does this on a clean clone). Safe to run repeatedly: when
# every package is already present it returns without touching apt.
set -euo pipefail

PACKAGES=(
  # toolchain
  build-essential cmake g++ clang clang-format clang-tidy libclang-rt-14-dev pkg-config git
  ca-certificates
  # libraries the C++ code links against
  nlohmann-json3-dev libcpp-httplib-dev libutf8proc-dev libcli11-dev libspdlog-dev libfmt-dev
  libxxhash-dev libcld2-dev libsqlite3-dev sqlite3 libgtest-dev libgmock-dev libbenchmark-dev
  libtomlplusplus-dev libssl-dev libexpat1-dev libboost-dev
  # load and speed measurement
  wrk hyperfine
  # real Perspective clients under test (Discourse uses Excon)
  ruby ruby-excon
  # baselines (bench/baselines) and client tooling
  fasttext python3 python3-numpy python3-scipy python3-sklearn python3-googleapi
  # the Python package (pip install ., python/) and its tests (tests/python)
  pybind11-dev python3-pybind11 python3-dev python3-venv python3-pandas python3-pytest
  # browser-side tooling (node packages themselves are installed elsewhere, not here)
  nodejs npm chromium
)

log() { printf 'install-deps: %s\n' "$*"; }

if [[ $(id -u) -ne 0 ]]; then
  log "must run as root (apt-get install needs it)" >&2
  exit 1
fi

# Names provided by an installed package count as present: a NodeSource `nodejs`, for example,
# provides and conflicts with Debian's `npm`, so asking apt for `npm` there would fail.
provided_names() {
  dpkg-query -W -f='${db:Status-Abbrev} ${Provides}\n' 2>/dev/null |
    awk '$1 == "ii" { $1 = ""; print }' | tr ',' '\n' | sed -E 's/\(.*\)//; s/^ +//; s/ +$//' |
    grep -v '^$' | sort -u
}

is_installed() {
  local status
  status=$(dpkg-query -W -f='${db:Status-Abbrev}' "$1" 2>/dev/null || true)
  [[ $status == ii* ]]
}

PROVIDED=$(provided_names || true)
missing=()
for package in "${PACKAGES[@]}"; do
  if is_installed "$package"; then
    continue
  fi
  if grep -qxF "$package" <<<"$PROVIDED"; then
    log "$package is provided by an installed package; skipping"
    continue
  fi
  missing+=("$package")
done

if [[ ${#missing[@]} -eq 0 ]]; then
  log "all ${#PACKAGES[@]} packages already installed; nothing to do"
  exit 0
fi

log "missing: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
log "apt-get update"
apt-get update
log "apt-get install -y --no-install-recommends ${missing[*]}"
apt-get install -y --no-install-recommends "${missing[@]}"
log "done"
