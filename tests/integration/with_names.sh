#!/bin/sh
# with_names.sh [-c CA_BUNDLE] [-r RESOLV_CONF] HOSTS CMD [ARG...]
#
# Run CMD with HOSTS as /etc/hosts (and, if given, CA_BUNDLE as the
# system's CA bundle and RESOLV_CONF as /etc/resolv.conf), in private
# mount and network namespaces: the host's files stay as they are, and
# CMD sees only a loopback interface, so nothing it starts reaches the
# internet whatever names it looks up.  The tests of the built-in public
# endpoints use it to point those names at local peers.  Root only
# (unshare(1) from util-linux).
set -eu
CA= RESOLV=
while getopts c:r: o; do
	case $o in
	c) CA=$OPTARG ;;
	r) RESOLV=$OPTARG ;;
	*) echo "usage: with_names.sh [-c CA] [-r RESOLV] HOSTS CMD..." >&2
	   exit 2 ;;
	esac
done
shift $((OPTIND - 1))
[ $# -ge 2 ] || { echo "with_names.sh: HOSTS and CMD needed" >&2; exit 2; }
HOSTS=$1
shift
BUNDLE=/etc/ssl/certs/ca-certificates.crt
# The loopback interface up (SIOCSIFFLAGS: IFF_UP | IFF_LOOPBACK |
# IFF_RUNNING), without needing iproute2.
LO_UP='import fcntl, socket, struct
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
fcntl.ioctl(s, 0x8914, struct.pack("16sH14s", b"lo", 0x49, b""))'
exec unshare --mount --net --propagation private sh -c '
	set -e
	python3 -c "$5"
	mount --bind "$1" /etc/hosts
	[ -z "$2" ] || mount --bind "$2" "$4"
	[ -z "$3" ] || mount --bind "$3" /etc/resolv.conf
	shift 5
	exec "$@"' with_names "$HOSTS" "$CA" "$RESOLV" "$BUNDLE" "$LO_UP" "$@"
