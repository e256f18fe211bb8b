#!/bin/sh
# What building and running waiaas needs on Debian 12, and one system
# user per process.  Run as root; safe to repeat.  The test peers
# (compilers for the sanitizer and fuzz builds, Chromium, Docker, Node
# ...) are scripts/test-deps.sh's, not this script's.
set -eu

# The compiler and make, the libraries the daemon links (with their
# headers and pkg-config files), and curl with the CA certificates for
# the daemon's HTTPS calls to RPC nodes and price sources.
PKGS="gcc libc6-dev make pkg-config libevent-dev libsodium-dev
libsecp256k1-dev libsqlite3-dev libjansson-dev libcurl4-openssl-dev
libargon2-dev libseccomp-dev nettle-dev curl ca-certificates"

# apt_install WHY PACKAGE...: install those not yet installed, with
# apt's own progress; without what they only recommend unless
# APT_RECOMMENDS=1.  Shared with scripts/test-deps.sh.
apt_install() {
	why=$1
	shift
	missing=
	for p in "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
		    grep -q 'install ok installed' || missing="$missing $p"
	done
	if [ -z "$missing" ]; then
		echo "== $why: all installed"
		return 0
	fi
	echo "== $why: installing$missing (and what they depend on)"
	if [ "$(id -u)" != 0 ]; then
		echo "$0: installing packages needs root" \
		    "(apt-get install$missing)" >&2
		return 1
	fi
	apt-get update
	r=--no-install-recommends
	[ "${APT_RECOMMENDS:-0}" = 1 ] && r=
	DEBIAN_FRONTEND=noninteractive apt-get install -y $r $missing
}

[ "${DEPS_LIB_ONLY:-0}" = 1 ] && return 0

apt_install "to build and run waiaas" $PKGS

# One user per process; the daemon falls back to fixed numeric ids where
# these do not exist (containers).
for u in waiaas waiaas-api waiaas-policyd waiaas-signer waiaas-relay \
    waiaas-fetch; do
	getent passwd "$u" >/dev/null && continue
	echo "== adding system user $u"
	useradd --system --user-group --no-create-home \
	    --home-dir /nonexistent --shell /usr/sbin/nologin "$u"
done
echo "== ready to build: make"
