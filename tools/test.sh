#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Builds ta-glib and runs every test four ways:
#   1. a normal build: C, Python, GJS and example tests;
#   2. an AddressSanitizer + UndefinedBehaviorSanitizer build;
#   3. valgrind memcheck over the C tests (no definite leaks allowed);
#   4. a ThreadSanitizer build (data races are bugs, not flakiness).
# The stress suite (tests/stress/, small by default) runs in each mode but
# valgrind: there it would take minutes, and the AddressSanitizer build
# already checks it for leaks and memory errors.
set -euo pipefail
cd "$(dirname "$0")/.."
source tools/deps.sh
ta_install_deps

step () { printf '\n=== %s ===\n' "$*"; }

step "normal build"
if [ ! -f _build/build.ninja ]; then
  meson setup _build -Dwerror=true
fi
meson compile -C _build
meson test -C _build --print-errorlogs --num-processes 2 --no-suite stress
meson test -C _build --print-errorlogs --num-processes 1 --suite stress

step "AddressSanitizer + UndefinedBehaviorSanitizer"
if [ ! -f _build-asan/build.ninja ]; then
  meson setup _build-asan -Db_sanitize=address,undefined -Db_lundef=false \
    -Dintrospection=disabled -Dbenchmarks=false -Dwerror=true
fi
meson compile -C _build-asan
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:strict_string_checks=1 \
UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  meson test -C _build-asan --print-errorlogs --num-processes 2 --suite unit --suite examples --suite stress

step "valgrind memcheck"
meson test -C _build --setup valgrind --print-errorlogs --num-processes 2 --suite unit

step "ThreadSanitizer"
if [ ! -f _build-tsan/build.ninja ]; then
  meson setup _build-tsan -Db_sanitize=thread -Db_lundef=false \
    -Dintrospection=disabled -Dbenchmarks=false -Dexamples=false -Dwerror=true
fi
meson compile -C _build-tsan
# GSlice recycles memory between threads behind TSan's back; what libglib
# does itself is not checked (see tests/tsan.supp).
G_SLICE=always-malloc \
TSAN_OPTIONS="halt_on_error=1:second_deadlock_stack=1:ignore_noninstrumented_modules=1:suppressions=$PWD/tests/tsan.supp" \
  meson test -C _build-tsan --print-errorlogs --num-processes 2 --suite unit --suite stress

step "all tests passed"
