#!/bin/sh
# t_systemd.sh: systemd/waiaasd.service.  systemd is not PID 1 on these
# machines, so the unit is not started by systemd: make install with
# DESTDIR puts it in place; systemd-analyze verifies it and rates its
# sandbox offline; then the daemon runs as the unit would run it, as far
# as that can be rebuilt by hand: the unit's ExecStartPre lines, its
# CapabilityBoundingSet and NoNewPrivileges (setpriv), ProtectSystem=
# strict with ReadWritePaths (a private mount namespace whose root is
# read-only but for the data directory).  PrivateTmp, PrivateDevices and
# the Protect*/Restrict* options are checked only by systemd-analyze.
. tests/integration/lib.sh

UNIT=systemd/waiaasd.service
INST=$T_TMP/inst
make -s BUILD="$BUILD" DESTDIR="$INST" install >"$T_TMP/install.log" 2>&1
check "make install puts the unit in \$(DESTDIR)/etc/systemd/system, mode 644" \
    [ "$(stat -c %a "$INST/etc/systemd/system/waiaasd.service" 2>/dev/null)" = 644 ]
B=$INST/usr/local/bin
check "make install puts waiaasd, its children's executables and waiaas in \$(DESTDIR)/usr/local/bin" \
    [ -x "$B/waiaasd" -a -x "$B/waiaas" -a -x "$B/waiaasd-api" \
    -a -x "$B/waiaasd-policyd" -a -x "$B/waiaasd-signer" \
    -a -x "$B/waiaasd-relay" ]
# The daemon below is the installed one: it finds its children there.
WAIAASD=$INST/usr/local/bin/waiaasd

if ! command -v systemd-analyze >/dev/null; then
	peer_missing "systemd-analyze (the systemd package)"
fi
# verify wants the programs on this machine: point it at the DESTDIR.
sed "s|/usr/local/bin/|$INST/usr/local/bin/|g" "$UNIT" \
    > "$T_TMP/waiaasd.service"
check "systemd-analyze verify: no error" \
    sh -c "systemd-analyze verify '$T_TMP/waiaasd.service' > '$T_TMP/verify' 2>&1 &&
    [ ! -s '$T_TMP/verify' ]"
sed 's/^/# /' "$T_TMP/verify"
systemd-analyze security --offline=yes "$T_TMP/waiaasd.service" \
    > "$T_TMP/security" 2>&1
score=$(sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p' \
    "$T_TMP/security")
echo "# systemd-analyze security --offline: exposure $score"
check "systemd-analyze security: exposure below 4.5 (OK)" \
    python3 -c "import sys; sys.exit(not (0 < float('${score:-0}') < 4.5))"

unit_val() {	# unit_val KEY: every value of KEY= in the unit, one a line
	sed -n "s/^$1=//p" "$UNIT"
}
check "the unit: the four start-up capabilities, no others" \
    [ "$(unit_val CapabilityBoundingSet | tr ' ' '\n' | sort | tr '\n' ' ')" = \
    "CAP_SETGID CAP_SETPCAP CAP_SETUID CAP_SYS_CHROOT " ]
check "the unit: NoNewPrivileges, ProtectSystem=strict, only the data directory writable, PrivateTmp" \
    [ "$(unit_val NoNewPrivileges) $(unit_val ProtectSystem) $(unit_val ReadWritePaths) $(unit_val PrivateTmp)" = \
    "yes strict /var/lib/waiaas yes" ]
check "the unit: starts as root (no User=, no DynamicUser=, no PrivateUsers=)" \
    sh -c "! grep -q '^User=\|^DynamicUser=\|^PrivateUsers=' '$UNIT'"

# ---- the daemon as the unit runs it ----
DATA=$T_TMP/var/lib/waiaas
mkdir -p "$T_TMP/var/lib"
unit_val ExecStartPre | sed "s/^+//; s|/var/lib/waiaas|$DATA|g" \
    > "$T_TMP/pre"
pre_ok=1
while read -r cmd; do
	# shellcheck disable=SC2086
	$cmd || pre_ok=0
done < "$T_TMP/pre"
check "ExecStartPre lays out the data directory with its owners" \
    [ $pre_ok = 1 -a "$(stat -c '%U %a' "$DATA/data" "$DATA/empty" "$DATA" | tr '\n' ' ')" = \
    "waiaas-policyd 700 root 555 waiaas 700 " ]
bset=$(unit_val CapabilityBoundingSet | tr ' ' '\n' |
    sed 's/^CAP_//' | tr 'A-Z' 'a-z' | sed 's/^/+/' | tr '\n' ',' |
    sed 's/,$//')
PORT=$(free_port)
LOG=$T_TMP/daemon.log
env -u WAIAAS_MASTER_PASSWORD WAIAAS_DATA_DIR="$DATA" \
    WAIAAS_DAEMON_PORT="$PORT" WAIAAS_AUTO_PROVISION=true \
    unshare -m sh -c '
	mount --make-rprivate / && mount --bind "$1" "$1" &&
	mount -o remount,bind,ro / && shift &&
	exec setpriv --bounding-set "$0" --inh-caps=-all --no-new-privs "$@"' \
    "-all,$bset" "$DATA" "$WAIAASD" -d > "$LOG" 2>&1 &
DPID=$!
n=0
while [ $n -lt 200 ] && ! curl -s -o /dev/null "http://127.0.0.1:$PORT/health"; do
	kill -0 $DPID 2>/dev/null || break
	sleep 0.05
	n=$((n + 1))
done
wait_log 'ready on'
check "under the unit's bounding set, no_new_privs and a read-only root: it serves" \
    sh -c "curl -s http://127.0.0.1:$PORT/health | grep -q '\"mode\":\"full\"'"
check "its root is mounted read-only, the data directory read-write" \
    sh -c "awk '\$5 == \"/\" { print \$6 }' /proc/$DPID/mountinfo | grep -q '^ro' &&
    awk -v d='$DATA' '\$5 == d { print \$6 }' /proc/$DPID/mountinfo | grep -q '^rw'"
tail -3 "$LOG" | sed 's/^/# /'
kids=$(pgrep -P "$DPID")
bad=0
for p in $DPID $kids; do
	awk '$1 == "Uid:" && $2 == 0 { b = 1 }
	    $1 ~ /^Cap(Prm|Eff|Bnd):$/ && $2 != "0000000000000000" { b = 1 }
	    END { exit b }' "/proc/$p/status" || bad=1
done
check "parent and children: no root, no capability" [ $bad = 0 -a -n "$kids" ]
check "only the data directory was written (recovery.key, owned by waiaas)" \
    [ "$(stat -c %U "$DATA/recovery.key" 2>/dev/null)" = waiaas ]
kill -TERM "$DPID"
wait_gone "$DPID" 5000
check "a clean stop removes the pid file" [ ! -e "$DATA/waiaasd.pid" ]

# Without CAP_SETPCAP a process cannot empty its bounding set: the
# daemon stops and says what it needs, rather than run with one.
LOG2=$T_TMP/nosetpcap.log
env -u WAIAAS_MASTER_PASSWORD WAIAAS_DATA_DIR="$DATA" \
    WAIAAS_DAEMON_PORT="$(free_port)" timeout 20 setpriv \
    --bounding-set -all,+setuid,+setgid,+sys_chroot --inh-caps=-all \
    --no-new-privs "$WAIAASD" -d > "$LOG2" 2>&1
st=$?
check "without CAP_SETPCAP: it stops ($st) and names the capability" \
    sh -c "[ $st != 0 -a $st != 124 ] &&
    grep -q 'without CAP_SETPCAP: start with it' '$LOG2'"
