#!/usr/bin/env bash
# What nzip refuses to do: overwrite without -f, compress names that already have the
# suffix, decompress names without it, follow links, treat directories or special
# files as data, remove files with other hard links, write over its own input.
source "$(dirname "$0")/common.bash"

make_text f 5000
cp f f.orig

# Never overwrite without -f; the existing output and the input stay as they were.
echo "precious" > f.nz
expect_error "$NZIP" f
stderr_has "already exists"
exists f; [ "$(cat f.nz)" = precious ] && pass || fail "existing f.nz was changed"
expect 0 "$NZIP" -f f && absent f && expect 0 "$NZIP" -d f.nz && same f f.orig
"$NZIP" -k f
echo "precious" > f.2
cp f.nz keep.nz
echo "precious" > f
expect_error "$NZIP" -d f.nz
[ "$(cat f)" = precious ] && pass || fail "existing f was changed by -d"
exists f.nz
expect 0 "$NZIP" -df f.nz && same f f.orig
expect_error "$NZIP" -o f.2 f
[ "$(cat f.2)" = precious ] && pass || fail "-o overwrote without -f"
expect 0 "$NZIP" -f -o f.2 f && "$NZIP" -dc f.2 | cmp -s - f.orig && pass || fail "-f -o"

# Input and output the same file.
cp keep.nz same.nz
expect_error "$NZIP" -f -d -o same.nz same.nz
same same.nz keep.nz

# Suffix rules.
# A skipped file is a warning, as in gzip: exit 2, one line, none under -q.
cp keep.nz k2.nz
expect_warning "$NZIP" k2.nz
stderr_has "already has .nz suffix"
same k2.nz keep.nz
expect 2 "$NZIP" -q k2.nz && [ ! -s "$T_ERR" ] && pass || fail "-q: a skip still printed $(cat "$T_ERR")"
cp f.orig plain
expect_warning "$NZIP" -d plain
stderr_has "unknown suffix"
exists plain
cp keep.nz .nz
expect_warning "$NZIP" -d .nz
# With -c the name does not matter.
expect 0 "$NZIP" -dc keep.nz && same "$T_OUT" f.orig
cp keep.nz noext
expect 0 "$NZIP" -dc noext && same "$T_OUT" f.orig
expect 0 "$NZIP" -d -o fromnoext noext && same fromnoext f.orig

# Directories: skipped with a warning without -r; an error elsewhere still wins.
mkdir dir
expect_warning "$NZIP" dir
stderr_has "is a directory"
expect_warning "$NZIP" -d dir
expect_warning "$NZIP" -t dir
expect 2 "$NZIP" -q dir && [ ! -s "$T_ERR" ] && pass || fail "-q: a skipped directory printed"
expect 1 "$NZIP" -k dir nosuchfile f.orig && exists f.orig.nz && pass || fail "error + skip: not 1"
rm -f f.orig.nz
# A directory where the output would go.
cp f.orig blocked; mkdir blocked.nz
expect_error "$NZIP" -f blocked
exists blocked

# Symbolic links: refused unless -f (or -c); the link is never removed without -f.
ln -s f.orig link
expect_warning "$NZIP" link
stderr_has "symbolic link"
[ -L link ] && absent link.nz
expect 0 "$NZIP" -c link && "$NZIP" -dc < "$T_OUT" | cmp -s - f.orig && pass || fail "-c link"

# Hard links: refused unless -k or -f (removing one name frees nothing).
cp f.orig h1; ln h1 h2
expect_error "$NZIP" h1
stderr_has "other link"
exists h1; absent h1.nz
expect 0 "$NZIP" -k h1 && exists h1.nz && exists h1

# Special files: a FIFO is refused without -c, read with -c.
if mkfifo fifo 2>/dev/null; then
	expect_error "$NZIP" fifo
	stderr_has "not a regular file"
	( cat f.orig > fifo & )
	expect 0 timeout 20 "$NZIP" -c fifo && "$NZIP" -dc < "$T_OUT" | cmp -s - f.orig && pass || fail "-c fifo"
	[ -p fifo ] && pass || fail "fifo removed"
