# Shared by the tests that need a Docker engine (t_docker.sh,
# t_agent_container.sh), after lib.sh.
#
# The engine: a running one, or dockerd started here without bridge or
# NAT (TESTBED.md).  Two tests may run at once (tests/run.sh runs two at
# a time): each holds a shared lock on $CACHE/engine.lock while it runs;
# the engine is started under an exclusive lock by the first, and
# stopped by the last to leave, only if a test started it.
#
# The base image: debootstrap --variant=minbase bookworm, cached as a
# tarball under $WAIAAS_DOCKER_CACHE (default /var/tmp/waiaas-docker)
# for 7 days, imported as waiaas-debian:bookworm-DATE ($BASE).
#
# d_fail_all "why" "CHECKS": every check a test would have run (one a
# line), not ok.

DOCKER=${DOCKER:-docker}
CACHE=${WAIAAS_DOCKER_CACHE:-/var/tmp/waiaas-docker}
export DOCKER_BUILDKIT=0	# the classic builder: no buildx plugin here
mkdir -p "$CACHE"

d_fail_all() {
	echo "$2" | while read -r c; do
		notok "$c ($1)"
	done
}

# d_engine_up: 0 with an engine answering, 1 (and the reason on stdout
# as a comment) without.  Holds fd 8 (the shared lock) until exit.
d_engine_up() {
	if ! command -v "$DOCKER" >/dev/null || ! command -v dockerd \
	    >/dev/null || ! command -v debootstrap >/dev/null ||
	    ! command -v flock >/dev/null; then
		echo "# docker, dockerd, debootstrap and flock are needed" \
		    "(scripts/deps.sh)"
		return 1
	fi
	exec 8>>"$CACHE/engine.lock"
	flock -s 8
	# Started by one test at a time.
	(
		flock -x 7
		$DOCKER info >/dev/null 2>&1 && exit 0
		dockerd --bridge=none --iptables=false --ip-masq=false \
		    --ip-forward=false >"$CACHE/dockerd.log" 2>&1 6>&- 7>&- 8>&- &
		echo $! > "$CACHE/dockerd.pid"
		n=0
		while [ $n -lt 60 ] && ! $DOCKER info >/dev/null 2>&1; do
			kill -0 "$(cat "$CACHE/dockerd.pid")" 2>/dev/null ||
			    break
			sleep 0.5
			n=$((n + 1))
		done
	) 7>>"$CACHE/start.lock"
	if ! $DOCKER info >/dev/null 2>&1; then
		echo "# the Docker engine does not start here:" \
		    "$(grep -i 'level=fatal\|level=error' "$CACHE/dockerd.log" |
		    tail -1)"
		return 1
	fi
	return 0
}

# d_engine_down: leave; the last test out stops an engine a test started.
d_engine_down() {
	exec 8>&-
	(
		flock -n -x 8 || exit 0
		[ -f "$CACHE/dockerd.pid" ] || exit 0
		p=$(cat "$CACHE/dockerd.pid")
		rm -f "$CACHE/dockerd.pid"
		[ "$(cat "/proc/$p/comm" 2>/dev/null)" = dockerd ] || exit 0
		kill -TERM "$p" 2>/dev/null
		n=0
		while [ $n -lt 80 ] && kill -0 "$p" 2>/dev/null; do
			sleep 0.25
			n=$((n + 1))
		done
	) 8>>"$CACHE/engine.lock"
}

# The Debian mirror apt uses here (sources.list or deb822 .sources).
d_apt_mirror() {
	cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list \
	    /etc/apt/sources.list.d/*.sources 2>/dev/null | awk '
	/^deb / { sub(/\[[^]]*\] */, ""); if ($3 == "bookworm") { print $2; exit } }
	/^$/ { uri = "" }
	/^URIs:/ { uri = $2 }
	/^Suites:/ && uri != "" { for (i = 2; i <= NF; i++)
		if ($i == "bookworm") { print uri; exit } }'
}

