#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Check one KUnit run of the matrix from its raw kernel log (test.log).

usage: check-kunit.py VARIANT LOG SUITE[:skip] [SUITE[:skip] ...]

Fails (exit 1) when a required suite did not run, crashed, failed or was
skipped as a whole, when a test case was skipped without a reason, or when
the log holds a warning, a lockdep, KASAN or UBSAN report, an oops or a
"bad pgd/p4d/pud/pmd/pte" page-table error. A suite given as NAME:skip must run and be skipped as a whole: every case
skipped, each with a reason (the matrix says where that is expected).
NAME:noskip must run with no case skipped; NAME:skips=CASE/CASE may skip
only the cases listed (by case name; a parameterized case by its name or
the name of one parameter); NAME:runs=CASE/CASE must run the cases listed
(not skipped) and may skip the others, each with a reason. A plain NAME may
skip cases that give a reason.
Prints one line per suite with its counts; the last line is
"VARIANT: N passed, N failed, N skipped".
"""
import re
import sys

TS = re.compile(r'^\[[^\]]*\] ?')
RESULT = re.compile(r'^( *)(ok|not ok) \d+ (.*?)(?: # (SKIP|TODO)\b\s*(.*))?\s*$')
SPLAT = re.compile(r'(WARNING: |BUG: |KASAN: |UBSAN: |Oops|Kernel panic|'
                   r'possible circular locking|possible recursive locking|'
                   r'inconsistent lock state|suspicious RCU usage|'
                   r'INFO: task .* blocked|general protection fault|'
                   r'Unable to handle kernel|Call Trace:|'
                   r': bad (pgd|p4d|pud|pmd|pte) )')


class Node:
    def __init__(self, name, ok, directive, reason):
        self.name = name
        self.ok = ok
        self.skip = directive == 'SKIP'
        self.reason = reason
        self.children = []


def parse(lines):
    """Return the top-level results (suites) with their nested results."""
    pending = {}  # indent -> results seen at that indent, not yet adopted
    top = []
    for raw in lines:
        line = TS.sub('', raw.rstrip('\n'))
        m = RESULT.match(line)
        if not m:
            continue
        indent = len(m.group(1))
        node = Node(m.group(3), m.group(2) == 'ok', m.group(4),
                    (m.group(5) or '').strip())
        node.children = pending.pop(indent + 4, [])
        # deeper results left behind belong to nothing we know of
        for k in [k for k in pending if k > indent]:
            pending.pop(k)
        if indent == 0:
            top.append(node)
        else:
            pending.setdefault(indent, []).append(node)
    return top


def leaves(node):
    if not node.children:
        return [node]
    out = []
    for c in node.children:
        out.extend(leaves(c))
    return out


def main():
    if len(sys.argv) < 4:
        print(__doc__, file=sys.stderr)
        return 2
    variant, log, required = sys.argv[1], sys.argv[2], sys.argv[3:]
    try:
        with open(log, errors='replace') as f:
            lines = f.readlines()
    except OSError as e:
        print(f'{variant}: cannot read {log}: {e}')
        print(f'{variant}: 0 passed, 1 failed, 0 skipped')
        return 1

    bad = []
    suites = {s.name: s for s in parse(lines)}
    npass = nfail = nskip = 0
    for name in required:
        expect_skip = name.endswith(':skip')
        if expect_skip:
            name = name[:-len(':skip')]
        may_skip = None  # None: any case may skip with a reason
        must_run = set()
        if name.endswith(':noskip'):
            name = name[:-len(':noskip')]
            may_skip = set()
        elif ':skips=' in name:
            name, lst = name.split(':skips=', 1)
            may_skip = {c for c in lst.split('/') if c}
        elif ':runs=' in name:
            name, lst = name.split(':runs=', 1)
            must_run = {c for c in lst.split('/') if c}
        s = suites.get(name)
        if s is None:
            bad.append(f'suite {name} did not run')
            nfail += 1
            continue
        ls = leaves(s) if s.children else []
        p = sum(1 for x in ls if x.ok and not x.skip)
        fl = [x for x in ls if not x.ok]
        sk = [x for x in ls if x.ok and x.skip]
        npass += p
        nfail += len(fl)
        nskip += len(sk)
        state = 'ok'
        if expect_skip:
            ran = [x for x in ls if not (x.ok and x.skip)]
            reasons = sorted({x.reason for x in sk if x.reason} |
                             ({s.reason} if s.skip and s.reason else set()))
            if ran or not (s.skip or sk):
                state = 'RAN BUT MUST BE SKIPPED HERE'
                bad.append(f'suite {name} must be skipped on {variant}, '
                           f'but {len(ran)} case(s) ran')
            else:
                state = 'skipped as expected'
            print(f'{variant}: {name}: {state}: {p} passed, {len(fl)} failed, '
                  f'{len(sk)} skipped: {"; ".join(reasons) or "NO REASON GIVEN"}')
            for x in sk:
                if not x.reason:
                    bad.append(f'{name}: {x.name} skipped without a reason')
            continue
        if s.skip:
            state = 'SKIPPED AS A WHOLE'
            bad.append(f'suite {name} was skipped: {s.reason or "no reason"}')
        elif not s.ok:
            state = 'FAILED'
            bad.append(f'suite {name} failed')
            if not fl:
                nfail += 1
        elif not ls:
            state = 'NO TEST CASES'
            bad.append(f'suite {name} ran no test case')
        # leaf -> the case it belongs to (itself, or its parameterized
        # parent)
        owner = {}
        for c in s.children:
            for x in leaves(c):
                owner[id(x)] = c.name
        for c in sorted(must_run):
            ran = [x for x in ls if (x.name == c or owner.get(id(x)) == c)
                   and not x.skip]
            if not ran:
                state = 'A CASE THAT MUST RUN DID NOT'
                bad.append(f'{name}: {c} must run on {variant}, but did not')
        if may_skip is not None:
            for x in sk:
                if x.name not in may_skip and owner.get(id(x)) not in may_skip:
                    state = 'A CASE THAT MUST RUN WAS SKIPPED'
                    bad.append(f'{name}: {x.name} must run on {variant}, '
                               f'but was skipped: {x.reason or "no reason"}')
        print(f'{variant}: {name}: {state}: {p} passed, {len(fl)} failed, '
              f'{len(sk)} skipped')
        for x in fl:
            print(f'{variant}:   FAILED {x.name}')
        for x in sk:
            print(f'{variant}:   skipped {x.name}: {x.reason or "NO REASON GIVEN"}')
            if not x.reason:
                bad.append(f'{name}: {x.name} skipped without a reason')

    splats = [l.rstrip() for l in lines if SPLAT.search(l)]
    if splats:
        bad.append(f'{len(splats)} warning/oops/lockdep/KASAN line(s) in the log')
        for l in splats[:20]:
            print(f'{variant}:   log: {l}')

    for b in bad:
        print(f'{variant}: ERROR: {b}')
    if bad and nfail == 0:
        nfail = 1
    print(f'{variant}: {npass} passed, {nfail} failed, {nskip} skipped')
    return 1 if bad else 0


if __name__ == '__main__':
    sys.exit(main())
