#!/usr/bin/env bash
# Nothing lost on failure: a signal during compression or decompression removes the
# partial output and leaves the input intact; nzip dies by the signal (128+N); an
# error half-way leaves no output; a closed pipe ends nzip without a hang.
source "$(dirname "$0")/common.bash"

# Job control: background jobs get their own process group and keep SIGINT (a
# non-interactive shell would start them with SIGINT ignored, which nzip respects).
set -m

# A job that lasts a second or more (order2 is the baseline model, always present).
make_corpus big 3000000 gcide
cp big big.orig

# wait_for_temp PID: true once a temporary output exists (the job is under way).
wait_for_temp() {
	local i
	for ((i = 0; i < 200; i++)); do
		ls ./*.nztmp.* > /dev/null 2>&1 && return 0
		kill -0 "$1" 2> /dev/null || return 1
		sleep 0.05
	done
	return 1
}

for sig in INT TERM HUP; do
	"$NZIP" --model order2 big 2> err &
	pid=$!
	if ! wait_for_temp $pid; then
		wait $pid
		note "SKIP SIG$sig during compression: the job ended before it could be interrupted"
		rm -f big.nz
		continue
	fi
	sleep 0.3
	kill -s $sig $pid
	wait $pid
	rc=$?
	want=$((128 + $(kill -l $sig)))
	[ $rc -eq $want ] && pass || fail "SIG$sig: exit $rc, expected $want"
	absent big.nz
	no_temp_files
	same big big.orig
done

# Decompression interrupted: no partial output, the .nz file stays.
cp big.orig mid
"$NZIP" --model order2 mid || fail "setup"
cp mid.nz mid.nz.orig
"$NZIP" -d mid.nz 2> err &
pid=$!
if wait_for_temp $pid; then
	kill -TERM $pid
	wait $pid
	[ $? -eq 143 ] && pass || fail "SIGTERM during -d"
	absent mid
	no_temp_files
	same mid.nz mid.nz.orig
else
	wait $pid
	note "SKIP SIGTERM during decompression: the job was too short"
	rm -f mid
fi

# -o: the named output never appears half-written either.
"$NZIP" --model order2 -o named.nz big 2> err &
pid=$!
if wait_for_temp $pid; then
	kill -INT $pid
	wait $pid
	absent named.nz
	no_temp_files
else
	wait $pid
fi

# The input grows while it is compressed: the job fails, no output, input kept (the
# library may have read it all already: nzip then notices the size changed).
cp big.orig grow
"$NZIP" --model order2 grow 2> err &
pid=$!
if wait_for_temp $pid; then
	head -c 100000 /dev/urandom >> grow
	wait $pid
	rc=$?
	[ $rc -eq 1 ] && pass || fail "growing input: exit $rc"
	exists grow
	[ "$(wc -c < grow)" -eq 3100000 ] && pass || fail "growing input: input changed"
	absent grow.nz
	no_temp_files
else
	wait $pid
fi

# An error half-way through decompression: the partial output is removed.
cp mid.nz.orig bad.nz
size=$(wc -c < bad.nz)
printf 'XXXXXXXX' | dd of=bad.nz bs=1 seek=$((size * 3 / 4)) conv=notrunc status=none
expect_error "$NZIP" -d bad.nz
absent bad
exists bad.nz
no_temp_files

# A reader that goes away: SIGPIPE ends nzip (a hang would hit ctest's timeout).
"$NZIP" -dc mid.nz.orig | head -c 1000 > /dev/null
st=${PIPESTATUS[0]}
[ $st -eq 141 ] || [ $st -eq 0 ] && pass || fail "SIGPIPE while decompressing: exit $st"
"$NZIP" -c --model order2 big | head -c 1000 > /dev/null
st=${PIPESTATUS[0]}
[ $st -eq 141 ] && pass || fail "SIGPIPE while compressing: exit $st"
same big big.orig

# A signal ignored by the parent (nohup) stays ignored: the job completes.
cp mid.nz.orig calm.nz
( trap '' HUP; exec "$NZIP" -d calm.nz ) &
pid=$!
wait_for_temp $pid && kill -HUP $pid
wait $pid
[ $? -eq 0 ] && pass || fail "ignored SIGHUP interrupted the job"
same calm big.orig

no_temp_files
finish
