#!/bin/sh
# check_deps.sh - fail if a file in lib/<area>/ includes a header of an area it may
# not depend on (CONTRIBUTING.md, "Layout and dependency rules"). The areas form
# layers with no cycle: common < coder, format, nn < model < cm < codec.
# Usage: scripts/check_deps.sh [repository root]   (exit 1 on a forbidden edge)
root=${1:-$(dirname "$0")/..}
cd "$root/lib" || exit 2

allowed() {  # the areas that area $1 may include
	case $1 in
	common) echo "common" ;;
	coder)  echo "common coder" ;;
	format) echo "common format" ;;
	nn)     echo "common nn" ;;
	model)  echo "common nn model" ;;
	cm)     echo "common coder format nn model cm" ;;
	codec)  echo "common coder format nn model cm codec" ;;
	*)      echo "" ;;
	esac
}

bad=0
for file in */*.c */*.h; do
	area=${file%%/*}
	ok=$(allowed "$area")
	if [ -z "$ok" ]; then
		echo "check_deps: $file: area '$area' has no rule in scripts/check_deps.sh" >&2
		bad=1
		continue
	fi
	# quoted includes only; <...> are system headers
	for inc in $(sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([^"]*\)".*/\1/p' "$file"); do
		case $inc in
		*/*) dep=${inc%%/*} ;;
		nzip.h) continue ;;                # the public header, below every area
		*) [ -f "$area/$inc" ] && continue  # a header of the same directory
		   echo "check_deps: $file includes \"$inc\", which is not in lib/$area/" >&2
		   bad=1; continue ;;
		esac
		case " $ok " in
		*" $dep "*) ;;
		*) echo "check_deps: $file includes \"$inc\": $area may not depend on $dep" >&2
		   bad=1 ;;
		esac
	done
done
[ $bad -eq 0 ] && echo "check_deps: lib/ follows the dependency rules"
exit $bad
