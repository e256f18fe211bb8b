#!/bin/sh
# Install what building, running and testing waiaas needs on Debian 12,
# and create one system user per process.  Run as root; safe to repeat.
set -eu
# chromium: the approval page's test in a real browser (t_approve_page).
# docker.io, docker-compose (1.29, Debian 12's), debootstrap,
# python3-yaml: the image, its compose files run verbatim (t_docker) and
# the agent container (t_agent_container); systemd: systemd-analyze
# (t_systemd).
PKGS="gcc make pkg-config libevent-dev libsodium-dev libsecp256k1-dev
libsqlite3-dev libjansson-dev libcurl4-openssl-dev libargon2-dev
libseccomp-dev nettle-dev libcmocka-dev clang libclang-rt-14-dev
curl python3 procps util-linux wrk openssl sqlite3 chromium webhook
docker.io docker-compose debootstrap python3-yaml systemd"

missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
	    grep -q 'install ok installed' || missing="$missing $p"
done
if [ -n "$missing" ]; then
	echo "installing:$missing"
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing >/dev/null
fi

# One user per process; the daemon falls back to fixed numeric ids where
# these do not exist (containers).
for u in waiaas waiaas-api waiaas-policyd waiaas-signer waiaas-relay; do
	getent passwd "$u" >/dev/null ||
	    useradd --system --user-group --no-create-home \
	    --home-dir /nonexistent --shell /usr/sbin/nologin "$u"
done

# The real peers the integration tests run against (anvil and cast, the
# litesvm Solana runtime): npm packages pinned in tests/node.  litesvm
# wants Node.js 20 or later.
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
	echo "installing: nodejs npm"
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm \
	    >/dev/null
fi
v=$(node --version | sed 's/^v//; s/\..*//')
[ "$v" -ge 20 ] 2>/dev/null ||
    echo "warning: node $(node --version) is older than 20: litesvm may fail"
NODE_DIR=$(cd "$(dirname "$0")/.." && pwd)/tests/node
LOCK=$NODE_DIR/package-lock.json
if [ -f "$LOCK" ] && { [ ! -d "$NODE_DIR/node_modules" ] ||
    [ "$LOCK" -nt "$NODE_DIR/node_modules" ]; }; then
	# Not npm ci: it refuses this lock because litesvm names optional
	# per-platform packages that were never published (404).  npm
	# install with the lock present installs exactly the locked
	# versions and integrity hashes; --no-save leaves the lock as is.
	echo "installing: tests/node (npm install from package-lock.json)"
	(cd "$NODE_DIR" && npm install --no-audit --no-fund --no-save \
	    --loglevel=error >/dev/null)
	touch "$NODE_DIR/node_modules"
fi
