#!/usr/bin/env python3
"""Side-by-side table and plot of the dumb_mmap benchmark.

    report.py RESULTS.TXT OUTDIR

RESULTS.TXT holds one line per run and size: key=value pairs, as bench.sh
writes them from the "# result" lines of dumb_mmap. Writes OUTDIR/table.md
(one table per machine and device: the base, named by BENCH_BASE (v6.12 by
default), against the series),
OUTDIR/results.tsv (every number), and OUTDIR/dumb_mmap-<arch>.png (faults
and time per MiB against buffer size, with gnuplot), and prints the table.
Lines with clock=icount come from boots under QEMU's -icount shift=0, whose
guest clock advances 1 ns per instruction: their µs per MiB are thousands of
instructions per MiB, in their own columns; the rest are wall time.
"""
import collections
import os
import subprocess
import sys

BASE = os.environ.get('BENCH_BASE', 'v6.12')


def load(path):
    rows = []
    with open(path) as f:
        for line in f:
            kv = dict(p.split('=', 1) for p in line.split() if '=' in p)
            if 'size_mib' in kv:
                rows.append(kv)
    return rows


def fmt_us(x):
    return f'{x:,.0f}' if x >= 100 else f'{x:.1f}'


def main():
    src, outdir = sys.argv[1], sys.argv[2]
    rows = load(src)
    if not rows:
        sys.exit('report: no results in ' + src)
    os.makedirs(outdir, exist_ok=True)

    cols = ['arch', 'cpu', 'device', 'kernel', 'clock', 'size_mib', 'aligned',
            'huge',
            'populate_faults', 'populate_us', 'read_faults', 'read_us',
            'write_faults', 'write_us', 'write2_faults', 'write2_us',
            'write2_minflt', 'us_per_mib']
    with open(os.path.join(outdir, 'results.tsv'), 'w') as f:
        f.write('\t'.join(cols) + '\n')
        for r in rows:
            f.write('\t'.join(r.get(c, '') for c in cols) + '\n')

    # (arch, cpu, device) -> size -> kernel -> row; icount: the same
    runs = collections.OrderedDict()
    icount = {}
    for r in rows:
        key = (r['arch'], r['cpu'], r['device'])
        if r.get('clock') == 'icount':
            icount.setdefault(key, {}).setdefault(int(r['size_mib']), {})[r['kernel']] = r
            continue
        runs.setdefault(key, {}).setdefault(int(r['size_mib']), {})[r['kernel']] = r

    lines = []
    for (arch, cpu, dev), sizes in runs.items():
        lines.append(f'### {arch} (`-cpu {cpu}`), `-device {dev}`, driver '
                     f'{next(iter(next(iter(sizes.values())).values()))["driver"]}')
        lines.append('')
        ic = icount.get((arch, cpu, dev), {})
        lines.append(f'| MiB | write faults {BASE} | series | read+write faults {BASE} | series '
                     f'| µs/MiB {BASE} | series | {BASE}/series time '
                     f'| k instr/MiB {BASE} | series | huge |')
        lines.append('|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|:---:|')
        for size in sorted(sizes):
            k = sizes[size]
            b, s = k.get('base'), k.get('series')
            ib, iS = ic.get(size, {}).get('base'), ic.get(size, {}).get('series')

            def g(r, f, conv=int):
                return conv(r[f]) if r else None

            def cell(v, f=str):
                return f(v) if v is not None else '–'
            rw = [None if r is None else
                  int(r['read_faults']) + int(r['write_faults']) for r in (b, s)]
            tb, ts = g(b, 'us_per_mib', float), g(s, 'us_per_mib', float)
            ratio = f'{tb / ts:.1f}×' if tb and ts else '–'
            kb, ks = g(ib, 'us_per_mib', float), g(iS, 'us_per_mib', float)
            lines.append(f'| {size} | {cell(g(b, "write2_faults"))} | '
                         f'**{cell(g(s, "write2_faults"))}** | {cell(rw[0])} | '
                         f'**{cell(rw[1])}** | {cell(tb, fmt_us)} | {cell(ts, fmt_us)} | '
                         f'{ratio} | {cell(kb, fmt_us)} | {cell(ks, fmt_us)} | '
                         f'{"yes" if s and s["huge"] == "1" else "no"} |')
        lines.append('')
    table = '\n'.join(lines)
    with open(os.path.join(outdir, 'table.md'), 'w') as f:
        f.write(table)
    print(table)

    # One plot per arch: faults and time per MiB against size, log scales.
    for arch in sorted({k[0] for k in runs}):
        data = os.path.join(outdir, f'plot-{arch}.dat')
        series = []
        with open(data, 'w') as f:
            for (a, cpu, dev), sizes in runs.items():
                if a != arch:
                    continue
                for kind in ('base', 'series'):
                    pts = [(sz, sizes[sz][kind]) for sz in sorted(sizes) if kind in sizes[sz]]
                    if not pts:
                        continue
                    series.append(f'{BASE if kind == "base" else "series"} {dev} {cpu}')
                    f.write(f'# {series[-1]}\n')
                    for sz, r in pts:
                        f.write(f'{sz} {r["write2_faults"]} {r["us_per_mib"]}\n')
                    f.write('\n\n')
        png = os.path.join(outdir, f'dumb_mmap-{arch}.png')
        plots = lambda col: ', '.join(
            f"'{data}' index {i} using 1:{col} with linespoints title '{t}'"
            for i, t in enumerate(series))
        script = f"""
set terminal pngcairo noenhanced size 1200,560 font ',10'
set output '{png}'
set multiplot layout 1,2 title 'dumb buffer write-touch, {arch} QEMU TCG: {BASE} against the series'
set logscale xy 2
set xlabel 'buffer size (MiB)'
set grid
set key below
set ylabel 'page faults'
plot {plots(2)}
set logscale y 10
set ylabel 'µs per MiB (median of 5 passes)'
plot {plots(3)}
unset multiplot
"""
        subprocess.run(['gnuplot'], input=script, text=True, check=True)
        os.unlink(data)


if __name__ == '__main__':
    main()
