#!/usr/bin/env bash
# The Python package's tests: a fresh virtual environment, `pip install --no-index .` (the
# build must need no download), then pytest. Debian's python3 by default, as on a fresh
# Debian 12 machine; --system-site-packages for Debian's numpy, pandas and pytest.
# Compares with the CLI at $COMITY_BIN (default build/release/comity) when it exists.
set -euo pipefail
cd "$(dirname "$0")/../.."
python=${COMITY_TEST_PYTHON:-/usr/bin/python3}
venv=build/python-test-venv
rm -rf "$venv"
"$python" -m venv --system-site-packages "$venv"
# None of this machine's pip settings (an index, find-links): what a fresh one has.
while read -r name; do unset "$name"; done < <(compgen -e | grep '^PIP_' || true)
PIP_CONFIG_FILE=/dev/null "$venv/bin/pip" install --no-index --no-cache-dir --quiet .
unset COMITY_MODEL
export COMITY_BIN=${COMITY_BIN:-$PWD/build/release/comity}
# From another directory, so `import comity` can only be the installed package.
cd "$venv"
exec "$PWD/bin/python" -m pytest -q -p no:cacheprovider "$OLDPWD/tests/python" "$@"
