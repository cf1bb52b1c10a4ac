#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Runs the GTK scanner under Xvfb on a folder of a few thousand files of
# mixed sizes, made here, and checks that:
#   - every file is read and checksummed (the digest of all the results
#     matches one computed here), by the threaded scan and the inline one;
#   - while the threaded scan runs, no main-loop iteration holds the main
#     thread for a frame (16 ms) or more;
#   - Cancel stops the scan at once: no result arrives after it;
#   - closing the window with jobs in flight stops cleanly;
#   - a folder that cannot be read is reported.
# The inline scan's longest block is printed, not asserted. A picture of
# the window mid-scan is saved where the second argument says.
#
# Usage: test-scanner.py SCANNER SCREENSHOT.png
# Exits 77 (skipped) when no X server can be started.

import hashlib
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile

FRAME_MS = 16.0
N_FILES = 3000
SKIP = 77


def make_tree(root):
    """Writes N_FILES files in 30 folders: most under 6 KB, one in a
    hundred 96-160 KB, one of 8 MB; about 21 MB in all. Returns the file
    count, the byte count and the digest the scanner must print."""
    blob = random.Random(20).randbytes(8 << 20)
    lines = []
    total = 0
    for i in range(N_FILES):
        name = 'dir%02d/file%04d.bin' % (i % 30, i)
        if i == N_FILES // 2:
            size = 8 << 20
            data = blob
        else:
            size = (96 + (i * 37) % 64) * 1024 if i % 100 == 0 else (i * 7919) % 6000
            data = blob[i:i + size]
        os.makedirs(os.path.join(root, os.path.dirname(name)), exist_ok=True)
        with open(os.path.join(root, name), 'wb') as f:
            f.write(data)
        lines.append('%s  %s\n' % (hashlib.sha256(data).hexdigest(), name))
        total += size
    lines.sort()
    return N_FILES, total, hashlib.sha256(''.join(lines).encode()).hexdigest()


def run(scanner, *args):
    print('$ scanner ' + ' '.join(args), flush=True)
    proc = subprocess.run([scanner, *args], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          text=True, timeout=120)
    print(proc.stdout, flush=True)
    assert proc.returncode == 0, 'the scanner exited with %d' % proc.returncode
    return proc.stdout


def parse(out, mode):
    m = re.search(r'^%s scan: (\d+) files, (\d+) bytes' % mode, out, re.M)
    assert m, 'no %s scan report' % mode
    digest = re.search(r'^digest: (\w+)$', out, re.M).group(1)
    block = float(re.search(r'^longest main-loop block: ([\d.]+) ms', out, re.M).group(1))
    return int(m.group(1)), int(m.group(2)), digest, block


def under_display(scanner, screenshot, folder, files, size, digest):
    # GTK draws with its CPU renderer: under Xvfb its GL renderer would
    # run on Mesa's software rasteriser, and time that, not the scanner.
    os.environ['GSK_RENDERER'] = 'cairo'

    out = run(scanner, '--scan', folder, '--quit-when-done')
    threaded = parse(out, 'threaded')
    assert threaded[:3] == (files, size, digest), 'the threaded scan missed files'
    assert threaded[3] < FRAME_MS, \
        'the main loop was held %.2f ms, more than a frame' % threaded[3]

    out = run(scanner, '--scan', folder, '--quit-when-done', '--inline')
    inline = parse(out, 'inline')
    assert inline[:3] == (files, size, digest), 'the inline scan missed files'

    out = run(scanner, '--scan', folder, '--quit-when-done', '--cancel-after', '100')
    assert re.search(r'^cancelled: 100 of %d files$' % files, out, re.M), \
        'a result arrived after Cancel'

    out = run(scanner, '--scan', folder, '--close-after', '100')
    m = re.search(r'^stopped with (\d+) jobs in flight', out, re.M)
    assert m and int(m.group(1)) > 0, 'no jobs were in flight when the window closed'
    assert 'scan:' not in out, 'the scan went on after the window closed'

    out = run(scanner, '--scan', os.path.join(folder, 'missing'), '--quit-when-done')
    assert re.search(r"^failed: .*missing", out, re.M), 'a missing folder was not reported'

    if os.path.exists(screenshot):
        os.unlink(screenshot)
    run(scanner, '--scan', folder, '--quit-when-done', '--screenshot', screenshot)
    with open(screenshot, 'rb') as f:
        assert f.read(8) == b'\x89PNG\r\n\x1a\n', 'the screenshot is not a PNG'

    print('longest main-loop block: threaded %.2f ms, inline %.2f ms '
          '(main-thread CPU time; %d files, %d bytes)' % (threaded[3], inline[3], files, size))


def main():
    scanner, screenshot = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])

    if len(sys.argv) > 3:
        # Inside xvfb-run: say that the display came up, then test.
        folder, files, size, digest = sys.argv[3], int(sys.argv[4]), int(sys.argv[5]), sys.argv[6]
        open(os.path.join(folder, '..', 'display-ready'), 'w').close()
        under_display(scanner, screenshot, folder, files, size, digest)
        return 0

    xvfb_run = shutil.which('xvfb-run')
    if xvfb_run is None:
        print('SKIP: xvfb-run is not installed (Debian package xvfb)')
        return SKIP

    with tempfile.TemporaryDirectory(prefix='ta-scanner-') as tmp:
        folder = os.path.join(tmp, 'files')
        files, size, digest = make_tree(folder)
        proc = subprocess.run([xvfb_run, '--auto-servernum', '--server-args',
                               '-screen 0 1280x800x24 -nolisten tcp',
                               sys.executable, os.path.abspath(__file__), scanner, screenshot,
                               folder, str(files), str(size), digest],
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                              timeout=900)
        print(proc.stdout)
        if not os.path.exists(os.path.join(tmp, 'display-ready')):
            print('SKIP: no X server could be started by xvfb-run (exit %d)' % proc.returncode)
            return SKIP
        return proc.returncode


if __name__ == '__main__':
    sys.exit(main())
