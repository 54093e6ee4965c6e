#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""The repository's views of the files the series adds.

  views.py write TREE BASE REV REPO   refresh REPO's views from TREE's BASE..REV
  views.py check TREE BASE REPO       apply REPO/patches onto BASE (in a
                                      scratch index, nothing checked out) and
                                      fail unless the views match byte for byte

A view is every file the series adds, at its in-tree path, plus a
MAINTAINERS fragment holding the lines the series adds to MAINTAINERS.
Modified upstream files are never copied.
"""
import glob
import os
import subprocess
import sys
import tempfile

ROOTS = ['mm', 'drivers', 'include', 'arch', 'tools/testing', 'Documentation',
         'lib', 'kernel', 'fs', 'scripts', 'samples']


def git(tree, *args, env=None, binary=False):
    r = subprocess.run(['git', '-C', tree] + list(args), env=env,
                       capture_output=True, check=False)
    if r.returncode != 0:
        raise SystemExit(f'git {" ".join(args)}: {r.stderr.decode(errors="replace")}')
    return r.stdout if binary else r.stdout.decode()


def expected_views(tree, base, rev, env=None):
    """Map path -> bytes of what the series adds between base and rev."""
    out = {}
    added = git(tree, 'diff', '--name-only', '--no-renames', '--diff-filter=A',
                base, rev, env=env).split('\n')
    for path in filter(None, added):
        out[path] = git(tree, 'show', f'{rev}:{path}', env=env, binary=True)
    diff = git(tree, 'diff', '--no-renames', '-U0', base, rev, '--',
               'MAINTAINERS', env=env)
    frag = []
    for line in diff.split('\n'):
        if line.startswith('@@') and frag and frag[-1] != '':
            frag.append('')
        elif line.startswith('+') and not line.startswith('+++'):
            frag.append(line[1:])
    if frag:
        out['MAINTAINERS'] = ('\n'.join(frag).strip('\n') + '\n').encode()
    return out


def repo_views(repo):
    """Files in REPO that are views: tracked or untracked, under the roots."""
    r = subprocess.run(['git', '-C', repo, 'ls-files', '--cached', '--others',
                        '--exclude-standard', '--'] + ROOTS + ['MAINTAINERS'],
                       capture_output=True, check=True)
    return sorted(set(p for p in r.stdout.decode().split('\n')
                      if p and os.path.isfile(os.path.join(repo, p))))


def write(tree, base, rev, repo):
    exp = expected_views(tree, base, rev)
    for path in repo_views(repo):
        if path not in exp:
            os.unlink(os.path.join(repo, path))
            print(f'views: removed {path}')
    for path, data in sorted(exp.items()):
        dst = os.path.join(repo, path)
        os.makedirs(os.path.dirname(dst) or '.', exist_ok=True)
        old = open(dst, 'rb').read() if os.path.exists(dst) else None
        if old != data:
            with open(dst, 'wb') as f:
                f.write(data)
            print(f'views: wrote {path}')
    return 0


def check(tree, base, repo):
    patches = sorted(p for p in glob.glob(os.path.join(repo, 'patches', '*.patch'))
                     if not os.path.basename(p).startswith('0000-'))
    with tempfile.TemporaryDirectory() as tmp:
        env = dict(os.environ, GIT_INDEX_FILE=os.path.join(tmp, 'index'))
        git(tree, 'read-tree', base, env=env)
        for p in patches:
            r = subprocess.run(['git', '-C', tree, 'apply', '--cached', p],
                               env=env, capture_output=True)
            if r.returncode:
                print(f'views: {os.path.basename(p)} does not apply to {base}: '
                      f'{r.stderr.decode(errors="replace")}')
                return 1
        rev = git(tree, 'write-tree', env=env).strip()
        exp = expected_views(tree, base, rev, env=env)
    bad = 0
    have = repo_views(repo)
    for path in have:
        if path not in exp:
            print(f'views: {path} is not added by the series')
            bad += 1
    for path, data in sorted(exp.items()):
        dst = os.path.join(repo, path)
        if not os.path.exists(dst):
            print(f'views: {path} is missing')
            bad += 1
        elif open(dst, 'rb').read() != data:
            print(f'views: {path} differs from what patches/ produces')
            bad += 1
    print(f'views: {len(patches)} patches, {len(exp)} views, {bad} mismatches')
    return 1 if bad else 0


def main():
    a = sys.argv[1:]
    a = a[:1] + [os.path.abspath(x) if i >= 1 and os.path.exists(x) else x for i, x in enumerate(a[1:], 1)]
    if len(a) == 5 and a[0] == 'write':
        return write(a[1], a[2], a[3], a[4])
    if len(a) == 4 and a[0] == 'check':
        return check(a[1], a[2], a[3])
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == '__main__':
    sys.exit(main())
