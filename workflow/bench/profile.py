#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Per-function guest instructions of two profiles written by tbprof.c.

profile.py BASE_SYSTEM_MAP BASE_PROFILE SERIES_SYSTEM_MAP SERIES_PROFILE [N]
prints the totals and the N functions (default 30) whose instruction counts
differ most; user space is one line, "[user]".
"""
import bisect
import sys


def load_map(path):
    syms = []
    with open(path) as f:
        for line in f:
            addr, kind, name = line.split()[:3]
            if kind.lower() in "tw":
                syms.append((int(addr, 16), name))
    syms.sort()
    return [a for a, _ in syms], [n for _, n in syms]


def per_function(profile, symmap):
    addrs, names = symmap
    out = {}
    with open(profile) as f:
        for line in f:
            vaddr, count = line.split()
            vaddr, count = int(vaddr, 16), int(count)
            if vaddr < 0xFFFF000000000000:
                key = "[user]"
            else:
                i = bisect.bisect_right(addrs, vaddr) - 1
                key = names[i] if i >= 0 else "?"
            out[key] = out.get(key, 0) + count
    return out


def main():
    if len(sys.argv) < 5:
        sys.exit(__doc__)
    a = per_function(sys.argv[2], load_map(sys.argv[1]))
    b = per_function(sys.argv[4], load_map(sys.argv[3]))
    n = int(sys.argv[5]) if len(sys.argv) > 5 else 30
    ta, tb = sum(a.values()), sum(b.values())
    print("%-44s %14s %14s %12s" % ("function", "base", "series", "difference"))
    print("%-44s %14d %14d %+12d" % ("(all)", ta, tb, tb - ta))
    for k in sorted(set(a) | set(b), key=lambda k: -abs(b.get(k, 0) - a.get(k, 0)))[:n]:
        print("%-44s %14d %14d %+12d" % (k, a.get(k, 0), b.get(k, 0), b.get(k, 0) - a.get(k, 0)))


if __name__ == "__main__":
    main()
