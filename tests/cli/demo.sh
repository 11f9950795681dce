#!/usr/bin/env bash
# scripts/demo.sh keeps working: on a small corpus prefix (or the fallback), on a
# named file, and it fails loudly when the compressor fails.
source "$(dirname "$0")/common.bash"
DEMO=$REPO/scripts/demo.sh

NZIP_DEMO_BYTES=200000 expect 0 "$DEMO" "$NZIP"
for what in "compressed" "bits/byte" "compress " "decompress " "verified"; do
	grep -q "^demo: $what" "$T_OUT" && pass || fail "demo output lacks '$what': $(cat "$T_OUT")"
done
NZIP_CORPUS_DIR=$SCRATCH/none NZIP_DEMO_BYTES=100000 expect 0 "$DEMO" "$NZIP"
grep -q "corpus not found" "$T_OUT" && grep -q "^demo: verified" "$T_OUT" && pass || fail "demo fallback: $(cat "$T_OUT")"
make_text f 5000
expect 0 "$DEMO" "$NZIP" f
# A compressor that fails, or a wrong command line: non-zero.
printf '#!/bin/sh\nexit 1\n' > broken; chmod +x broken
expect 1 "$DEMO" ./broken f
expect 1 "$DEMO"
finish
