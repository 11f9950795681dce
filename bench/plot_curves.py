#!/usr/bin/env python3
"""plot_curves.py - bits-per-byte learning curves (CSV from bench_models --curve) as
one SVG, with no third-party package.

    bench/plot_curves.py OUT.svg LABEL=FILE.csv [LABEL=FILE.csv ...] [--hline LABEL=BPB]

Each CSV has the columns bytes,bpb_window,bpb_total. The plot shows bpb_window
(thin) and bpb_total (thick) against bytes coded; --hline draws a reference level
(e.g. xz -9's bits per byte on the same bytes).
"""
import csv
import sys

W, H = 900, 520
ML, MR, MT, MB = 70, 200, 30, 55
COLORS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b",
          "#e377c2", "#17becf", "#7f7f7f", "#bcbd22"]


def main(argv):
    if len(argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    out = argv[1]
    series, hlines = [], []
    args = argv[2:]
    i = 0
    while i < len(args):
        if args[i] == "--hline":
            label, val = args[i + 1].split("=", 1)
            hlines.append((label, float(val)))
            i += 2
            continue
        label, path = args[i].split("=", 1)
        xs, win, tot = [], [], []
        with open(path) as f:
            for row in csv.DictReader(f):
                xs.append(float(row["bytes"]))
                win.append(float(row["bpb_window"]))
                tot.append(float(row["bpb_total"]))
        if xs:
            series.append((label, xs, win, tot))
        i += 1
    if not series:
        print("no data", file=sys.stderr)
        return 1
    xmax = max(max(s[1]) for s in series)
    ys = [v for s in series for v in s[2] + s[3]] + [h[1] for h in hlines]
    ymin = max(0.0, min(ys) - 0.2)
    ymax = min(8.5, max(ys) + 0.2)

    def px(x):
        return ML + (W - ML - MR) * x / xmax

    def py(y):
        return MT + (H - MT - MB) * (1 - (y - ymin) / (ymax - ymin))

    o = ['<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" '
         'font-family="sans-serif" font-size="12">' % (W, H),
         '<rect width="100%" height="100%" fill="white"/>']
    # axes and grid
    step = 0.5 if ymax - ymin > 2 else 0.25
    y = step * int(ymin / step)
    while y <= ymax:
        if y >= ymin:
            o.append('<line x1="%d" y1="%.1f" x2="%d" y2="%.1f" stroke="#ddd"/>'
                     % (ML, py(y), W - MR, py(y)))
            o.append('<text x="%d" y="%.1f" text-anchor="end">%.2f</text>'
                     % (ML - 6, py(y) + 4, y))
        y += step
    unit, name = (1e6, "MB") if xmax >= 2e6 else (1e3, "KB")
    nt = 8
    for k in range(nt + 1):
        x = xmax * k / nt
        o.append('<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="#eee"/>'
                 % (px(x), MT, px(x), H - MB))
        o.append('<text x="%.1f" y="%d" text-anchor="middle">%.1f</text>'
                 % (px(x), H - MB + 16, x / unit))
    o.append('<text x="%d" y="%d" text-anchor="middle">bytes coded (%s)</text>'
             % ((ML + W - MR) // 2, H - 15, name))
    o.append('<text x="15" y="%d" transform="rotate(-90 15 %d)" text-anchor="middle">'
             'bits per byte</text>' % ((MT + H - MB) // 2, (MT + H - MB) // 2))
    o.append('<rect x="%d" y="%d" width="%d" height="%d" fill="none" stroke="#333"/>'
             % (ML, MT, W - ML - MR, H - MT - MB))
    for label, val in hlines:
        o.append('<line x1="%d" y1="%.1f" x2="%d" y2="%.1f" stroke="#000" '
                 'stroke-dasharray="6,4"/>' % (ML, py(val), W - MR, py(val)))
        o.append('<text x="%d" y="%.1f">%s %.3f</text>' % (W - MR + 6, py(val) + 4, label, val))
    for n, (label, xs, win, tot) in enumerate(series):
        c = COLORS[n % len(COLORS)]
        pts = " ".join("%.1f,%.1f" % (px(x), py(min(max(v, ymin), ymax))) for x, v in zip(xs, win))
        o.append('<polyline points="%s" fill="none" stroke="%s" stroke-width="0.8" '
                 'opacity="0.45"/>' % (pts, c))
        pts = " ".join("%.1f,%.1f" % (px(x), py(min(max(v, ymin), ymax))) for x, v in zip(xs, tot))
        o.append('<polyline points="%s" fill="none" stroke="%s" stroke-width="2"/>' % (pts, c))
        ly = MT + 14 + 18 * n + 18 * len(hlines)
        o.append('<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="%s" stroke-width="2"/>'
                 % (W - MR + 6, ly - 4, W - MR + 26, ly - 4, c))
        o.append('<text x="%d" y="%d">%s %.3f</text>' % (W - MR + 30, ly, label, tot[-1]))
    o.append('<text x="%d" y="18">thick: bits per byte so far; thin: per window</text>' % ML)
    o.append("</svg>")
    with open(out, "w") as f:
        f.write("\n".join(o) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
