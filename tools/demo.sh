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
