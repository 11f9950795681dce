#!/usr/bin/env bash
# Exit codes and the command line: 0 success, 1 error, 2 usage; -h, --version; every
# malformed option is a usage error that touches no file.
source "$(dirname "$0")/common.bash"

make_text f 1000
cp f f.orig

expect 0 "$NZIP" -h && grep -q '^Usage: nzip' "$T_OUT" && pass || fail "-h has no usage line"
grep -q -- '--memlimit' "$T_OUT" && grep -q '^Models: ' "$T_OUT" && grep -q -- '-9 ' "$T_OUT" \
	&& pass || fail "-h lacks options, models or levels"
expect 0 "$NZIP" --help
expect 0 "$NZIP" --version && grep -q '^nzip [0-9]' "$T_OUT" && pass || fail "--version output"
expect 0 "$NZIP" -V

# Usage errors: exit 2, a message and the hint, nothing written, input untouched.
while IFS= read -r args; do
	# shellcheck disable=SC2086
	expect 2 "$NZIP" $args f || continue
	grep -q '^nzip: ' "$T_ERR" && grep -q "nzip -h" "$T_ERR" && pass || fail "'$args': no usage message"
	same f f.orig
	absent f.nz
done <<'ARGS'
--bogus
-x
-Q
--level
--level 10
--level x
-19
-10
-k99
--backend nosuch
--backend
-T
-T abc
-T -1
--threads=
--model nosuchmodel
--model
--lanes abc
--lanes 1x
--lanes 99999999999
--hidden -3
--ffn 1.5
--context 1Q
--lr 0
--lr -1
--lr abc
--lr nan
--lr inf
--seed -1
--seed 18446744073709551616
--block-size 1000
--block-size 3K
--block-size 8G
--memlimit lots
--memlimit 200%
--memlimit 0%
--substreams x
--suffix=a/b
-o f.out -c
--keep=yes
--stdout=1
ARGS

for opt in -o -S -T --model --lr --memlimit --output --suffix; do expect 2 "$NZIP" $opt; done
expect 2 "$NZIP" -S '' f && absent f.nz && same f f.orig
expect 2 "$NZIP" -k f --suffix= && absent f.nz

# -o with several inputs, -o with -t/-l, -o with -r.
cp f g
expect 2 "$NZIP" -o out f g && absent out
expect 2 "$NZIP" -t -o out f
expect 2 "$NZIP" -l -o out f
expect 2 "$NZIP" -r -o out f
# A parameter the model refuses is a usage error, found before any file is touched.
expect 2 "$NZIP" --lanes 4000000000 f && absent f.nz && exists f

# Accepted forms: suffixes, =, separate value, grouped options, "--".
expect 0 "$NZIP" -c --block-size=64K f
expect 0 "$NZIP" -c --block-size 1M f
expect 0 "$NZIP" -c --block-size 1MiB f
expect 0 "$NZIP" -c -T0 f
expect 0 "$NZIP" -c -T 2 f
expect 0 "$NZIP" -c --threads=1 -9 f
expect 0 "$NZIP" -ck1 f
expect 0 "$NZIP" -c --level 3 f
# digits run together are one level: -09 is -9 (and -19 above is refused)
"$NZIP" -c -9 f > l9.nz && expect 0 "$NZIP" -c -09 f && cmp -s "$T_OUT" l9.nz && pass || fail "-09 is not -9"
rm -f l9.nz
expect 0 "$NZIP" -c --backend scalar -1 f
expect 0 "$NZIP" -cSxyz f
expect 0 "$NZIP" -c --best f
expect 0 "$NZIP" -c --fast f
expect 0 "$NZIP" -c --no-progress f
expect 0 "$NZIP" -c --verify f
"$NZIP" -c f > f.nz
for m in 100M 1G 50% max 0; do expect 0 "$NZIP" -dc --memlimit "$m" f.nz; done
rm f.nz

# Errors: exit 1. Missing file; one bad file among good ones: the others are done.
expect_error "$NZIP" nosuchfile
stderr_has "nosuchfile: No such file or directory"
cp f a; cp f c
expect 1 "$NZIP" a nosuchfile c
exists a.nz; exists c.nz; absent a; absent c
grep -c '^nzip: ' "$T_ERR" | grep -qx 1 && pass || fail "one message expected: $(cat "$T_ERR")"
expect 1 "$NZIP" -d a.nz nosuch.nz c.nz
exists a; exists c
same a f.orig
# -q silences warnings, never errors.
expect 1 "$NZIP" -q nosuchfile && stderr_has "nosuchfile"

finish
