#!/bin/sh
# Run every test against one build directory and print one closing line
# "N passed, N failed".  Unit tests are cmocka programs; integration
# tests are shell scripts printing "ok - " / "not ok - " lines; each fuzz
# target runs briefly over its seed corpus and counts as one test.
# usage: tests/run.sh BUILD_DIR [BUILD_COMMAND]
#   BUILD_COMMAND	(sh -c) builds BUILD_DIR and the fuzz targets; the
#		tests that need neither start before it
#   TEST_JOBS=N	tests at once (default 4), one of them the CPU lane
#   FUZZ_TIME=S	seconds per fuzz target (default 5)
set -u

# cpu_group NAME: a new cgroup under $RUN_CG that only counts CPU time
# (cgroup v1 cpuacct, else v2 under our own cgroup), or nothing where
# cgroups cannot be written (a container).  Everything a test starts is
# counted, its daemons and browsers too; not what the Docker engine runs.
cpu_group() {
	[ -n "${RUN_CG:-}" ] && mkdir -p "$RUN_CG/$1" 2>/dev/null &&
	    echo "$RUN_CG/$1"
}
# cpu_secs GROUP: CPU seconds used in it.
cpu_secs() {
	if [ -r "$1/cpuacct.usage" ]; then
		echo $(($(cat "$1/cpuacct.usage") / 1000000000))
	elif [ -r "$1/cpu.stat" ]; then
		echo $(($(sed -n 's/^usage_usec //p' "$1/cpu.stat") / 1000000))
	fi
}

# one DIR NAME: run integration test or fuzz target NAME in a cgroup of
# its own; its output, status, seconds and CPU seconds go to
# DIR/NAME.{out,rc,secs,cpu}.  Fuzz targets run at the lowest priority:
# they only fill a core the tests leave idle.
one() {
	t0=$(date +%s)
	d=$1
	n=$2
	g=$(cpu_group "$n")
	case $n in
	fuzz_*)	set -- nice -n 19 tests/fuzz/run.sh "${FUZZ_TIME:-5}" "$n" ;;
	*)	set -- sh "tests/integration/$n.sh" ;;
	esac
	sh -c '[ -z "$1" ] || echo $$ > "$1/cgroup.procs"; shift; exec "$@"' \
	    _ "$g" "$@" > "$d/$n.out" 2>&1
	echo $? > "$d/$n.rc"
	echo $(($(date +%s) - t0)) > "$d/$n.secs"
	[ -n "$g" ] && cpu_secs "$g" > "$d/$n.cpu" && rmdir "$g" 2>/dev/null
	:
}
# lane DIR NAME...: run, in order, each NAME that no other lane has taken
# (a lane takes a name by creating DIR/NAME.taken, which only one can).
lane() {
	l_dir=$1
	shift
	for l_n in "$@"; do
		mkdir "$l_dir/$l_n.taken" 2>/dev/null || continue
		one "$l_dir" "$l_n"
	done
}
if [ "${1:-}" = --lane ]; then	# the Docker lane, in a process group
	shift			# of its own: --lane DIR NAME...
	lane "$@"
	exit 0
fi
BUILD=${1:-build-test}
export BUILD
# The cgroup the tests' CPU groups go under (see cpu_group).
RUN_CG=
if [ -w /sys/fs/cgroup/cpuacct/cgroup.procs ]; then
	RUN_CG=/sys/fs/cgroup/cpuacct/waiaas-tests-$$
elif [ "$(stat -f -c %T /sys/fs/cgroup 2>/dev/null)" = cgroup2fs ]; then
	RUN_CG=/sys/fs/cgroup$(sed -n 's/^0:://p' /proc/self/cgroup)
	RUN_CG=${RUN_CG%/}/waiaas-tests-$$
