#!/bin/sh
# Writes the JPEG test files of this folder (once; they are committed): a
# synthetic 96 x 64 colour image coded by cjpeg (Debian libjpeg-turbo-progs) as
# the four layouts the JPEG model must follow or refuse. Not run by the tests.
set -eu
cd "$(dirname "$0")"
python3 - <<'PY'
import math
w, h = 96, 64
s = 20261202
def rnd():
    global s
    s = (s * 6364136223846793005 + 1442695040888963407) & (2**64 - 1)
    return s >> 58
px = bytearray()
for y in range(h):
    for x in range(w):
        e = 60 if (x - 48) ** 2 + (y - 32) ** 2 < 300 else 0
        px += bytes(max(0, min(255, int(v))) for v in (
            110 + 70 * math.sin(x / 11.0) + e + rnd(),
            120 + 50 * math.cos(y / 6.0) - e / 2 + rnd(),
            90 + x + y / 2 + rnd()))
open('/tmp/nzip-jpeg-src.ppm', 'wb').write(b'P6\n96 64\n255\n' + bytes(px))
PY
src=/tmp/nzip-jpeg-src.ppm
cjpeg -quality 85 -restart 2 -outfile c420-restart.jpg "$src"   # 4:2:0, RST markers
cjpeg -quality 90 -grayscale -outfile gray.jpg "$src"           # one component
cjpeg -quality 92 -sample 2x1 -optimize -outfile c422-opt.jpg "$src" # 4:2:2, own tables
cjpeg -quality 85 -progressive -outfile progressive.jpg "$src"  # not followed
rm -f "$src"
