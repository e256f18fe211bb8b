#!/bin/sh
# The README's two commands on a pristine Debian 12, as a new user runs
# them: a minimal Debian 12 made with debootstrap (--variant=minbase), git
# installed and the repository cloned under /root, then the "Run it"
# command (the daemon must answer on 127.0.0.1:3100), `waiaas stop`, and
# the "Test it" command, each copied out of README.md as it stands.  The
# suite (make test) must take under 10 minutes; installing the test peers
# before it is timed apart, since it depends on the mirror.
#
# It runs as root in a private mount and pid namespace (unshare), each
# stage in a mount namespace whose root is the pristine system (see
# inside), with /proc, /sys and /dev of the host and the host's network
# (apt and npm need it; the daemon's port is the host's 127.0.0.1:3100,
# which must be free).  When it ends, every process it started ends with
# the namespace.
#
# usage: tests/pristine.sh [--run-only] [--keep]
#   --run-only	stop after the "Run it" command
#   --keep	leave the root file system in $WAIAAS_PRISTINE_DIR/root
# WAIAAS_PRISTINE_DIR (default /var/tmp/waiaas-pristine) holds the root,
# the logs and a cached debootstrap tarball (reused for 7 days: it is
# what debootstrap would download again, nothing of ours).
set -eu

REPO=$(cd "$(dirname "$0")/.." && pwd)
WORK=${WAIAAS_PRISTINE_DIR:-/var/tmp/waiaas-pristine}
ROOT=$WORK/root
RUN_ONLY=0
KEEP=0
for a in "$@"; do
	case $a in
	--run-only) RUN_ONLY=1 ;;
	--keep) KEEP=1 ;;
	*) echo "usage: tests/pristine.sh [--run-only] [--keep]" >&2; exit 2 ;;
	esac
done
[ "$(id -u)" = 0 ] || { echo "tests/pristine.sh: run it as root" >&2; exit 2; }
for c in debootstrap unshare chroot pivot_root curl git; do
	command -v $c >/dev/null || {
		echo "tests/pristine.sh: needs $c (apt-get install" \
		    "debootstrap util-linux curl git)" >&2
		exit 2
	}
done

failed=0
ok() { echo "ok - $*"; }
notok() { echo "not ok - $*"; failed=$((failed + 1)); }

# stage NAME: run pristine-inside.sh NAME with $ROOT as the root of a
# mount namespace of its own (pivot_root, the host's root detached), not
# a chroot: `docker exec` (runc) enters a container's mount namespace at
# that namespace's root, which under a chroot is the host's "/" (the
# exec'd command then ran on the host's files, and the tests that exec
# into containers failed).  Log, seconds.
inside() {
	t0=$(date +%s)
	unshare --mount sh -c 'cd "$1" && pivot_root . mnt/.host && cd / &&
	    umount -l /mnt/.host &&
	    exec /usr/bin/env -i /bin/sh /pristine-inside.sh "$2"' \
	    sh "$ROOT" "$1" >"$WORK/$1.log" 2>&1
	st=$?
	SECS=$(($(date +%s) - t0))
	return $st
}

# The namespace's own part: mounts, then the stages in order.
ns() {
	# The root a mount point of its own, as on a real machine: unshare
	# --propagation and dockerd remount "/", which fails in a plain
	# chroot (EINVAL).
	mount --bind "$ROOT" "$ROOT"
	mount -t proc proc "$ROOT/proc"
	mount --rbind /sys "$ROOT/sys" && mount --make-rslave "$ROOT/sys"
	mount --rbind /dev "$ROOT/dev" && mount --make-rslave "$ROOT/dev"
	mount -t tmpfs -o mode=755 tmpfs "$ROOT/run"
	mkdir -p "$ROOT/mnt/.host"	# pivot_root's put_old (inside)
	if inside clone; then
		ok "git installed and the repository cloned to /root/waiaas" \
		    "($SECS s)"
	else
		tail -20 "$WORK/clone.log"; notok "clone under /root"; return
	fi
	[ -d "$REPO/../shared" ] &&
	    cp -a "$REPO/../shared" "$ROOT/root/shared"
	if inside run; then
		ok "the Run it command ($SECS s; $(chroot "$ROOT" \
		    dpkg-query -W | wc -l) packages after it)"
	else
		tail -30 "$WORK/run.log"; notok "the Run it command"; return
	fi
	if curl -sf http://127.0.0.1:3100/health >"$WORK/health.json"; then
		ok "the daemon answers on 127.0.0.1:3100: $(cat "$WORK/health.json" |
		    cut -c1-120)"
	else
		notok "the daemon answers on 127.0.0.1:3100 after Run it"
	fi
	if inside stop; then ok "waiaas stop"; else
		tail -5 "$WORK/stop.log"; notok "waiaas stop"; fi
	[ $RUN_ONLY = 1 ] && return
	# When the peers are in place, the suite starts: the two parts of
	# the command are timed apart (installing depends on the mirror).
	rm -f "$WORK/peers-ready"
	: > "$WORK/test.log"
	(while ! grep -q '^== test peers ready' "$WORK/test.log"; do
		sleep 1; done; date +%s > "$WORK/peers-ready") &
	watcher=$!
	t_start=$(date +%s)
	inside test && st=0 || st=$?
	kill $watcher 2>/dev/null || true	# it may have ended already
	SUITE=""
	if [ -s "$WORK/peers-ready" ]; then
		p=$(cat "$WORK/peers-ready")
		SUITE=$((t_start + SECS - p))
		echo "# installing the test peers: $((p - t_start)) s;" \
		    "make test: $SUITE s"
	fi
	if [ $st = 0 ]; then
		ok "the Test it command passes ($SECS s): $(grep -E \
		    '^[0-9]+ passed, [0-9]+ failed' "$WORK/test.log" | tail -1)"
	else
		grep -E '^(not ok|== .*[1-9][0-9]* failed)' "$WORK/test.log" |
		    head -40
		notok "the Test it command ($SECS s): $(grep -E \
		    '^[0-9]+ passed, [0-9]+ failed' "$WORK/test.log" | tail -1)"
	fi
	[ -n "$SUITE" ] && [ "$SUITE" -lt 600 ] &&
	    ok "make test took under 10 minutes ($SUITE s)" ||
	    notok "make test took under 10 minutes (${SUITE:-?} s)"
}

