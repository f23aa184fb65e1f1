#!/usr/bin/env bash
# Rebuilds bundled models from their recipes and checks they come out byte-for-byte:
#   bash scripts/rebuild-model.sh [name ...]     (default: every models/<name>.cmodel
#                                                  that has recipes/<name>.toml)
# Needs ../shared/data (or COMITY_DATA_DIR); exits 0 with a message when it is absent.
set -euo pipefail
cd "$(dirname "$0")/.."
data=${COMITY_DATA_DIR:-../shared/data}
comity=${COMITY:-build/release/comity}
if [[ ! -d $data ]]; then
  echo "rebuild-model: SKIPPED ($data is absent)"
  exit 0
fi
names=("$@")
if [[ ${#names[@]} -eq 0 ]]; then
  for model in models/*.cmodel; do
    name=$(basename "$model" .cmodel)
    [[ -f recipes/$name.toml ]] && names+=("$name")
  done
fi
mkdir -p build/rebuild
status=0
for name in "${names[@]}"; do
  out=build/rebuild/$name.cmodel
  start=$(date +%s)
  "$comity" train --recipe "recipes/$name.toml" --data-dir "$data" --output "$out" \
    --report "build/rebuild/$name.train.json"
  if cmp "models/$name.cmodel" "$out"; then
    echo "rebuild-model: $name identical ($(($(date +%s) - start)) s)"
  else
    echo "rebuild-model: $name DIFFERS from models/$name.cmodel" >&2
    status=1
  fi
done
exit $status
