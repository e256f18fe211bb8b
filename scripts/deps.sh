#!/bin/sh
# Install what building, running and testing waiaas needs on Debian 12,
# and create one system user per process.  Run as root; safe to repeat.
set -eu
PKGS="gcc make pkg-config libevent-dev libsodium-dev libsecp256k1-dev
libsqlite3-dev libjansson-dev libcurl4-openssl-dev libargon2-dev
libseccomp-dev nettle-dev libcmocka-dev clang libclang-rt-14-dev
curl python3 procps util-linux wrk openssl"

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
