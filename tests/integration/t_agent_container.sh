#!/bin/sh
# t_agent_container.sh: the write-ups' agent container, step by step.
# A Debian 12 image with waiaas built from this tree and installed by
# `make install` (tests/agent/Dockerfile); its data directory on a named
# volume.  Inside: waiaas init --auto-provision, waiaas start, waiaas
# status, a wallet; then compose down, a rebuild, up -d, waiaas start:
# the same wallets.  Twice: as root with WAIAAS_DATA_DIR=/root/.waiaas
# (/root is 0700; the daemon still gives each process its own user),
# then as user "1000:1000" with /home/agent/.waiaas (no process can
# switch users: all run as 1000, confined by seccomp, and /health says
# privsep is degraded; README: As a non-root user).
#
# The compose is the one here (Compose v2 when `docker compose` works,
# else Debian 12's docker-compose 1.29); the containers have no network
# (network_mode: none): the CLI talks to the daemon inside.  Engine and
# base image: docker_lib.sh; the image shares docker/Dockerfile's build
# stage, so with t_docker.sh's layers cached it builds in seconds.
. tests/integration/lib.sh
. tests/integration/docker_lib.sh

P=waiaas-t-agent-$$
CHECKS_ONE="the agent image builds (make install)
init --auto-provision
start
status
a wallet made
six processes
compose down, rebuild, up -d
start again
the same wallets"

a_cleanup() {
	for f in docker-compose.yml docker-compose.user.yml; do
		[ -n "${COMPOSE:-}" ] && $COMPOSE -p "$P" -f "tests/agent/$f" \
		    down -v >/dev/null 2>&1
	done
	d_engine_down
	t_cleanup
}
trap a_cleanup EXIT

COMPOSE=""
if docker compose version >/dev/null 2>&1; then COMPOSE="docker compose"
elif command -v docker-compose >/dev/null; then COMPOSE=docker-compose
fi
if [ -z "$COMPOSE" ]; then
	echo "# neither docker compose (v2) nor docker-compose is installed"
	d_fail_all "no compose" "$CHECKS_ONE
$CHECKS_ONE"
	exit 0
fi
if ! d_engine_up || ! d_base; then
	d_fail_all "no Docker engine or base image" "$CHECKS_ONE
$CHECKS_ONE"
	exit 0
fi
export WAIAAS_TEST_BASE=$BASE
echo "# $COMPOSE $($COMPOSE version --short 2>/dev/null), base $BASE"

check "tests/agent/Dockerfile begins with docker/Dockerfile's build stage, word for word" \
    sh -c "sed -n '/^FROM \${BASE} AS build/,/PREFIX=/p' docker/Dockerfile \
    > '$T_TMP/a' && sed -n '/^FROM \${BASE} AS build/,/PREFIX=/p' \
    tests/agent/Dockerfile > '$T_TMP/b' && [ -s '$T_TMP/a' ] &&
    cmp -s '$T_TMP/a' '$T_TMP/b'"

# Every process of container $1, seen from the host: "uid role".
procs() {
	id=$($DOCKER inspect -f '{{.Id}}' "$1")
	for s in /proc/[0-9]*/cgroup; do
		grep -q "$id" "$s" 2>/dev/null || continue
		p=${s#/proc/}; p=${p%/cgroup}
		r=$(tr '\0' '\n' < "/proc/$p/cmdline" 2>/dev/null | sed -n 1p)
		case $r in
		"waiaasd: "*) r=${r#waiaasd: } ;;
		*waiaasd*) r=parent ;;
		*) continue ;;
		esac
		u=$(awk '$1 == "Uid:" { print $2 }' "/proc/$p/status")
		# seccomp filter and no_new_privs, else a mark in the list
		awk '$1 == "Seccomp:" && $2 == 2 { s = 1 }
		    $1 == "NoNewPrivs:" && $2 == 1 { n = 1 }
		    END { exit !(s && n) }' "/proc/$p/status" || r="$r(unconfined)"
		echo "$u $r"
	done | sort
}

