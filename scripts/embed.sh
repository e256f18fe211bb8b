#!/bin/sh
# embed.sh NAME FILE: print FILE as a C string constant NAME, one source
# line per line of the file, for an #include.  Backslashes and quotes are
# escaped, and '?' too (no trigraph can form under -std=c11).  The file
# must be ASCII: the api hashes these exact bytes for its CSP.
set -eu
if LC_ALL=C grep -q '[^	 -~]' "$2"; then
	echo "embed.sh: $2 has bytes other than printable ASCII and tab" >&2
	exit 1
fi
printf '/* Generated from %s by scripts/embed.sh: do not edit. */\n' "$2"
printf 'static const char %s[] =\n' "$1"
sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/?/\\?/g' -e 's/^/    "/' \
    -e 's/$/\\n"/' "$2"
printf ';\n'
