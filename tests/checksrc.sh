#!/bin/sh
# curl's checksrc habit in small: banned calls and overlong lines in C.
set -u
st=0
files=$(git ls-files --cached --others --exclude-standard '*.c' '*.h' \
    2>/dev/null || find . -name '*.[ch]')
if grep -nE '\b(sprintf|vsprintf|strcpy|strcat|gets|strncpy|strtok)[[:space:]]*\(' \
    $files | grep -v 'checksrc: ok'; then
	echo "checksrc: banned calls above (use snprintf, strlcpy)"
	st=1
fi
if awk '!/checksrc: ok/ {
	# count a tab as up to the next multiple of 8
	n = 0; line = $0
	for (i = 1; i <= length(line); i++) {
		c = substr(line, i, 1)
		if (c == "\t") n = n + 8 - n % 8; else n++
	}
	if (n > 80) { print FILENAME ":" FNR ": " n " columns"; bad = 1 }
} END { exit bad }' $files; then :; else
	echo "checksrc: lines over 80 columns above"
	st=1
fi
# Every code of the reference's error table the daemon names goes out
# with the reference's status: it must be in common/errcodes.c.
for c in $(sed -n 's/^\t{ "\([A-Z0-9_]*\)".*/\1/p' tests/vectors/error_codes.h); do
	if grep -q "\"$c\"" api/*.c policyd/*.c &&
	    ! grep -q "{ \"$c\"," common/errcodes.c; then
		echo "checksrc: $c is the reference's but not in common/errcodes.c"
		st=1
	fi
done
# One-way arrows (README: Layout): a process folder includes its own
# headers and the libraries', never another process's; a library folder
# includes no process's header.  A header is known by its file name,
# which is unique across the folders (checked too).
PROCS="api cli fetch parent policyd relay signer"
LIBS="chain common imsg seccomp"
map=$(mktemp)
trap 'rm -f "$map"' EXIT
for f in $files; do
	case $f in */*.h) echo "${f##*/} ${f%%/*}" ;; esac
done > "$map"
# Made at build time from api/ (Makefile: embed.sh, api_docgen).
printf 'approve_html.h api\nopenapi_json.h api\ndoc_json.h api\n' >> "$map"
if awk -v procs="$PROCS" -v libs="$LIBS" '
BEGIN {
	n = split(procs, a, " "); for (i = 1; i <= n; i++) kind[a[i]] = "p"
	n = split(libs, a, " "); for (i = 1; i <= n; i++) kind[a[i]] = "l"
}
NR == FNR {
	if (($1 in owner) && owner[$1] != $2 && kind[$2] != "" &&
	    kind[owner[$1]] != "") {
		print "checksrc: " $1 " is in both " owner[$1] "/ and " $2 "/"
		bad = 1
	}
	if (!($1 in owner) || kind[$2] != "")
		owner[$1] = $2
	next
}
FNR == 1 { d = FILENAME; sub(/\/.*/, "", d) }
kind[d] != "" && /^#[ \t]*include[ \t]*"/ {
	h = $0; sub(/^#[ \t]*include[ \t]*"/, "", h); sub(/".*/, "", h)
	sub(/.*\//, "", h)
	o = owner[h]
	if (kind[o] == "p" && o != d) {
		print FILENAME ":" FNR ": " h " is " o "/'"'"'s: " \
		    (kind[d] == "p" ? "a process folder includes only its " \
		    "own and the libraries'"'"' headers" : \
		    "a library includes no process'"'"'s header")
		bad = 1
	}
}
END { exit bad }' "$map" $(for f in $files; do
	for d in $PROCS $LIBS; do
		case $f in "$d"/*) echo "$f" ;; esac
	done
done); then :; else
	echo "checksrc: forbidden includes above (README: Layout)"
	st=1
fi
exit $st
