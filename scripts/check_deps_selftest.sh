#!/bin/sh
# check_deps_selftest.sh - check_deps.sh must pass on the tree and fail on a copy
# of lib/ with one forbidden include added (model including the codec), so the
# dependency check cannot silently pass everything.
root=${1:-$(dirname "$0")/..}
here=$(cd "$root" && pwd)
tmp=$(mktemp -d) || exit 2
trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/scripts" && cp "$here/scripts/check_deps.sh" "$tmp/scripts/" && cp -r "$here/lib" "$tmp/lib" || exit 2
sh "$tmp/scripts/check_deps.sh" "$tmp" >/dev/null || { echo "selftest: clean copy fails" >&2; exit 1; }
echo '#include "codec/registry.h"' >> "$tmp/lib/model/seed_common.h"
if sh "$tmp/scripts/check_deps.sh" "$tmp" 2>/dev/null; then
	echo "selftest: a forbidden include (model -> codec) was not caught" >&2
	exit 1
fi
echo "selftest: the forbidden include was caught"