# Inside the namespace (this script again, under unshare): the stages.
if [ "${PRISTINE_NS:-}" = 1 ]; then
	ns
	exit $((failed != 0))
fi

# The first ```sh block after the heading that starts with "## $1".
readme_block() {
	awk -v h="## $1" '
	index($0, h) == 1 { f = 1; next }
	f && /^## / { exit }
	f && /^```sh/ { b = 1; next }
	b && /^```/ { exit }
	b { print }' "$REPO/README.md"
}
RUN_CMD=$(readme_block "Run it")
TEST_CMD=$(readme_block "Test it")
[ -n "$RUN_CMD" ] && ok "README has a Run it command" ||
    notok "README has a Run it command (a \`\`\`sh block under ## Run it)"
[ -n "$TEST_CMD" ] && ok "README has a Test it command" ||
    notok "README has a Test it command (a \`\`\`sh block under ## Test it)"
[ $failed = 0 ] || exit 1
if curl -s -o /dev/null http://127.0.0.1:3100/health; then
	notok "127.0.0.1:3100 is free on this host (something answers there)"
	exit 1
fi

# The Debian mirror the host's apt uses (sources.list or deb822).
mirror=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list \
    /etc/apt/sources.list.d/*.sources 2>/dev/null | awk '
	/^deb / { sub(/\[[^]]*\] */, ""); if ($3 == "bookworm") { print $2; exit } }
	/^$/ { uri = "" }
	/^URIs:/ { uri = $2 }
	/^Suites:/ && uri != "" { for (i = 2; i <= NF; i++)
		if ($i == "bookworm") { print uri; exit } }')
mirror=${mirror:-http://deb.debian.org/debian}

mkdir -p "$WORK"
tarball=$(find "$WORK" -maxdepth 1 -name 'bookworm-minbase-*.tar' -mtime -7 |
    sort | tail -1)
if [ -z "$tarball" ]; then
	t0=$(date +%s)
	rm -rf "$WORK/boot"
	if ! debootstrap --variant=minbase bookworm "$WORK/boot" "$mirror" \
	    >"$WORK/debootstrap.log" 2>&1; then
		tail -5 "$WORK/debootstrap.log"
		notok "debootstrap bookworm from $mirror"
		exit 1
	fi
	rm -f "$WORK"/boot/var/cache/apt/archives/*.deb
	tarball=$WORK/bookworm-minbase-$(date +%Y%m%d).tar
	tar -C "$WORK/boot" -cf "$tarball.tmp" . && mv "$tarball.tmp" "$tarball"
	rm -rf "$WORK/boot"
	find "$WORK" -maxdepth 1 -name 'bookworm-minbase-*.tar' \
	    ! -name "$(basename "$tarball")" -delete
	ok "debootstrap --variant=minbase bookworm ($(($(date +%s) - t0)) s)"
else
	ok "debootstrap tarball $(basename "$tarball") (cached)"
fi
rm -rf "$ROOT"
mkdir -p "$ROOT"
tar -C "$ROOT" -xf "$tarball"
# What an installed Debian 12 lists: the release, its updates, security.
host=${mirror%/debian}
cat > "$ROOT/etc/apt/sources.list" <<EOF
deb $mirror bookworm main
deb $mirror bookworm-updates main
deb $host/debian-security bookworm-security main
EOF
cp /etc/resolv.conf "$ROOT/etc/resolv.conf"
# A network whose proxy intercepts TLS has its CA in the host's local
# store; an administrator there would have added it to a new machine too
# (update-ca-certificates runs once ca-certificates is installed).
mkdir -p "$ROOT/usr/local/share/ca-certificates"
for c in /usr/local/share/ca-certificates/*.crt; do
	[ -f "$c" ] && cp "$c" "$ROOT/usr/local/share/ca-certificates/"
done
echo "# packages in the pristine system: $(chroot "$ROOT" dpkg-query -W | wc -l)"

# What git clone takes: the committed tree at HEAD, never the work files
# (a bundle, so that a worktree, whose .git points outside, works too).
git -C "$REPO" bundle create -q "$ROOT/mnt/src.bundle" HEAD

# Everything that runs inside: the commands, and the steps around them.
cat > "$ROOT/pristine-inside.sh" <<EOF
set -u
export HOME=/root PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export LANG=C.UTF-8 DEBIAN_FRONTEND=noninteractive
step=\$1
cd /root
case \$step in
clone)
	apt-get update -qq && apt-get install -y -qq git ca-certificates \\
	    >/dev/null && update-ca-certificates >/dev/null &&
	git clone -q /mnt/src.bundle /root/waiaas ;;
run)
	cd /root/waiaas && {
$RUN_CMD
} ;;
stop)
	cd /root/waiaas && ./build/waiaas stop ;;
test)
	cd /root/waiaas && {
$TEST_CMD
} ;;
esac
EOF

PRISTINE_NS=1 unshare --mount --pid --fork --propagation private \
    sh "$0" "$@" && st=0 || st=$?
[ $KEEP = 1 ] || rm -rf "$ROOT"
echo "# logs: $WORK/*.log"
exit $((st != 0 || failed != 0))
