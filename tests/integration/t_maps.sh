#!/bin/sh
# Each child maps only the libraries its role needs, read from
# /proc/PID/maps of the running tree.  Every child is its own executable
# (waiaasd-ROLE).  The signer maps libsodium, libsecp256k1, libargon2,
# libseccomp, nettle and libc, and none of SQLite, libcurl, OpenSSL,
# GnuTLS, jansson or libevent: a compromised signer finds no SQL, HTTP,
# JSON or TLS code in its address space (DESIGN.md section 8).  policyd,
# which opens no socket, maps no HTTP client and no TLS; the api and the
# relay map no SQLite.  The parent, which only splits the settings' URLs
# (common/url.c) and looks their hosts up, maps no HTTP client, no TLS,
# no SQLite and no seccomp library either, nothing beyond its list.
. tests/integration/lib.sh

if [ "$(id -u)" != 0 ]; then
	echo "skip - t_maps reads the maps of other users' processes as root"
	exit 0
fi
start_daemon || cannot_run "daemon starts"

# libs_of PID: the shared objects PID maps, by name without version
# ("libsqlite3.so.0.8.6" is "libsqlite3"), one per line.
libs_of() {
	awk '$6 ~ /\.so/ { n = $6; sub(/.*\//, "", n); sub(/\.so.*/, "", n)
	    print n }' "/proc/$1/maps" 2>/dev/null | sort -u
}
# has PID LIB...: PID maps every LIB; lacks PID LIB: it does not.
has() {
	_p=$1; shift
	for _l in "$@"; do libs_of "$_p" | grep -qx "$_l" || return 1; done
}
lacks() { ! libs_of "$1" | grep -qx "$2"; }
# The sanitizer build's runtime comes with every executable.
SAN="libasan libubsan libstdc++ libgcc_s libm"
SIGNER_OK="ld-linux-x86-64 libc libsodium libsecp256k1 libargon2 libseccomp
libnettle $SAN"
# libjansson, libnettle (and libsecp256k1, beside it in chain/evm.o):
# config_check() reads the price settings' static table.
PARENT_OK="ld-linux-x86-64 libc libevent-2.1 libsodium libjansson libnettle
libsecp256k1 $SAN"
NEVER="libsqlite3 libcurl libssl libcrypto libgnutls libjansson libevent-2.1
libevent"

for k in $(children_of "$DPID"); do
	case $(role_of "$k") in
	signer)	SPID=$k ;;
	api)	APID=$k ;;
	policyd) PPID_=$k ;;
	relay)	RPID=$k ;;
	esac
done
check "four children, one per role" \
    [ -n "${SPID:-}" -a -n "${APID:-}" -a -n "${PPID_:-}" -a -n "${RPID:-}" ]

# The reader works: the other roles map what they are known to use.
check "api maps libevent and libcurl" has "$APID" libevent-2.1 libcurl
check "policyd maps libsqlite3" has "$PPID_" libsqlite3

exe_of() { basename "$(readlink "/proc/$1/exe")"; }
check "each child runs its own executable, waiaasd-ROLE" \
    [ "$(exe_of "$APID") $(exe_of "$PPID_") $(exe_of "$SPID") $(exe_of "$RPID")" = \
    "waiaasd-api waiaasd-policyd waiaasd-signer waiaasd-relay" ]
check "the signer maps libsodium and libsecp256k1 (it signs)" \
    has "$SPID" libsodium libsecp256k1
for l in $NEVER; do
	check "the signer does not map $l" lacks "$SPID" "$l"
done
extra=$(libs_of "$SPID" | grep -vx -e "$(echo $SIGNER_OK | tr ' ' '\n')" |
    tr '\n' ' ')
check "the signer maps nothing beyond its list (extra: ${extra:-none})" \
    [ -z "$extra" ]
for l in libcurl libssl libcrypto libgnutls; do
	check "policyd does not map $l" lacks "$PPID_" "$l"
done
check "the parent maps libevent and libsodium" \
    has "$DPID" libevent-2.1 libsodium
for l in libcurl libssl libcrypto libgnutls libsqlite3 libargon2 \
    libseccomp; do
	check "the parent does not map $l" lacks "$DPID" "$l"
done
extra=$(libs_of "$DPID" | grep -vx -e "$(echo $PARENT_OK | tr ' ' '\n')" |
    tr '\n' ' ')
check "the parent maps nothing beyond its list (extra: ${extra:-none})" \
    [ -z "$extra" ]
check "neither the api nor the relay maps libsqlite3" \
    sh -c "! grep -q libsqlite3 /proc/$APID/maps /proc/$RPID/maps"
check "the signer is still the sandboxed child (Seccomp 2, NoNewPrivs 1)" \
    [ "$(status_field "$SPID" Seccomp) $(status_field "$SPID" NoNewPrivs)" = "2 1" ]
check "no sanitizer reports" no_sanitizer_reports
