#!/bin/sh
# Run each libFuzzer target for a short time over its seed corpus.
# New inputs go to a scratch directory, never into the committed seeds.
# usage: tests/fuzz/run.sh SECONDS TARGET...
set -eu
secs=$1; shift
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
fail=0
for t in "$@"; do
	mkdir -p "$scratch/$t"
	echo "fuzz: $t for ${secs}s"
	if ! build-fuzz/"$t" -max_total_time="$secs" -rss_limit_mb=2048 \
	    -print_final_stats=0 "$scratch/$t" "tests/fuzz/corpus/$t" \
	    > "$scratch/$t.log" 2>&1; then
		tail -n 40 "$scratch/$t.log"
		echo "fuzz: $t FAILED"
		fail=1
	else
		grep -E '^(#[0-9]+[[:space:]]+DONE|Done)' "$scratch/$t.log" || true
		echo "fuzz: $t ok"
	fi
done
exit $fail
