#!/usr/bin/env bash
# -t (test), -l (list), --verify and -v statistics.
source "$(dirname "$0")/common.bash"

make_text txt 200000
make_random rnd 50000
"$NZIP" -k txt rnd || fail "setup"
cp txt.nz damaged.nz
printf '\x00\x00\x00' | dd of=damaged.nz bs=1 seek=$(( $(wc -c < txt.nz) / 2 )) conv=notrunc status=none

# -t: silent on success, never writes a file, never removes the input.
expect 0 "$NZIP" -t txt.nz rnd.nz
[ -s "$T_ERR" ] || [ -s "$T_OUT" ] && fail "-t should be silent: $(cat "$T_ERR")" || pass
exists txt.nz; exists rnd.nz
expect 0 "$NZIP" -tv txt.nz
stderr_has "txt.nz: OK"
expect 0 "$NZIP" -t < txt.nz
# One bad file: reported, the others still tested, exit 1.
expect 1 "$NZIP" -tv txt.nz damaged.nz rnd.nz
stderr_has "txt.nz: OK"; stderr_has "rnd.nz: OK"; stderr_has "damaged.nz:"
expect_error "$NZIP" -t txt
exists damaged.nz

# -l: one row per file, from the header and the file size.
expect 0 "$NZIP" -l txt.nz
head -1 "$T_OUT" | grep -q 'compressed.*uncompressed.*ratio.*model.*lanes.*block.*memory.*name' \
	&& pass || fail "-l header: $(head -1 "$T_OUT")"
row=$(sed -n 2p "$T_OUT")
read -r comp raw ratio _ <<< "$row"
[ "$comp" = "$(wc -c < txt.nz)" ] && pass || fail "-l compressed: $comp"
[ "$raw" = 200000 ] && pass || fail "-l uncompressed: $raw"
[[ "$ratio" == *% ]] && pass || fail "-l ratio: $ratio"
[[ "$row" == *txt.nz ]] && pass || fail "-l name: $row"
model=$("$NZIP" -h | awk '/^  -6 / { print $2 }')
[[ "$row" == *" $model "* ]] && pass || fail "-l model (expected $model): $row"
# Several files: a totals line; -v: every header field.
expect 0 "$NZIP" -l txt.nz rnd.nz
[ "$(wc -l < "$T_OUT")" -eq 4 ] && grep -q totals "$T_OUT" && pass || fail "-l totals: $(cat "$T_OUT")"
expect 0 "$NZIP" -lv txt.nz
grep -q 'format 2' "$T_OUT" && pass || fail "-lv: $(cat "$T_OUT")"
# the default level is context mixing: its tables and mixers are described
grep -q 'bit-wise coding.*hash [0-9]*[KMG], match .*context kinds' "$T_OUT" && pass ||
  fail "-lv model parameters: $(cat "$T_OUT")"
# Made from a pipe: the header does not know the size, the footer does.
"$NZIP" < txt > piped.nz
expect 0 "$NZIP" -l piped.nz
sed -n 2p "$T_OUT" | awk '{ exit !($2 == 200000 && $9 == 1) }' && pass ||
	fail "-l size from the footer: $(cat "$T_OUT")"
# Read from a pipe, only the first header is seen: size and frames unknown.
expect 0 "$NZIP" -l < piped.nz
sed -n 2p "$T_OUT" | awk '{ exit !($2 == "?" && $9 == "?") }' && pass ||
	fail "-l from a pipe: $(cat "$T_OUT")"
grep -q '(stdin)' "$T_OUT" && pass || fail "-l stdin"
# Several frames: counted, sizes totalled; -v describes each.
cat txt.nz piped.nz txt.nz > three.nz
expect 0 "$NZIP" -l three.nz
sed -n 2p "$T_OUT" | awk -v c="$(wc -c < three.nz)" '{ exit !($1 == c && $2 == 600000 && $9 == 3) }' &&
	pass || fail "-l three frames: $(cat "$T_OUT")"
expect 0 "$NZIP" -lv three.nz
[ "$(grep -c '^    frame [123]: ' "$T_OUT")" -eq 3 ] && pass || fail "-lv frames: $(cat "$T_OUT")"
# A damaged second frame, a truncated third, garbage after the last: one line naming it.
head -c $(( $(wc -c < three.nz) - 10 )) three.nz > cut3.nz
expect_error "$NZIP" -l cut3.nz
stderr_has "frame 3: "
{ cat txt.nz; echo garbage; } > junk.nz
expect_error "$NZIP" -l junk.nz
stderr_has "frame 2: trailing garbage"
# Errors: bad files fail with one line, the others are listed.
expect 1 "$NZIP" -l txt.nz txt rnd.nz
[ "$(wc -l < "$T_OUT")" -eq 4 ] && pass || fail "-l with one bad file: $(cat "$T_OUT")"

# --memlimit: a file needing more is refused with the amounts; no output is left.
need=$("$NZIP" -l txt.nz | awk 'NR == 2 { print $8 }')
note "txt.nz needs $need of memory to decode"
cp txt.nz lim.nz
expect_error "$NZIP" -d --memlimit 1K lim.nz
stderr_has "more than the limit"
absent lim; exists lim.nz
expect_error "$NZIP" -t --memlimit 1K lim.nz
expect 0 "$NZIP" -t --memlimit 16G lim.nz

# --verify: compress, decode what was written, compare, then remove the input.
cp txt v1
expect 0 "$NZIP" --verify -v v1
stderr_has "verified"
absent v1; exists v1.nz
"$NZIP" -dc v1.nz | cmp -s - txt && pass || fail "--verify output"
expect 0 "$NZIP" --verify -c rnd && "$NZIP" -dc < "$T_OUT" | cmp -s - rnd && pass || fail "--verify -c"
expect 0 "$NZIP" --verify -0 -c txt && "$NZIP" -dc < "$T_OUT" | cmp -s - txt && pass || fail "--verify -0"
: > empty
expect 0 "$NZIP" --verify -k empty
"$NZIP" --verify < txt > pv.nz && "$NZIP" -dc pv.nz | cmp -s - txt && pass || fail "--verify pipe"

# -v: one statistics line per file.
cp txt s1
expect 0 "$NZIP" -v s1
grep -Eq '^nzip: s1: 200000 -> [0-9]+ bytes, [0-9.]+%, [0-9.]+ bpb, [0-9.]+ MB/s, [0-9.]+ s -> s1.nz$' "$T_ERR" \
	&& pass || fail "-v line: $(cat "$T_ERR")"
expect 0 "$NZIP" -dv s1.nz
grep -Eq '^nzip: s1.nz: [0-9]+ -> 200000 bytes, [0-9.]+ MB/s, [0-9.]+ s -> s1$' "$T_ERR" \
	&& pass || fail "-dv line: $(cat "$T_ERR")"
# -q: nothing on stderr on success.
cp txt q1
expect 0 "$NZIP" -q q1
[ -s "$T_ERR" ] && fail "-q printed: $(cat "$T_ERR")" || pass

no_temp_files
finish
