#!/usr/bin/env bash
# Many files: -r with -T1 and -T2 gives the same bytes and round-trips; --summary
# has one row per file and totals that add up; a failing file among good ones gives
# exit 1 while the others are still done; -q is silent; a signal with several jobs
# in flight removes every temporary file.
source "$(dirname "$0")/common.bash"

# A tree of 50 small files in three directories, sizes from 0 to a few KB.
mkdir -p tree/a/deep tree/b
for i in $(seq 1 50); do
	case $((i % 3)) in
	0) dir=tree ;;
	1) dir=tree/a ;;
	2) dir=tree/a/deep ;;
	esac
	[ "$i" -gt 44 ] && dir=tree/b
	if [ $((i % 7)) -eq 0 ]; then make_random "$dir/f$i" $((i * 37)); else make_text "$dir/f$i" $((i * 97 - 97)); fi
done
nfiles=$(find tree -type f | wc -l)
[ "$nfiles" -eq 50 ] && pass || fail "expected 50 files, made $nfiles"
cp -a tree orig
cp -a tree t1
cp -a tree t2

# -T1 and -T2 write the same bytes; every input is replaced by its .nz.
expect 0 "$NZIP" -r -T1 --model order2 t1
expect 0 "$NZIP" -r -T2 --model order2 t2
[ "$(find t1 -type f -name '*.nz' | wc -l)" -eq 50 ] && pass || fail "-T1: not 50 outputs"
[ "$(find t2 -type f ! -name '*.nz' | wc -l)" -eq 0 ] && pass || fail "-T2: inputs left behind"
if diff -r t1 t2 > /dev/null; then pass; else fail "-T1 and -T2 outputs differ: $(diff -rq t1 t2 | head -3)"; fi
no_temp_files

# The same with a context-mixing level, kept inputs, and -T3 (more threads than cores
# on a small machine: still the same bytes).
rm -rf c1 c3 && cp -a orig c1 && cp -a orig c3
expect 0 "$NZIP" -r -k -1 -T1 c1
expect 0 "$NZIP" -r -k -1 -T3 c3
if diff -r c1 c3 > /dev/null; then pass; else fail "-1: -T1 and -T3 outputs differ"; fi
[ "$(find c3 -name '*.nz' | wc -l)" -eq 50 ] && pass || fail "-1 -T3: not 50 outputs"

# Round trip, with -T2 (and with the default, all cores).
expect 0 "$NZIP" -d -r -T2 t2
if diff -r t2 orig > /dev/null; then pass; else fail "-T2 round trip differs: $(diff -rq t2 orig | head -3)"; fi
expect 0 "$NZIP" -d -r t1
if diff -r t1 orig > /dev/null; then pass; else fail "default -T round trip differs"; fi

