#!/bin/sh
# Run every test against one build directory and print one closing line
# "N passed, N failed".  Unit tests are cmocka programs; integration
# tests are shell scripts printing "ok - " / "not ok - " lines.
# usage: tests/run.sh BUILD_DIR	(TEST_JOBS=N: integration tests at once)
set -u

one() {	# one DIR NAME: run tests/integration/NAME.sh, results in DIR
	t0=$(date +%s)
	sh "tests/integration/$2.sh" > "$1/$2.out" 2>&1
	echo $? > "$1/$2.rc"
	echo $(($(date +%s) - t0)) > "$1/$2.secs"
}
if [ "${1:-}" = --one ]; then	# xargs calls back here: one DIR NAME
	one "$2" "$3"
	exit 0
fi
BUILD=${1:-build-test}
export BUILD
passed=0
failed=0
begin=$(date +%s)
out=$(mktemp)
trap 'rm -f "$out"' EXIT

for t in "$BUILD"/tests/test_*; do
	[ -x "$t" ] || continue
	name=$(basename "$t")
	"$t" > "$out" 2>&1
	st=$?
	p=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' "$out")
	f=$(sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' "$out")
	p=${p:-0}; f=${f:-0}
	if [ $st != 0 ] && [ "$f" = 0 ]; then
		f=1	# crashed, or a sanitizer stopped it
	fi
	echo "== $name: $p passed, $f failed"
	[ "$f" != 0 ] && cat "$out"
	passed=$((passed + p))
	failed=$((failed + f))
done

# Integration tests, two at a time: most of their time is spent waiting
# on timers (a DELAY is at least 60 s) and nodes.  The slowest start
# first; those that measure memory or inject timed faults run alone
# afterwards.  Each writes its output, status and seconds to $dir.
SLOW="t_tiers t_approve_page t_price t_policies t_set_master t_chain_evm
t_owner t_docker t_agent_container"
ALONE="t_memory t_send_faults"
dir=$(mktemp -d)
trap 'rm -f "$out"; rm -rf "$dir"' EXIT
all=$(for t in tests/integration/t_*.sh; do basename "$t" .sh; done)
pool=$(for n in $SLOW; do echo "$all" | grep -qx "$n" && echo "$n"; done
    echo "$all" | grep -vx -e "$(echo $SLOW $ALONE | tr ' ' '\n')")
printf '%s\n' $pool | xargs -P "${TEST_JOBS:-2}" -I{} sh "$0" --one "$dir" {}
for n in $ALONE; do
	if echo "$all" | grep -qx "$n"; then one "$dir" "$n"; fi
done
for name in $all; do
	cp "$dir/$name.out" "$out"
	st=$(cat "$dir/$name.rc")
	secs=$(cat "$dir/$name.secs")
	p=$(grep -c '^ok - ' "$out")
	f=$(grep -c '^not ok - ' "$out")
	if [ $st != 0 ]; then
		f=$((f + 1))
		echo "$name exited with status $st" >> "$out"
	elif [ "$p" = 0 ] && ! grep -q '^skip - ' "$out"; then
		f=$((f + 1))
		echo "$name ran no check" >> "$out"
	fi
	echo "== $name: $p passed, $f failed (${secs}s)"
	[ "$f" != 0 ] && grep -v '^ok - ' "$out"
	passed=$((passed + p))
	failed=$((failed + f))
done

# Fuzz targets, each briefly over its seed corpus: one test apiece.
for t in build-fuzz/fuzz_*; do
	[ -x "$t" ] || continue
	name=$(basename "$t")
	if tests/fuzz/run.sh "${FUZZ_TIME:-5}" "$name" > "$out" 2>&1; then
		passed=$((passed + 1))
		echo "== $name: 1 passed, 0 failed"
	else
		failed=$((failed + 1))
		echo "== $name: 0 passed, 1 failed"
		cat "$out"
	fi
done

echo "$passed passed, $failed failed ($(($(date +%s) - begin))s)"
[ "$failed" = 0 ]
