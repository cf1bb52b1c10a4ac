#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Builds the benchmarks and runs each of them N times (each run measures
# unpinned, then pinned, then, for bench-runner and bench-queue, beside a
# busy process on every CPU), then prints the median over the N runs of
# every figure and of every ratio to its same-run baseline, wall time and
# CPU time per item alike: the tables of docs/performance.md, regenerated
# with one command.
#
#   tools/bench.sh [-n N] [-r RUNS] [-b BUILD_DIR] [-a 'ARGS'] [BENCH...]
#   tools/bench.sh -l LOG_DIR [-n N] [BENCH...]
#
#   -n N          how many times each benchmark runs (default 5)
#   -r RUNS       --runs= given to each benchmark: each of its figures is
#                 already a median of RUNS measurements (default 5)
#   -b BUILD_DIR  the build tree (default _build; set up if missing)
#   -a 'ARGS'     more arguments for every C benchmark, e.g. '--no-contention'
#   -l LOG_DIR    run nothing: summarize the logs a previous run left there
#   BENCH         among runner queue executor offload idle python (default:
#                 all; idle takes about a minute a run)
#
# Every run's output is kept in a directory whose path is printed; the
# machine's facts and load come first in each. In the summary, a ratio
# above 1 means ta-glib did better than the baseline, except for the
# sparse-traffic CPU time of bench-idle, whose ratio is a cost.
set -euo pipefail
cd "$(dirname "$0")/.."

n=5
runs=5
build=_build
extra=
logs=
while getopts "n:r:b:a:l:h" opt; do
  case $opt in
    n) n=$OPTARG ;;
    r) runs=$OPTARG ;;
    b) build=$OPTARG ;;
    a) extra=$OPTARG ;;
    l) logs=$OPTARG ;;
    *) awk 'NR > 1 && !/^#/ { exit } NR > 1 { sub(/^# ?/, ""); print }' "$0"; exit 2 ;;
  esac
done
shift $((OPTIND - 1))
benches=("$@")
[ ${#benches[@]} -gt 0 ] || benches=(runner queue executor offload idle python)
if ! [[ $n =~ ^[1-9][0-9]*$ && $runs =~ ^[1-9][0-9]*$ ]]; then
  echo "$0: -n and -r take a positive number" >&2
  exit 2
fi

if [ -z "$logs" ]; then
  if [ ! -f "$build/build.ninja" ]; then
    meson setup "$build" -Dwerror=true >/dev/null
  fi
  meson compile -C "$build" >/dev/null
  logs=$(mktemp -d "${TMPDIR:-/tmp}/ta-bench.XXXXXX")
  measure=1
else
  measure=0
fi

for bench in "${benches[@]}"; do
  [ $measure = 1 ] || break
  for ((i = 1; i <= n; i++)); do
    log="$logs/$bench-$i.log"
    printf 'bench-%s: run %d of %d\n' "$bench" "$i" "$n" >&2
    case $bench in
      python)
        # shellcheck disable=SC2086
        PYTHONPATH="$PWD/python${PYTHONPATH:+:$PYTHONPATH}" \
        GI_TYPELIB_PATH="$build/ta-glib" LD_LIBRARY_PATH="$build/ta-glib" \
          /usr/bin/python3 bench/bench-python.py --runs="$runs" >"$log" ;;
      runner|queue|executor|offload|idle)
        # shellcheck disable=SC2086
        "$build/bench/bench-$bench" --runs="$runs" $extra >"$log" ;;
      *)
        echo "$0: no benchmark '$bench'" >&2
        exit 2 ;;
    esac
  done
done

if [ $measure = 1 ]; then
  printf '\nmedians of %d runs of each benchmark, each run --runs=%d; logs in %s\n' \
    "$n" "$runs" "$logs"
else
  printf '\nmedians of the %d runs of each benchmark logged in %s\n' "$n" "$logs"
fi
/usr/bin/python3 - "$logs" "$n" "${benches[@]}" <<'EOF'
import re
import statistics
import sys

logs, n, benches = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
C_FIGURE = re.compile(r'^  (.+?)\s{2,}(-?[\d.]+) (\S+)(?:\s+([\d.]+)x(.*))?')
OTHER_CPU = re.compile(r'^other processes used ([\d.]+) CPUs')
PY_FIGURE = re.compile(r'^(.+? round trip(?:, CPU time)?)\s+(unpinned|pinned)\s+(.+?)\s+([\d.]+)\s+'
                       r'(?:\(base\)|([\d.]+)x)$')
SKIP = ('machine:', 'load ', 'other ', 'ta-glib from', 'threaded_async:')


def median_text(values):
    return f'{statistics.median(values):.3f}' if values else ''


def spread(values):
    return f'{min(values):.2f}-{max(values):.2f}' if len(values) > 1 else ''


for bench in benches:
    figures = {}        # (mode, phase, label) -> ([values], [ratios], unit)
    order = []
    header = []
    loaded = 0
    other_cpus = []
    for i in range(1, n + 1):
        mode = phase = ''
        with open(f'{logs}/{bench}-{i}.log', encoding='utf-8') as log:
            lines = log.read().splitlines()
        if i == 1:
            header = [line for line in lines[:4] if line.startswith(('machine:', '    '))]
        loaded += any(line.startswith('other load was present') for line in lines)
        for line in lines:
            key = None
            note = ''
            if match := OTHER_CPU.match(line):
                other_cpus.append(float(match[1]))
            elif line.startswith('== '):
                mode = line.strip('= ').split(':')[0]
            elif match := PY_FIGURE.match(line):
                key = (match[2], match[1], match[3])
                value, ratio, unit = float(match[4]), match[5], 'us'
                if ratio is None:
                    note = '(baseline)'
            elif match := C_FIGURE.match(line):
                key = (mode, phase, match[1].strip())
                value, ratio, unit = float(match[2]), match[4], match[3]
                if '(baseline' in line:
                    note = '(baseline)'
                elif match[5] and match[5].strip() != 'the baseline':
                    note = match[5].strip()
            elif line and not line.startswith((' ', '(')) and not line.startswith(SKIP):
                phase = re.sub(r' \(median of .*\)$', '', line)
            if key is None:
                continue
            if key not in figures:
                figures[key] = ([], [], unit, set())
                order.append(key)
            figures[key][0].append(value)
            if ratio is not None:
                figures[key][1].append(float(ratio))
            figures[key][3].add(note)

    print(f'\n### bench-{bench}')
    for line in header:
        print(line.strip())
    print(f'other load was present in {loaded} of {n} runs', end='')
    if other_cpus:
        runs = f'; runs {spread(other_cpus)}' if len(other_cpus) > 1 else ''
        print(f'; other processes used {statistics.median(other_cpus):.2f} CPUs '
              f'(median{runs})', end='')
    print()
    last = None
    for key in order:
        mode, phase, label = key
        if (mode, phase) != last:
            print(f'\n{mode}: {phase}')
            last = (mode, phase)
        values, ratios, unit, notes = figures[key]
        note = ' '.join(sorted(notes - {'(baseline)'}))
        if ratios:
            runs = f'(runs {spread(ratios)})' if len(ratios) > 1 else ''
            ratio = f'{statistics.median(ratios):6.2f}x  {runs} {note}'
        else:
            ratio = '(baseline)' if '(baseline)' in notes else ''
        print(f'  {label:52} {median_text(values):>10} {unit:6} {ratio}'.rstrip())
EOF
