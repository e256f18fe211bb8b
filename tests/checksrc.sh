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
exit $st