# d_base: sets BASE to the imported Debian 12 image; 1 if none can be
# made.  The newest tarball of the last 7 days, else a new one (made by
# one test at a time); the image is tagged with the tarball's date, so a
# week later a fresh base is used.
d_base() {
	exec 6>>"$CACHE/base.lock"
	flock -x 6
	tarball=$(find "$CACHE" -maxdepth 1 -name 'bookworm-*.tar' -mtime -7 |
	    sort | tail -1)
	if [ -z "$tarball" ]; then
		tarball=$CACHE/bookworm-$(date +%Y%m%d).tar
		mirror=$(d_apt_mirror)
		root=$T_TMP/rootfs
		t0=$(date +%s)
		if ! debootstrap --variant=minbase bookworm "$root" \
		    "${mirror:-http://deb.debian.org/debian}" \
		    >"$T_TMP/debootstrap.log" 2>&1; then
			tail -5 "$T_TMP/debootstrap.log" | sed 's/^/# /'
			echo "# debootstrap bookworm from" \
			    "${mirror:-the default mirror} failed"
			exec 6>&-
			return 1
		fi
		rm -f "$root"/var/cache/apt/archives/*.deb
		tar -C "$root" -cf "$tarball.tmp" . &&
		    mv "$tarball.tmp" "$tarball"
		rm -rf "$root"
		find "$CACHE" -maxdepth 1 -name 'bookworm-*.tar' \
		    ! -name "$(basename "$tarball")" -delete
		echo "# debootstrap: $(($(date +%s) - t0)) s"
	fi
	BASE=waiaas-debian:bookworm-$(basename "$tarball" .tar |
	    sed 's/^bookworm-//')
	$DOCKER image inspect "$BASE" >/dev/null 2>&1 ||
	    $DOCKER import "$tarball" "$BASE" >/dev/null
	exec 6>&-
	$DOCKER image inspect "$BASE" >/dev/null 2>&1
}

# d_ns_engine_up: a second engine, for what needs a container network
# (the README's `docker compose up -d` and `docker run -p`), in a network
# namespace of its own made here (unshare -n): its bridge, its
# containers' addresses and the published 127.0.0.1:3100 exist only
# there, and nothing in it reaches any other host.  Its own data root
# ($CACHE/ns-root) and exec root; images come from the first engine
# (docker save | docker load: the namespace reaches no apt mirror to
# build).  One at a time ($CACHE/ns.lock, fd 5).  Sets NS_DOCKER (a
# command), NS_HOST (DOCKER_HOST for it) and NS_PID (dockerd, whose
# network namespace nsenter -n -t reaches).
d_ns_engine_up() {
	command -v unshare >/dev/null && command -v nsenter >/dev/null ||
	    { echo "# unshare and nsenter are needed"; return 1; }
	exec 5>>"$CACHE/ns.lock"
	flock -x 5
	NS_RUN=/run/waiaas-t-ns
	NS_HOST=unix://$NS_RUN/docker.sock
	NS_DOCKER="$DOCKER -H $NS_HOST"
	mkdir -p "$NS_RUN" "$CACHE/ns-root"
	# One left by a test that was killed: under the lock, nobody's now.
	if [ -f "$NS_RUN/dockerd.pid" ]; then
		p=$(cat "$NS_RUN/dockerd.pid")
		if [ "$(cat "/proc/$p/comm" 2>/dev/null)" = dockerd ]; then
			kill -TERM "$p"
			n=0
			while [ $n -lt 80 ] && kill -0 "$p" 2>/dev/null; do
				sleep 0.25
				n=$((n + 1))
			done
		fi
		rm -f "$NS_RUN/dockerd.pid"
	fi
	unshare -n sh -c 'ip link set lo up && exec "$@"' sh \
	    dockerd --data-root "$CACHE/ns-root" --exec-root "$NS_RUN/exec" \
	    --pidfile "$NS_RUN/dockerd.pid" -H "$NS_HOST" \
	    --iptables=false --ip-masq=false --ip-forward=false \
	    >"$T_TMP/ns-dockerd.log" 2>&1 5>&- 6>&- 7>&- 8>&- &
	NS_PID=$!
	n=0
	while [ $n -lt 60 ] && ! $NS_DOCKER info >/dev/null 2>&1; do
		kill -0 "$NS_PID" 2>/dev/null || break
		sleep 0.5
		n=$((n + 1))
	done
	if ! $NS_DOCKER info >/dev/null 2>&1; then
		echo "# the second engine does not start:" \
		    "$(grep -i 'level=fatal\|level=error' "$T_TMP/ns-dockerd.log" |
		    tail -1)"
		return 1
	fi
}

# d_ns_engine_down: stop it (its containers with it) and leave.
d_ns_engine_down() {
	[ -n "${NS_PID:-}" ] || return 0
	for c in $($NS_DOCKER ps -aq 2>/dev/null); do
		$NS_DOCKER rm -f "$c" >/dev/null 2>&1
	done
	kill -TERM "$NS_PID" 2>/dev/null
	n=0
	while [ $n -lt 80 ] && kill -0 "$NS_PID" 2>/dev/null; do
		sleep 0.25
		n=$((n + 1))
	done
	NS_PID=
	exec 5>&-
}
