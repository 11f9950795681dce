#!/usr/bin/env bash
# The reader and writer threads (cli/io_thread.c): input that arrives slowly, output
# drained slowly, a write error that only the final flush sees, and a decoder that
# fails while its input pipe is still open (it must not wait for the writer of the
# pipe to finish).
source "$(dirname "$0")/common.bash"

# Larger than one I/O chunk (1 MiB), so regular files use the threads too; a file of
# one chunk or less is read and written inline (io_thread.c), covered by "one" below.
make_random f 1500000
cp f f.orig

# Input in pieces with pauses between them: the reader hands each piece on.
(head -c 1000 f; sleep 0.3; head -c 700000 f | tail -c +1001; sleep 0.3; tail -c +700001 f) |
	"$NZIP" -1 -c > slow.nz 2> "$T_ERR"
"$NZIP" -dc slow.nz | cmp -s - f.orig && pass || fail "slow input did not round-trip"
"$NZIP" -1 -c < f | cmp -s - slow.nz && pass || fail "slow input gave other bytes than one read"

# Output drained slowly through a pipe (the writer's ring fills and waits).
"$NZIP" -1 -c < f | (sleep 0.5; cat) > drained.nz
cmp -s drained.nz slow.nz && pass || fail "slowly drained output differs"
"$NZIP" -dc slow.nz | (sleep 0.5; cat) | cmp -s - f.orig && pass || fail "slow -dc reader"

# A write error seen only when the last chunk is flushed still fails the run.
if [ -w /dev/full ]; then
	printf 'x' > one
	for args in "-c one" "-1 -c f" "-dc slow.nz"; do
		# shellcheck disable=SC2086
		"$NZIP" $args > /dev/full 2> "$T_ERR"
		rc=$?
		[ "$rc" -eq 1 ] && [ "$(wc -l < "$T_ERR")" -eq 1 ] && pass ||
			fail "nzip $args > /dev/full: exit $rc, stderr: $(cat "$T_ERR")"
		stderr_has "cannot write standard output"
	done
fi

# Garbage on a pipe that stays open: one error line at once, not when the pipe's
# writer (a background job holding a FIFO open) is done.
mkfifo held
(printf 'this is not an nzip file at all'; sleep 20) > held &
writer=$!
start=$(date +%s)
expect_error timeout 15 "$NZIP" -dc < held
elapsed=$(( $(date +%s) - start ))
kill "$writer" 2>/dev/null; wait "$writer" 2>/dev/null
[ "$elapsed" -le 5 ] && pass || fail "nzip -d took ${elapsed}s to fail on an open pipe"

# -t writes nothing (no writer thread) and still checks the whole file.
expect 0 "$NZIP" -t slow.nz
head -c $(( $(wc -c < slow.nz) / 2 )) slow.nz > cut.nz
expect_error "$NZIP" -t cut.nz

finish