fi
mkdir "$RUN_CG" 2>/dev/null || RUN_CG=
export RUN_CG
passed=0
failed=0
begin=$(date +%s)
out=$(mktemp)
dir=$(mktemp -d "${TMPDIR:-/tmp}/waiaas-run.XXXXXX")
docker=
trap 'rm -f "$out"
    [ -z "$docker" ] || kill -TERM -- "-$docker" 2>/dev/null
    rm -rf "$dir"
    [ -z "$RUN_CG" ] || rmdir "$RUN_CG"/*/ "$RUN_CG" 2>/dev/null' EXIT
all=$(for t in tests/integration/t_*.sh; do basename "$t" .sh; done)
has() { echo "$all" | grep -qx "$1"; }

# How the integration tests and fuzz targets share two cores.  Most tests
# spend their time waiting (on timers: a DELAY is at least 60 s; on
# nodes, browsers, restarts), so TEST_JOBS - 1 lanes run them side by
# side, the slowest first.  Those that keep a core busy by themselves
# (the nonce flood, the bad-input battery, the memory scan) run one after
# the other in a CPU lane beside them, never two together, so that the
# waiting tests keep a core and their timeouts stay far.  The fuzz
# targets come last in every lane, at the lowest priority.
# The Docker tests (the image is built from a fresh Debian base: on a new
# machine a debootstrap and two apt stages that wait on the network) need
# nothing of the test build: with a BUILD_COMMAND they start before it,
# in a lane of their own; t_agent_container reuses t_docker's layers.
# At the end, alone: the slow-connection flood (it checks that every
# probe is answered within a second) and the one that injects timed
# faults.
SLOW="t_approve_page t_phone_page t_admin_page t_tiers t_set_master t_price t_chain_evm
t_policies t_owner t_kill t_cli t_auth_lock t_rpc t_simulate t_wallet_ctl"
DOCKER="t_docker t_agent_container"
CPU="t_nonce_flood t_bad_input t_memory"
ALONE="t_slowloris t_send_faults"
jobs=${TEST_JOBS:-4}
[ "$jobs" -ge 2 ] 2>/dev/null || jobs=2
dock=$(for n in $DOCKER; do has "$n" && echo "$n"; done)
if [ -n "$dock" ]; then
	setsid sh "$0" --lane "$dir" $dock &
	docker=$!
fi
if [ -n "${2:-}" ]; then
	sh -c "$2" || { echo "tests/run.sh: the build failed" >&2; exit 1; }
fi

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

fuzz=$(for t in build-fuzz/fuzz_*; do
	[ -x "$t" ] && basename "$t"; done)
cpu=$(for n in $CPU; do has "$n" && echo "$n"; done)
pool=$(for n in $SLOW; do has "$n" && echo "$n"; done
    echo "$all" | grep -vx -e "$(echo $SLOW $DOCKER $CPU $ALONE | tr ' ' '\n')")
lane "$dir" $cpu $fuzz &
lanes=$!
i=1
while [ $i -lt "$jobs" ]; do
	lane "$dir" $pool $fuzz &
	lanes="$lanes $!"
	i=$((i + 1))
done
wait $lanes
if [ -n "$docker" ]; then
	wait "$docker"
	docker=
fi
for n in $ALONE; do
	if has "$n"; then one "$dir" "$n"; fi
done
for name in $all; do
	cat "$dir/$name.out" > "$out" 2>/dev/null
	st=$(cat "$dir/$name.rc" 2>/dev/null || echo "none (it never ran)")
	secs=$(cat "$dir/$name.secs" 2>/dev/null)
	cpu=$(cat "$dir/$name.cpu" 2>/dev/null)
	p=$(grep -c '^ok - ' "$out")
	f=$(grep -c '^not ok - ' "$out")
	if [ "$st" != 0 ]; then
		f=$((f + 1))
		echo "$name exited with status $st" >> "$out"
	elif [ "$p" = 0 ] && ! grep -q '^skip - ' "$out"; then
		f=$((f + 1))
		echo "$name ran no check" >> "$out"
	fi
	echo "== $name: $p passed, $f failed (${secs}s${cpu:+, cpu ${cpu}s})"
	[ "$f" != 0 ] && grep -v '^ok - ' "$out"
	passed=$((passed + p))
	failed=$((failed + f))
done
for name in $fuzz; do
	secs=$(cat "$dir/$name.secs" 2>/dev/null)
	cpu=$(cat "$dir/$name.cpu" 2>/dev/null)
	secs="$secs${cpu:+s, cpu ${cpu}}"
	if [ "$(cat "$dir/$name.rc" 2>/dev/null)" = 0 ]; then
		passed=$((passed + 1))
		echo "== $name: 1 passed, 0 failed (${secs}s)"
	else
		failed=$((failed + 1))
		echo "== $name: 0 passed, 1 failed (${secs}s)"
		cat "$dir/$name.out"
	fi
done

cpu=$(cat "$dir"/*.cpu 2>/dev/null | awk '{ s += $1 } END { print s + 0 }')
[ -z "$RUN_CG" ] || echo "# CPU time of the integration tests and fuzzers: ${cpu}s"
echo "$passed passed, $failed failed ($(($(date +%s) - begin))s)"
[ "$failed" = 0 ]
