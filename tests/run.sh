#!/bin/sh
# Run every test against one build directory and print one closing line
# "N passed, N failed".  Unit tests are cmocka programs; integration
# tests are shell scripts printing "ok - " / "not ok - " lines.
# usage: tests/run.sh BUILD_DIR
set -u
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

for t in tests/integration/t_*.sh; do
	name=$(basename "$t" .sh)
	t0=$(date +%s)
	sh "$t" > "$out" 2>&1
	st=$?
	secs=$(($(date +%s) - t0))
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
	if tests/fuzz/run.sh "${FUZZ_TIME:-10}" "$name" > "$out" 2>&1; then
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
