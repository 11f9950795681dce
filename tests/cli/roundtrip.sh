#!/usr/bin/env bash
# Round trips through every way in and out: files (input removed or kept), -c, -o,
# pipes, several files, suffixes, levels, concatenated frames, -r; bytes compared.
source "$(dirname "$0")/common.bash"

# Inputs: empty, tiny, random, text, binary with all byte values.
: > empty
printf 'x' > one
printf 'ab' > two
make_random rnd 200000
make_text txt 300000
for i in $(seq 0 255); do printf "\\x$(printf %02x "$i")"; done > bytes
inputs="empty one two rnd txt bytes"
mkdir orig
for f in $inputs; do cp -p "$f" orig/; done

# nzip FILE: FILE.nz appears, FILE goes; nzip -d FILE.nz restores it.
for f in $inputs; do
	expect 0 "$NZIP" "$f" && exists "$f.nz" && absent "$f"
	[ -s "$T_ERR" ] && fail "nzip $f printed on stderr: $(cat "$T_ERR")"
	expect 0 "$NZIP" -d "$f.nz" && exists "$f" && absent "$f.nz"
	same "$f" "orig/$f"
done

# Mode and mtime follow the file, as with gzip.
chmod 640 txt
touch -d '2001-02-03 04:05:06' txt
expect 0 "$NZIP" txt
[ "$(stat -c %a txt.nz)" = 640 ] && pass || fail "mode not kept: $(stat -c %a txt.nz)"
[ "$(stat -c %Y txt.nz)" = "$(date -d '2001-02-03 04:05:06' +%s)" ] && pass || fail "mtime not kept on compress"
expect 0 "$NZIP" -d txt.nz
[ "$(stat -c %a txt)" = 640 ] && pass || fail "mode not kept on decompress"
[ "$(stat -c %Y txt)" = "$(date -d '2001-02-03 04:05:06' +%s)" ] && pass || fail "mtime not kept on decompress"
chmod 644 txt

# -k keeps the input; -c writes to stdout and keeps it; -o writes FILE and keeps it.
expect 0 "$NZIP" -k rnd && exists rnd && exists rnd.nz
expect 0 "$NZIP" -dc rnd.nz && same "$T_OUT" orig/rnd
rm rnd.nz
expect 0 "$NZIP" -c txt && cp "$T_OUT" stdout.nz && exists txt && absent txt.nz
expect 0 "$NZIP" -d -c stdout.nz && same "$T_OUT" orig/txt
expect 0 "$NZIP" -o out.nz txt && exists txt && exists out.nz
expect 0 "$NZIP" -d -o out.txt out.nz && exists out.nz && same out.txt orig/txt
expect 0 "$NZIP" --output=out2.txt -d out.nz && same out2.txt orig/txt
expect 0 "$NZIP" -o- txt && cp "$T_OUT" o2.nz && expect 0 "$NZIP" -dc o2.nz && same "$T_OUT" orig/txt

# Pipes: stdin to stdout without options, both ways.
for f in $inputs; do
	"$NZIP" < "orig/$f" > pipe.nz || fail "compress $f from a pipe"
	"$NZIP" -d < pipe.nz > pipe.out || fail "decompress $f from a pipe"
	same pipe.out "orig/$f"
	cat "orig/$f" | "$NZIP" | "$NZIP" -d | cat > pipe2.out
	same pipe2.out "orig/$f"
done
# "-" is stdin; stdin to -o.
"$NZIP" -c - < orig/txt > dash.nz && "$NZIP" -dc - < dash.nz > dash.out && same dash.out orig/txt
expect 0 "$NZIP" -o fromstdin.nz - < orig/txt && "$NZIP" -dc fromstdin.nz > fs.out && same fs.out orig/txt
expect 0 "$NZIP" -d -o fromstdin.txt < fromstdin.nz && same fromstdin.txt orig/txt

# Several files in one call; -c concatenates frames and -d reads them all back.
cp orig/rnd a; cp orig/txt b; cp orig/bytes c
expect 0 "$NZIP" a b c && exists a.nz && exists b.nz && exists c.nz
expect 0 "$NZIP" -d a.nz b.nz c.nz && same a orig/rnd && same b orig/txt && same c orig/bytes
expect 0 "$NZIP" -c a b c && cp "$T_OUT" abc.nz
cat orig/rnd orig/txt orig/bytes > abc.ref
expect 0 "$NZIP" -dc abc.nz && same "$T_OUT" abc.ref
"$NZIP" -c a > a.nz; "$NZIP" -c b > b.nz
cat a.nz b.nz | "$NZIP" -d > ab.out && cat orig/rnd orig/txt > ab.ref && same ab.out ab.ref
rm -f a b c a.nz b.nz

