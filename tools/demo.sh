#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Builds ta-glib and runs the demo: threaded_async's cookbook, end to end.
set -euo pipefail
cd "$(dirname "$0")/.."
source tools/deps.sh
ta_install_deps

if [ ! -f _build/build.ninja ]; then
  meson setup _build
fi
meson compile -C _build

echo
echo "== The cookbook in C (examples/cookbook.c) =="
./_build/examples/cookbook

# The same recipes from Python and GJS, against the build tree.
export GI_TYPELIB_PATH="$PWD/_build/ta-glib:$PWD/_build/tests/gjs"
export LD_LIBRARY_PATH="$PWD/_build/ta-glib:$PWD/_build/tests/gjs"
export PYTHONPATH="$PWD/python"

echo
echo "== The cookbook in Python (examples/python/cookbook.py) =="
/usr/bin/python3 examples/python/cookbook.py

echo
echo "== The cookbook in GJS (examples/gjs/cookbook.js) =="
gjs -m examples/gjs/cookbook.js