fi
expect 0 "$NZIP" -c /dev/null && "$NZIP" -dc < "$T_OUT" | cmp -s - /dev/null && pass || fail "/dev/null"

# Unreadable files (not testable as root: root reads everything).
if [ "$(id -u)" -ne 0 ]; then
	cp f.orig secret; chmod 000 secret
	expect_error "$NZIP" secret
	stderr_has "Permission denied"
	absent secret.nz
	chmod 644 secret
	# An unwritable directory: no output, input kept.
	mkdir ro; cp f.orig ro/x; chmod 555 ro
	expect_error "$NZIP" ro/x
	exists ro/x; absent ro/x.nz
	chmod 755 ro
else
	note "SKIP permission checks: running as root"
fi

# Write errors: /dev/full.
if [ -w /dev/full ]; then
	"$NZIP" -c f.orig > /dev/full 2> err; rc=$?
	[ $rc -eq 1 ] && grep -q "^nzip: f.orig: cannot write standard output: No space left" err \
		&& pass || fail "write to /dev/full: rc=$rc $(cat err)"
	"$NZIP" -dc keep.nz > /dev/full 2> err; rc=$?
	[ $rc -eq 1 ] && grep -q "^nzip: keep.nz: cannot write standard output" err \
		&& pass || fail "-dc to /dev/full: rc=$rc $(cat err)"
fi
# -o naming a device writes into it: a temporary file renamed over it would replace
# the device node (as root, even /dev/full). Private nodes, so that a regression
# cannot damage the machine's own.
if mknod devnull c 1 3 2>/dev/null && mknod devfull c 1 7 2>/dev/null && : > devnull 2>/dev/null; then
	"$NZIP" -f -o devfull f.orig 2> err; rc=$?
	[ $rc -eq 1 ] && [ -c devfull ] && grep -q "cannot write devfull" err \
		&& pass || fail "-o devfull: rc=$rc, $(ls -l devfull) $(cat err)"
	expect 0 "$NZIP" -o devnull f.orig && [ -c devnull ] && exists f.orig \
		&& pass || fail "-o devnull replaced the device or lost the input"
	expect 0 "$NZIP" -d -o devnull keep.nz
	[ -c devnull ] && pass || fail "-d -o devnull replaced the device"
else
	note "SKIP device outputs: cannot make device nodes here"
fi
rm -f devnull devfull
mkfifo fifo.out
timeout 20 cat fifo.out > from_fifo &  # bounded: a failed nzip never opens it
expect 0 "$NZIP" -o fifo.out f.orig
wait
"$NZIP" -dc from_fifo | cmp -s - f.orig && [ -p fifo.out ] && pass || fail "-o FIFO: not written in place"
rm -f fifo.out from_fifo

# Names with control characters (an escape sequence) reach the terminal as '?':
# in the -v line, both the input and the output name, and in -l.
esc="e$(printf '\033')[31mx"
cp f.orig "$esc"
"$NZIP" -v -k --model order2 "$esc" 2> err; rc=$?
[ $rc -eq 0 ] && ! grep -q "$(printf '\033')" err && grep -q 'e?\[31mx: .* -> e?\[31mx\.nz$' err \
	&& pass || fail "-v printed a raw control character: $(cat -A err)"
"$NZIP" -l "$esc.nz" > out 2>&1; rc=$?
[ $rc -eq 0 ] && ! grep -q "$(printf '\033')" out && grep -q 'e?\[31mx\.nz$' out \
	&& pass || fail "-l printed a raw control character: $(cat -A out)"
rm -f "$esc" "$esc.nz"

# -r leaves another run's temporary output alone (it would race with its rename);
# a name that only looks similar is compressed.
mkdir rtmp && cp f.orig rtmp/a && cp f.orig rtmp/a.nztmp.Xy12Zq && cp f.orig rtmp/b.nztmp
expect 0 "$NZIP" -r -k rtmp
exists rtmp/a.nz && exists rtmp/b.nztmp.nz && absent rtmp/a.nztmp.Xy12Zq.nz
rm -r rtmp

no_temp_files
finish