# scenario TAG FILE DATADIR WANT: the whole story with compose file
# FILE; WANT is the "uid role" list of the daemon's processes.
scenario() {
	tag=$1
	f=tests/agent/$2
	dd=$3
	want=$4
	c() { $COMPOSE -p "$P" -f "$f" "$@"; }
	x() { $DOCKER exec "$cid" "$@"; }
	t0=$(date +%s)
	if c build >"$T_TMP/build.log" 2>&1 && c up -d >>"$T_TMP/build.log" 2>&1
	then
		ok "$tag the agent image builds (make install) and starts ($(($(date +%s) - t0)) s)"
		cid=$(c ps -q agent)
	else
		tail -20 "$T_TMP/build.log" | sed 's/^/# /'
		d_fail_all "$tag no agent container" "$CHECKS_ONE"
		return
	fi
	check "$tag waiaas init --auto-provision" sh -c \
	    "$DOCKER exec $cid waiaas init --auto-provision \
	    > '$T_TMP/init' 2>&1 && grep -q 'wrote $dd/recovery.key' \
	    '$T_TMP/init' || { sed 's/^/# /' '$T_TMP/init'; false; }"
	check "$tag waiaas start" sh -c "$DOCKER exec $cid \
	    waiaas start > '$T_TMP/start' 2>&1 ||
	    { sed 's/^/# /' '$T_TMP/start'; false; }"
	check "$tag waiaas status: serving" sh -c "$DOCKER exec \
	    $cid waiaas status > '$T_TMP/status' 2>&1 ||
	    { sed 's/^/# /' '$T_TMP/status'; false; }"
	sed 's/^/# /' "$T_TMP/status"
	x waiaas wallet create --name agent-evm --chain ethereum \
	    >"$T_TMP/wc" 2>&1
	x waiaas wallet create --name agent-sol --chain solana \
	    >>"$T_TMP/wc" 2>&1
	x waiaas wallet list > "$T_TMP/w1" 2>&1
	check "$tag two wallets made (waiaas wallet create), listed" \
	    [ "$(grep -c ACTIVE "$T_TMP/w1")" = 2 ]
	procs "$cid" > "$T_TMP/procs"
	check "$tag the daemon's processes (uid, role), each with its seccomp filter and no_new_privs: $want" \
	    [ "$(tr '\n' ' ' < "$T_TMP/procs")" = "$want" ]
	[ "$(tr '\n' ' ' < "$T_TMP/procs")" = "$want" ] ||
	    sed 's/^/# /' "$T_TMP/procs"
	x waiaas status --json > "$T_TMP/health" 2>/dev/null
	t0=$(date +%s)
	check "$tag compose down, rebuild, up -d: a new container" sh -c "
	    old=\$($COMPOSE -p $P -f $f ps -q agent) &&
	    $COMPOSE -p $P -f $f down > '$T_TMP/re.log' 2>&1 &&
	    $COMPOSE -p $P -f $f build >> '$T_TMP/re.log' 2>&1 &&
	    $COMPOSE -p $P -f $f up -d >> '$T_TMP/re.log' 2>&1 &&
	    new=\$($COMPOSE -p $P -f $f ps -q agent) &&
	    [ -n \"\$new\" ] && [ \"\$new\" != \"\$old\" ] ||
	    { sed 's/^/# /' '$T_TMP/re.log'; false; }"
	echo "# down, rebuild, up: $(($(date +%s) - t0)) s"
	cid=$(c ps -q agent)
	check "$tag waiaas start in the new container" sh -c "$DOCKER exec \
	    $cid waiaas start > '$T_TMP/start' 2>&1 ||
	    { sed 's/^/# /' '$T_TMP/start'; false; }"
	x waiaas wallet list > "$T_TMP/w2" 2>&1
	check "$tag the same wallets (ids, names, addresses)" \
	    sh -c "[ -s '$T_TMP/w2' ] && cmp -s '$T_TMP/w1' '$T_TMP/w2' ||
	    { diff '$T_TMP/w1' '$T_TMP/w2' | sed 's/^/# /'; false; }"
	c down -v >/dev/null 2>&1
}

scenario "[root]" docker-compose.yml /root/.waiaas \
    "1001 api 1002 policyd 1003 signer 1004 relay 1005 parent 1006 fetch "
if grep -q '"mode": *"degraded"' "$T_TMP/health"; then
	notok "[root] privsep is not degraded in /health"
else
	ok "[root] privsep is not degraded in /health"
fi
scenario "[1000:1000]" docker-compose.user.yml /home/agent/.waiaas \
    "1000 api 1000 fetch 1000 parent 1000 policyd 1000 relay 1000 signer "
check "[1000:1000] /health says privsep is degraded (one uid)" \
    grep -q 'degraded' "$T_TMP/health"
