#!/usr/bin/env bash
# Damaged and hostile inputs: each must give exit code 1 and one clear line on
# stderr, never a crash, a hang or a partial output file. Covers every truncation and
# a bit flip at every byte of a small multi-block file, and the checked-in corpus of
# crafted files in tests/data/bad/ (made by tests/data/make_bad.sh).
source "$(dirname "$0")/common.bash"

TIMEOUT=30

# check_bad FILE [NAME]: -t and -d both fail cleanly; -d leaves nothing behind.
check_bad() {
	local f=$1
	expect_error timeout $TIMEOUT "$NZIP" -t "$f" || { [ "$T_RC" -eq 124 ] && fail "$f: -t hangs"; [ "$T_RC" -gt 128 ] && fail "$f: -t crashed"; }
	cp "$f" victim.nz
	expect_error timeout $TIMEOUT "$NZIP" -d victim.nz
	absent victim
	exists victim.nz
	rm -f victim victim.nz
}

# Inputs that are not nzip at all.
: > empty.nz
check_bad empty.nz
grep -q "empty" "$T_ERR" && pass || fail "empty file: message should say so: $(cat "$T_ERR")"
printf '\x89' > one.nz; check_bad one.nz
printf 'A' > a.nz; check_bad a.nz
printf 'hello world, this is not compressed\n' > text.nz; check_bad text.nz
grep -q "not in nzip format" "$T_ERR" && pass || fail "text: message: $(cat "$T_ERR")"
head -c 5000 /dev/urandom > random.nz; check_bad random.nz
if command -v gzip > /dev/null; then echo hello | gzip > gz.nz; check_bad gz.nz; fi
# Empty and tiny inputs are fine to compress.
for n in 0 1 2 3; do
	head -c $n /dev/urandom > tiny$n
	"$NZIP" -c tiny$n > tiny$n.nz && "$NZIP" -dc tiny$n.nz | cmp -s - tiny$n && pass || fail "tiny $n"
done

# A valid file with several blocks, then every truncation of it.
make_text src 6000
"$NZIP" -c --block-size 1K src > good.nz || fail "cannot make good.nz"
"$NZIP" -t good.nz && pass || fail "good.nz does not test OK"
size=$(wc -c < good.nz)
note "truncating and flipping bits in a $size-byte file"
# A hang would be a CPU loop: cap every process's CPU time instead of wrapping each of
# the thousands of runs below in timeout(1). SIGXCPU shows as an exit code > 128.
ulimit -t $TIMEOUT
bad=0
for ((n = 0; n < size; n++)); do
	head -c $n good.nz > cut.nz
	"$NZIP" -t cut.nz 2> err
	rc=$?
	if [ $rc -ne 1 ] || [ "$(wc -l < err)" -ne 1 ]; then
		fail "truncated at $n: exit $rc, stderr: $(head -c 300 err)"
		bad=$((bad + 1))
		[ $bad -gt 10 ] && break
	else
		pass
	fi
done
# Truncation through a pipe and with -d: nothing written to a file, exit 1.
for n in 0 10 50 $((size / 2)) $((size - 1)); do
	head -c $n good.nz | "$NZIP" -d > /dev/null 2> err
	[ $? -eq 1 ] && pass || fail "pipe truncated at $n"
	head -c $n good.nz > t.nz
	expect_error "$NZIP" -d t.nz
	absent t
done

# A flipped bit at every byte (the bit varies with the position). Either the damage
# is found (exit 1, one line) or it changed nothing that matters: a range coder's last
# byte has slack, so the output must then be exactly the original.
read -r -a bytes <<< "$(od -An -tu1 -v good.nz | tr -s ' \n' '  ')"
cp good.nz flip.nz
bad=0
for ((n = 0; n < size; n++)); do
	orig=${bytes[n]}
	printf -v hex '\\x%02x' $((orig ^ (1 << (n % 8))))
	printf "$hex" | dd of=flip.nz bs=1 seek=$n conv=notrunc status=none
	"$NZIP" -t flip.nz 2> err
	rc=$?
	if [ $rc -eq 0 ] && "$NZIP" -dc flip.nz | cmp -s - src; then
		pass
	elif [ $rc -ne 1 ] || [ "$(wc -l < err)" -ne 1 ]; then
		fail "bit flipped at byte $n: exit $rc, stderr: $(head -c 300 err)"
		bad=$((bad + 1))
		[ $bad -gt 10 ] && break
	else
		pass
	fi
	printf -v hex '\\x%02x' "$orig"
	printf "$hex" | dd of=flip.nz bs=1 seek=$n conv=notrunc status=none
done
cmp -s flip.nz good.nz || fail "flip.nz not restored"
# And through -d on a larger file: the partial output is removed.
make_text big 400000
"$NZIP" -c --block-size 64K big > big.nz
bsize=$(wc -c < big.nz)
# (the last is in the footer's content check; the bytes before it may be a
# coder's slack, which no decoder reads: a block of this text codes to some 80
# bytes, so each position moves on to the first byte whose damage -t finds)
for pos in $((bsize / 3)) $((bsize * 2 / 3)) $((bsize - 3)); do
	for ((tries = 0; tries < 16; tries++)); do
		cp big.nz b.nz
		printf '\xff' | dd of=b.nz bs=1 seek=$pos conv=notrunc status=none
		"$NZIP" -t b.nz 2> /dev/null || break
		pos=$((pos + 1))
	done
	expect_error timeout $TIMEOUT "$NZIP" -d b.nz
	absent b
	exists b.nz
	rm -f b.nz
done
no_temp_files

# The checked-in corpus of crafted files.
files=("$DATA"/bad/*.nz)
if [ ! -e "${files[0]}" ]; then
	fail "no crafted files in $DATA/bad"
else
	note "${#files[@]} crafted files in $DATA/bad"
	for f in "${files[@]}"; do
		name=$(basename "$f" .nz)
		cp "$f" "$name.nz"
		check_bad "$name.nz"
		# -l reads only the header: it lists or fails cleanly, never crashes.
		run timeout $TIMEOUT "$NZIP" -l "$name.nz"
		if [ "$T_RC" -ne 0 ] && { [ "$T_RC" -ne 1 ] || [ "$(wc -l < "$T_ERR")" -ne 1 ]; }; then
			fail "-l $name: exit $T_RC, stderr: $(head -c 300 "$T_ERR")"
		else
			pass
		fi
		rm -f "$name.nz"
	done
fi
no_temp_files
finish
