# SPDX-License-Identifier: LGPL-2.1-or-later
"""The cookbook, from Python: every recipe prints what the cookbook prints."""

import os
import pathlib
import subprocess
import sys

import pytest

from conftest import HANG

EXAMPLES = pathlib.Path(__file__).resolve().parents[2] / 'examples' / 'python'
EXPECTED = (EXAMPLES / 'cookbook.expected').read_text().splitlines(keepends=True)

# Which lines of the expected output each section prints.
SECTIONS = {
    'deploy': EXPECTED[0:1],
    'events': EXPECTED[1:2],
    'queues': EXPECTED[2:12],
    'control-inversion': EXPECTED[12:18],
    'errors': EXPECTED[18:19],
    'stuck': EXPECTED[19:21],
}


def run_cookbook(*sections):
    return subprocess.run([sys.executable, str(EXAMPLES / 'cookbook.py'), *sections],
                          capture_output=True, text=True, timeout=HANG, env=os.environ)


@pytest.mark.parametrize('section', list(SECTIONS))
def test_section(section):
    result = run_cookbook(section)
    assert result.returncode == 0, result.stderr
    assert result.stdout == ''.join(SECTIONS[section])
    if section == 'stuck':
        # Bringing the stuck thread down is reported, on stderr.
        assert 'RuntimeWarning' in result.stderr and 'stuck' in result.stderr
    else:
        assert result.stderr == ''


def test_whole_cookbook():
    result = run_cookbook()
    assert result.returncode == 0, result.stderr
    assert result.stdout == ''.join(EXPECTED)


def test_unknown_section():
    result = run_cookbook('nonsense')
    assert result.returncode == 2
    assert 'Unknown section' in result.stderr
