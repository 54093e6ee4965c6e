#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Read the subject and text of a format-patch cover letter.

usage: cover.py read COVER_LETTER

Prints "SUBJECT\\n\\nTEXT", the form git format-patch
--cover-from-description=subject takes from a branch description.
"""
import re
import sys


def read(path):
    with open(path, errors='replace') as f:
        lines = f.read().split('\n')
    i = 0
    subject = None
    while i < len(lines) and lines[i] != '':
        if lines[i].startswith('Subject:'):
            subject = lines[i][len('Subject:'):].strip()
            while i + 1 < len(lines) and lines[i + 1][:1] in (' ', '\t'):
                i += 1
                subject += ' ' + lines[i].strip()
        i += 1
    if subject is None:
        raise SystemExit(f'{path}: no Subject header')
    subject = re.sub(r'^\[[^\]]*\]\s*', '', subject)
    body = []
    for line in lines[i + 1:]:
        if re.match(r'^\S.* \(\d+\):$', line):
            break
        body.append(line)
    while body and body[-1].strip() == '':
        body.pop()
    return subject + '\n\n' + '\n'.join(body)


if __name__ == '__main__':
    if len(sys.argv) != 3 or sys.argv[1] != 'read':
        raise SystemExit(__doc__)
    print(read(sys.argv[2]))
