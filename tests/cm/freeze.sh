#!/bin/sh
# freeze.sh NZIP INDIR [BENCH_CM] > hashes - the compressed bytes (sha256) of every CM level
# on every file of INDIR, plus cm-nn and cm-nn in lanes on the small ones and the
# scalar backend on -1/-9 (lanes and substreams through bench_cm); each output is decompressed and compared with its
# input. For refactors that must not change the output: run it before and after
# and diff the two lists (docs/CM.md, "Components").
set -eu
NZIP=$1
IN=$2
BENCH=${3:-}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
one() { # name file args...
	name=$1; f=$2; shift 2
	"$NZIP" -q -c "$@" "$f" > "$T/o.nz"
	"$NZIP" -q -d -c "$T/o.nz" > "$T/o.raw"
	cmp -s "$f" "$T/o.raw" || { echo "ROUND TRIP FAILED: $name $(basename "$f") $*" >&2; exit 1; }
	printf '%s %s %s %s\n' "$(sha256sum < "$T/o.nz" | cut -c1-16)" "$(wc -c < "$T/o.nz")" "$(basename "$f")" "$name"
}
for f in "$IN"/*; do
	for l in 1 2 3 4 5 6 7 8 9; do
		one "-$l" "$f" "-$l"
	done
done
for f in "$IN"/gcide.256k "$IN"/kppkn.gtb; do
	[ -f "$f" ] || continue
	one "-1 scalar" "$f" -1 --backend=scalar
	one "-9 scalar" "$f" -9 --backend=scalar
done
for f in "$IN"/gcide.32k; do
	[ -f "$f" ] || continue
	one "cm-nn" "$f" --model=cm-nn
	one "cm-nn scalar" "$f" --model=cm-nn --backend=scalar
done
# what the CLI cannot ask for: lanes, substreams (bench_cm prints the output hash)
if [ -n "$BENCH" ]; then
	for f in "$IN"/gcide.32k; do
		[ -f "$f" ] || continue
		echo "$("$BENCH" "$f" 9 -s -x 6=31 -x 7=2 -x 8=3 -x 9=4 | awk '{print $NF, $6}') $(basename "$f") bench cm-nn lanes=4"
	done
	for f in "$IN"/gcide.256k "$IN"/kppkn.gtb; do
		[ -f "$f" ] || continue
		for l in 1 6 9; do
			echo "$("$BENCH" "$f" $l -s -k 3 -T | awk '{print $NF, $6}') $(basename "$f") bench -$l k=3 tuned"
		done
	done
fi
