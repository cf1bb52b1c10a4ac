#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Runs a command N times in a row and stops at the first failure, to show
# that a suite passes every time rather than most of the time.
#
#   tools/repeat.sh N COMMAND [ARGS...]
#
# Each run's output goes to a log; the log of a failed run is kept and its
# path printed, the others are deleted. Exits with the failed run's status,
# or 0 once all N runs passed. REPEAT_LOG_DIR chooses where logs go
# (default: a new directory under ${TMPDIR:-/tmp}).
#
# Example, the ThreadSanitizer unit suite 100 times:
#   tools/repeat.sh 100 env G_SLICE=always-malloc \
#     TSAN_OPTIONS="halt_on_error=1:ignore_noninstrumented_modules=1:suppressions=$PWD/tests/tsan.supp" \
#     meson test -C _build-tsan --suite unit --num-processes 2
set -uo pipefail

if [ $# -lt 2 ] || ! [[ $1 =~ ^[1-9][0-9]*$ ]]; then
  echo "usage: $0 N COMMAND [ARGS...]" >&2
  exit 2
fi

n=$1
shift
log_dir=${REPEAT_LOG_DIR:-$(mktemp -d "${TMPDIR:-/tmp}/repeat.XXXXXX")}
mkdir -p "$log_dir"

for ((i = 1; i <= n; i++)); do
  log="$log_dir/run-$i.log"
  start=$(date +%s)
  "$@" >"$log" 2>&1
  status=$?
  if [ $status -ne 0 ]; then
    echo "run $i of $n failed (exit $status); its log: $log" >&2
    exit $status
  fi
  echo "run $i of $n passed ($(( $(date +%s) - start )) s)"
  rm -f "$log"
done

rmdir "$log_dir" 2>/dev/null || true
echo "all $n runs passed"