# --summary: a header, one row per file in input order, a totals row; the byte
# columns are the files' sizes and the totals their sums.
rm -rf s && cp -a orig s
expect 0 "$NZIP" -r -T2 --model order2 --summary s
cp "$T_ERR" summary.txt
rows=$(($(wc -l < summary.txt) - 2))
[ "$rows" -eq 50 ] && pass || fail "summary: $rows rows, expected 50: $(head -c 300 summary.txt)"
head -1 summary.txt | grep -q 'ratio.*bpb.*MB/s.*name' && pass || fail "summary header: $(head -1 summary.txt)"
tail -1 summary.txt | grep -q '(total: 50 files)' && pass || fail "totals row: $(tail -1 summary.txt)"
in_sum=$(find orig -type f -printf '%s\n' | awk '{ s += $1 } END { print s }')
out_sum=$(find s -type f -name '*.nz' -printf '%s\n' | awk '{ s += $1 } END { print s }')
read -r t_in t_out _ <<< "$(tail -1 summary.txt)"
[ "$t_in" = "$in_sum" ] && pass || fail "totals in: $t_in, files hold $in_sum"
[ "$t_out" = "$out_sum" ] && pass || fail "totals out: $t_out, outputs hold $out_sum"
rows_in=$(sed '1d;$d' summary.txt | awk '{ s += $1 } END { print s }')
rows_out=$(sed '1d;$d' summary.txt | awk '{ s += $2 } END { print s }')
[ "$rows_in" = "$in_sum" ] && [ "$rows_out" = "$out_sum" ] && pass || fail "rows sum to $rows_in/$rows_out, not $in_sum/$out_sum"
# Each row's numbers are that file's: in = its size, out = its .nz's size.
bad=0
while read -r in out _ _ _ _ name; do
	orig_name=orig/${name#s/}
	[ "$in" = "$(stat -c %s "$orig_name")" ] && [ "$out" = "$(stat -c %s "$name.nz")" ] || bad=$((bad + 1))
done < <(sed '1d;$d' summary.txt)
[ "$bad" -eq 0 ] && pass || fail "$bad summary rows with wrong sizes"
# Rows in input order (name order within each directory, as -r walks).
sed '1d;$d' summary.txt | awk '{ print $NF }' > order.txt
(cd s && find . -name '*.nz' | sed 's|^\./|s/|; s|\.nz$||') | LC_ALL=C sort > sorted.txt
LC_ALL=C sort -c order.txt 2> /dev/null && pass || fail "summary rows not in input order"
LC_ALL=C sort order.txt | cmp -s - sorted.txt && pass || fail "summary names are not the files"
# -t and -d have summaries too, with in and out swapped.
expect 0 "$NZIP" -t -r -T2 --summary s
tail -1 "$T_ERR" | grep -q "^ *$out_sum  *$in_sum .*(total: 50 files)" && pass || fail "-t totals: $(tail -1 "$T_ERR")"
[ $(($(wc -l < "$T_ERR") - 2)) -eq 50 ] && pass || fail "-t summary rows"
# -v on several files prints the table after its per-file lines.
expect 0 "$NZIP" -d -r -T2 -v s
grep -q "(total: 50 files)" "$T_ERR" && pass || fail "-v on several files: no table"
[ "$(grep -c ' -> s/' "$T_ERR")" -eq 50 ] && pass || fail "-v: not 50 per-file lines"
if diff -r s orig > /dev/null; then pass; else fail "summary run round trip differs"; fi
# One file with --summary: its row and the totals.
expect 0 "$NZIP" -k --model order2 --summary orig/f3
[ "$(wc -l < "$T_ERR")" -eq 3 ] && grep -q "^ *$(stat -c %s orig/f3)  *$(stat -c %s orig/f3.nz) .*orig/f3$" "$T_ERR" \
	&& pass || fail "one-file summary: $(cat "$T_ERR")"
rm orig/f3.nz
# A control character in a name is shown as '?', so the table stays one row a file.
mkdir odd && make_text "odd/x$(printf '\t')y" 500 && make_text odd/z 500
expect 0 "$NZIP" -r -T2 --summary odd
grep -q 'odd/x?y$' "$T_ERR" && pass || fail "name not made safe: $(cat -A "$T_ERR" | head -3)"

# A failing file among good ones: exit 1, one error line, the others done.
rm -rf f && cp -a orig f
: > f/a/f4.nz  # f/a/f4's output name is taken
expect 1 "$NZIP" -r -T2 --model order2 --summary f
[ "$(grep -c '^nzip: ' "$T_ERR")" -eq 1 ] && grep -q 'f/a/f4.nz: already exists' "$T_ERR" && pass || fail "errors: $(grep '^nzip' "$T_ERR")"
grep -q 'f/a/f4 (failed)$' "$T_ERR" && pass || fail "no failed row"
grep -q '(total: 49 files, 1 failed)' "$T_ERR" && pass || fail "totals row: $(tail -1 "$T_ERR")"
[ "$(find f -name '*.nz' -size +0 | wc -l)" -eq 49 ] && pass || fail "not 49 outputs beside the failure"
exists f/a/f4
rm f/a/f4.nz
# Decompression: one corrupt file among good ones.
printf 'garbage' > f/a/zz.nz
expect 1 "$NZIP" -d -r -T2 f
[ "$(grep -c '^nzip: ' "$T_ERR")" -eq 1 ] && grep -q 'zz.nz' "$T_ERR" && pass || fail "errors: $(cat "$T_ERR")"
rm f/a/zz.nz
exists f/a/f4
if diff -r f orig > /dev/null; then pass; else fail "good files not all restored"; fi

# -q: nothing on stderr; errors still shown.
rm -rf q && cp -a orig q
expect 0 "$NZIP" -q -r -T2 --model order2 q
[ -s "$T_ERR" ] && fail "-q printed: $(head -c 200 "$T_ERR")" || pass
expect 0 "$NZIP" -q -d -r -T2 q
[ -s "$T_ERR" ] && fail "-q -d printed: $(head -c 200 "$T_ERR")" || pass

# Several files to stdout stay in order (one after the other): -c gives the frames
# in operand order whatever -T.
expect 0 "$NZIP" -c -T2 --model order2 orig/f3 orig/a/f1 orig/b/f45
cp "$T_OUT" cat.nz
cat orig/f3 orig/a/f1 orig/b/f45 > cat.orig
expect 0 "$NZIP" -dc cat.nz && same "$T_OUT" cat.orig

# A signal with two jobs in flight: every temporary file goes, inputs stay, and nzip
# dies by the signal.
set -m
mkdir sig
make_corpus sig/big1 3000000 gcide
make_corpus sig/big2 3000000 linux
cp -a sig sig.orig
"$NZIP" -r -T2 --model order2 sig 2> /dev/null &
pid=$!
for ((i = 0; i < 200; i++)); do
	[ "$(find sig -name '*.nztmp.*' | wc -l)" -ge 2 ] && break
	kill -0 $pid 2> /dev/null || break
	sleep 0.05
done
if [ "$(find sig -name '*.nztmp.*' | wc -l)" -ge 2 ]; then
	kill -TERM $pid
	wait $pid
	rc=$?
	[ $rc -eq 143 ] && pass || fail "SIGTERM with two jobs: exit $rc, expected 143"
	no_temp_files sig
	absent sig/big1.nz
	absent sig/big2.nz
	if diff -r sig sig.orig > /dev/null; then pass; else fail "inputs changed after the signal"; fi
else
	wait $pid
	note "SKIP signal with two jobs: they ended before both were under way"
fi
set +m

# On a terminal (util-linux script): one progress line for all the files, counting
# them, then cleared; -q shows nothing.
if script -qec true /dev/null > /dev/null 2>&1; then
	script -qec "'$NZIP' -k -T2 --model order2 sig/big1 sig/big2" /dev/null > tty.out 2>&1
	grep -q '/2 files .*MB/s' tty.out && pass || fail "no batch progress line: $(head -c 300 tty.out | cat -v)"
	grep -q 'big1:' tty.out && fail "a one-file line in a batch: $(head -c 300 tty.out | cat -v)" || pass
	tail -c 20 tty.out | grep -q $'\r\e\[K' && pass || fail "batch progress not cleared at the end"
	rm -f sig/*.nz
	script -qec "'$NZIP' -q -k -T2 --model order2 sig/big1 sig/big2" /dev/null > tty.out 2>&1
	[ -s tty.out ] && fail "-q on a terminal printed: $(head -c 200 tty.out | cat -v)" || pass
else
	note "SKIP terminal checks: util-linux script is not available"
fi

finish