# Levels and explicit models (small input: every level stays quick).
head -c 20000 orig/txt > small
for l in 0 1 2 3 4 5 6 7 8 9; do
	expect 0 "$NZIP" -$l -c small && cp "$T_OUT" small.$l.nz
	expect 0 "$NZIP" -dc small.$l.nz && same "$T_OUT" small
done
[ "$(wc -c < small.0.nz)" -gt 20000 ] && pass || fail "-0 should store"
# Every model name; 3 KB, because the full-size seed models cost tens of millions
# of multiply-adds per byte (their own tests cover them in depth).
head -c 3000 orig/txt > tiny
for m in $("$NZIP" -h | sed -n 's/^Models: //p' | tr -d ,); do
	expect 0 "$NZIP" -c --model "$m" tiny && cp "$T_OUT" tiny.m.nz
	expect 0 "$NZIP" -dc tiny.m.nz && same "$T_OUT" tiny
done
expect 0 "$NZIP" -c --fast --block-size 1K -T 2 --substreams 2 small && cp "$T_OUT" bs.nz
expect 0 "$NZIP" -dc -T 1 bs.nz && same "$T_OUT" small
# Threads never change the output.
"$NZIP" -c -T 1 small > t1.nz && "$NZIP" -c -T 4 small > t4.nz && same t1.nz t4.nz

# Suffixes: -S, decompression restores the name without it.
cp orig/txt s1
expect 0 "$NZIP" -S .zz s1 && exists s1.zz && absent s1.nz
expect 0 "$NZIP" -d --suffix=.zz s1.zz && same s1 orig/txt
cp orig/txt 'name with spaces'
expect 0 "$NZIP" 'name with spaces' && expect 0 "$NZIP" -d 'name with spaces.nz' && same 'name with spaces' orig/txt
cp orig/txt ./-dash
expect 0 "$NZIP" -- -dash && exists ./-dash.nz && expect 0 "$NZIP" -d -- -dash.nz && same ./-dash orig/txt
# Options after file names, grouped short options.
cp orig/txt g1
expect 0 "$NZIP" g1 -k -1 && exists g1 && exists g1.nz
expect 0 "$NZIP" -dkf g1.nz && same g1 orig/txt

# -f compresses a file that already has the suffix, and overwrites.
cp orig/txt x.nz
expect 0 "$NZIP" -f x.nz && exists x.nz.nz && expect 0 "$NZIP" -d x.nz.nz && same x.nz orig/txt

# -r: every file under a directory, both ways; links are not followed.
mkdir -p tree/sub/deeper
cp orig/txt tree/t; cp orig/rnd tree/sub/r; cp orig/one tree/sub/deeper/o; : > tree/sub/e
ln -s ../orig/txt tree/link
expect 0 "$NZIP" -r tree
for f in tree/t tree/sub/r tree/sub/deeper/o tree/sub/e; do exists "$f.nz"; absent "$f"; done
[ -L tree/link ] && absent tree/link.nz
cp orig/txt tree/sub/plain  # without the suffix: skipped by -rt, -rl and -rd
expect 0 "$NZIP" -rtv tree
[ "$(grep -c ': OK' "$T_ERR")" -eq 4 ] && pass || fail "-rt: $(cat "$T_ERR")"
expect 0 "$NZIP" -rl tree
grep -q '(totals, 4 files)' "$T_OUT" && pass || fail "-rl: $(cat "$T_OUT")"
rm tree/sub/plain
expect 0 "$NZIP" -rd tree
same tree/t orig/txt; same tree/sub/r orig/rnd; same tree/sub/deeper/o orig/one
[ -e tree/sub/e ] && [ ! -s tree/sub/e ] && pass || fail "empty file not restored by -r"
# -r -c writes everything to stdout.
expect 0 "$NZIP" -rc tree/sub/deeper && cp "$T_OUT" deep.nz && "$NZIP" -dc deep.nz | cmp -s - orig/one && pass || fail "-rc"

no_temp_files
finish
