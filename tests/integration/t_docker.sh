#!/bin/sh
# t_docker.sh: the image and the compose settings with a real Docker
# engine.  The image builds from source on a local Debian 12 base; the
# container runs with the compose file's capabilities, read-only root and
# healthcheck; every process has its own user and no capability; wallets
# survive a rebuilt image on the same volume; the secrets overlay keeps
# the password out of `docker inspect` and every environment; a
# bind-mounted data directory with the wrong owner says what to chown.
#
# No compose plugin here (Debian 12's docker.io has none): the compose
# files are translated into `docker run` flags by compose_run.py, which
# refuses any setting it does not know.  The network is "none" (no
# bridge on these machines): REST goes through the container's own
# network namespace (nsenter -n), and the published port is checked as
# written.  The healthcheck interval is shortened to 1 s.
#
# Engine: a running one, or dockerd started here without bridge or NAT
# and stopped at the end.  Base image: debootstrap --variant=minbase,
# cached as a tarball under $WAIAAS_DOCKER_CACHE (default
# /var/tmp/waiaas-docker) for 7 days, imported as
# waiaas-debian:bookworm-DATE.
. tests/integration/lib.sh

DOCKER=${DOCKER:-docker}
CACHE=${WAIAAS_DOCKER_CACHE:-/var/tmp/waiaas-docker}
BASE=waiaas-debian:bookworm
IMAGE=waiaas-test:latest
T=waiaas-t-$$
CONTAINERS=""
VOLUMES=""
DOCKERD_PID=""
export DOCKER_BUILDKIT=0	# the classic builder: no buildx plugin here

d_cleanup() {
	for c in $CONTAINERS; do
		$DOCKER rm -f "$c" >/dev/null 2>&1
	done
	for v in $VOLUMES; do
		$DOCKER volume rm -f "$v" >/dev/null 2>&1
	done
	[ -n "${REBUILT:-}" ] && $DOCKER rmi waiaas-test:rebuilt >/dev/null 2>&1
	if [ -n "$DOCKERD_PID" ]; then
		kill -TERM "$DOCKERD_PID" 2>/dev/null
		wait_gone "$DOCKERD_PID" 20000
	fi
	# The bind-mounted directories belong to the container's users.
	rm -rf "$T_TMP"
	t_cleanup
}
trap d_cleanup EXIT

if ! command -v "$DOCKER" >/dev/null || ! command -v dockerd >/dev/null ||
    ! command -v debootstrap >/dev/null; then
	peer_missing "docker, dockerd and debootstrap"
fi

# ---- the engine ----
if [ -z "$MISSING" ] && ! $DOCKER info >/dev/null 2>&1; then
	dockerd --bridge=none --iptables=false --ip-masq=false \
	    --ip-forward=false >"$T_TMP/dockerd.log" 2>&1 &
	DOCKERD_PID=$!
	n=0
	while [ $n -lt 60 ] && ! $DOCKER info >/dev/null 2>&1; do
		kill -0 "$DOCKERD_PID" 2>/dev/null || break
		sleep 0.5
		n=$((n + 1))
	done
	if ! $DOCKER info >/dev/null 2>&1; then
		peer_missing "the Docker engine" "it does not start: $(grep \
		    -i 'level=fatal\|level=error' "$T_TMP/dockerd.log" | tail -1)"
	fi
fi

# ---- the Debian 12 base image ----
# The Debian mirror apt uses here (sources.list or deb822 .sources).
apt_mirror() {
	cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list \
	    /etc/apt/sources.list.d/*.sources 2>/dev/null | awk '
	/^deb / { sub(/\[[^]]*\] */, ""); if ($3 == "bookworm") { print $2; exit } }
	/^$/ { uri = "" }
	/^URIs:/ { uri = $2 }
	/^Suites:/ && uri != "" { for (i = 2; i <= NF; i++)
		if ($i == "bookworm") { print uri; exit } }'
}

# The newest tarball of the last 7 days, else a new one; the image is
# tagged with the tarball's date, so a week later a fresh base is used.
mkdir -p "$CACHE"
tarball=$(find "$CACHE" -maxdepth 1 -name 'bookworm-*.tar' -mtime -7 |
    sort | tail -1)
if [ -z "$tarball" ] && [ -z "$MISSING" ]; then
	tarball=$CACHE/bookworm-$(date +%Y%m%d).tar
	mirror=$(apt_mirror)
	root=$T_TMP/rootfs
	t0=$(date +%s)
	if ! debootstrap --variant=minbase bookworm "$root" \
	    "${mirror:-http://deb.debian.org/debian}" \
	    >"$T_TMP/debootstrap.log" 2>&1; then
		tail -5 "$T_TMP/debootstrap.log"
		peer_missing "a Debian 12 base (debootstrap bookworm from ${mirror:-the default mirror})"
	fi
	rm -f "$root"/var/cache/apt/archives/*.deb
	tar -C "$root" -cf "$tarball.tmp" . && mv "$tarball.tmp" "$tarball"
	rm -rf "$root"
	find "$CACHE" -maxdepth 1 -name 'bookworm-*.tar' \
	    ! -name "$(basename "$tarball")" -delete
	echo "# debootstrap: $(($(date +%s) - t0)) s"
fi
BASE=$BASE-$(basename "$tarball" .tar | sed 's/^bookworm-//')
$DOCKER image inspect "$BASE" >/dev/null 2>&1 ||
    $DOCKER import "$tarball" "$BASE" >/dev/null
check "base image $BASE" $DOCKER image inspect "$BASE" >/dev/null

# ---- the image ----
# build TAG [docker build args]: the build stage keeps a tag of its own,
# so the layer cache survives the prune of the stages it replaced.
build() {
	tag=$1; shift
	$DOCKER build --network host --build-arg BASE="$BASE" \
	    -f docker/Dockerfile --target build -t waiaas-test:build . \
	    >"$T_TMP/build.log" 2>&1 &&
	$DOCKER build --network host --build-arg BASE="$BASE" \
	    -f docker/Dockerfile -t "$tag" "$@" . >>"$T_TMP/build.log" 2>&1 &&
	$DOCKER image prune -f --filter label=waiaas.stage=build >/dev/null
}
t0=$(date +%s)
if build "$IMAGE"; then ok "the image builds from source (docker/Dockerfile)"
else tail -20 "$T_TMP/build.log"; cannot_run "the image builds"; fi
echo "# image build: $(($(date +%s) - t0)) s (layer cache from earlier runs)"
IMAGE_ID=$($DOCKER image inspect -f '{{.Id}}' "$IMAGE")

cfg=$($DOCKER image inspect -f '{{json .Config}}' "$IMAGE")
echo "$cfg" > "$T_TMP/cfg.json"
check "image: EXPOSE 3100, WAIAAS_DATA_DIR=/data, a HEALTHCHECK, starts as root" \
    python3 -c '
import json, sys
c = json.load(open(sys.argv[1]))
assert "3100/tcp" in c["ExposedPorts"], c
assert "WAIAAS_DATA_DIR=/data" in c["Env"], c["Env"]
assert c["Healthcheck"]["Test"][0] in ("CMD", "CMD-SHELL"), c
assert c.get("User") in ("", "root"), c.get("User")
assert "/data" in c["Volumes"], c
' "$T_TMP/cfg.json"
check "image: only runtime libraries (no compiler, no headers)" \
    $DOCKER run --rm --network none --entrypoint /bin/sh "$IMAGE" -c \
    '! command -v cc && ! command -v gcc && ! command -v make &&
    [ ! -e /usr/include/sodium.h ]'

# ---- the compose settings ----
check "compose: the port is published on the host's loopback only" \
    [ "$(python3 tests/integration/compose_run.py --ports \
    docker/docker-compose.yml)" = "127.0.0.1:3100:3100" ]
check "compose: no Docker socket, no privileged mode, no extra devices" \
    sh -c '! grep -q "docker.sock\|privileged\|devices:\|pid: *host" \
    docker/docker-compose.yml docker/docker-compose.secrets.yml'

# run NAME [compose_run options...] -- [compose files]: a container with
# the compose files' settings (default: docker-compose.yml alone).
run() {
	name=$1; shift
	opts=""
	while [ $# -gt 0 ] && [ "$1" != -- ]; do
		opts="$opts $1"; shift
	done
	[ "${1:-}" = -- ] && shift
	[ $# -eq 0 ] && set -- docker/docker-compose.yml
	# shellcheck disable=SC2086
	args=$(python3 tests/integration/compose_run.py --health-interval 1 \
	    $opts "$@") || return 1
	CONTAINERS="$CONTAINERS $name"
	old_ifs=$IFS
	IFS='
'
	# shellcheck disable=SC2086
	set -- $args
	IFS=$old_ifs
	$DOCKER run -d --name "$name" --network none "$@" "$RUN_IMAGE" \
	    >/dev/null
}

# healthy NAME: up to 60 s for Docker's healthcheck to pass.
healthy() {
	n=0
	while [ $n -lt 120 ]; do
		case $($DOCKER inspect -f '{{.State.Health.Status}}' "$1") in
		healthy) return 0 ;;
		esac
		[ "$($DOCKER inspect -f '{{.State.Running}}' "$1")" = true ] ||
		    { $DOCKER logs "$1" 2>&1 | tail -5; return 1; }
		sleep 0.5
		n=$((n + 1))
	done
	$DOCKER logs "$1" 2>&1 | tail -5
	return 1
}

# Every process of container NAME, seen from the host: "pid uid role".
procs() {
	id=$($DOCKER inspect -f '{{.Id}}' "$1")
	for s in /proc/[0-9]*/cgroup; do
		grep -q "$id" "$s" 2>/dev/null || continue
		p=${s#/proc/}; p=${p%/cgroup}
		u=$(awk '$1 == "Uid:" { print $2 }' "/proc/$p/status")
		r=$(tr '\0' '\n' < "/proc/$p/cmdline" |
		    sed -n '1s/^waiaasd: //p')
		echo "$p $u ${r:-parent}"
	done
}

# REST inside container NAME's network namespace: creq NAME METHOD PATH
# [JSON] [HEADER]; status printed, body in $T_TMP/body.
creq() {
	cpid=$($DOCKER inspect -f '{{.State.Pid}}' "$1")
	shift
	if [ -n "${3:-}" ]; then
		nsenter -t "$cpid" -n curl -s -o "$T_TMP/body" -w '%{http_code}' \
		    -X "$1" -H "Content-Type: application/json" -H "$4" \
		    --data-binary "$3" "http://127.0.0.1:3100$2"
	else
		nsenter -t "$cpid" -n curl -s -o "$T_TMP/body" -w '%{http_code}' \
		    -X "$1" -H "$4" "http://127.0.0.1:3100$2"
	fi
}

wallets() {	# wallets NAME PASSWORD: "id address" lines, sorted
	creq "$1" GET /v1/wallets "" "X-Master-Password: $2" >/dev/null
	python3 -c '
import json, sys
j = json.load(open(sys.argv[1]))
items = j.get("items", j) if isinstance(j, dict) else j
for w in sorted(items, key=lambda w: w["id"]):
    print(w["id"], w.get("publicKey") or w.get("address"))
' "$T_TMP/body"
}

# ---- first start on a new named volume ----
VOL=$T-data
VOLUMES="$VOLUMES $VOL"
RUN_IMAGE=$IMAGE
C1=$T-1
run "$C1" --volume "$VOL"
check "the container starts with the compose settings and passes its healthcheck" \
    healthy "$C1"
hc=$($DOCKER inspect -f '{{json .HostConfig}}' "$C1")
echo "$hc" > "$T_TMP/hc.json"
check "running with cap_drop ALL, cap_add SETUID SETGID SYS_CHROOT SETPCAP, no-new-privileges, read-only root" \
    python3 -c '
import json, sys
h = json.load(open(sys.argv[1]))
assert [c.replace("CAP_", "") for c in h["CapDrop"]] == ["ALL"], h["CapDrop"]
add = sorted(c[4:] if c.startswith("CAP_") else c for c in h["CapAdd"])
assert add == ["SETGID", "SETPCAP", "SETUID", "SYS_CHROOT"], h["CapAdd"]
assert "no-new-privileges:true" in h["SecurityOpt"], h["SecurityOpt"]
assert h["ReadonlyRootfs"] is True
assert h["RestartPolicy"]["Name"] == "unless-stopped"
assert not h.get("Privileged")
for b in (h.get("Binds") or []):
    assert "docker.sock" not in b, b
' "$T_TMP/hc.json"

procs "$C1" > "$T_TMP/procs"
cat "$T_TMP/procs" | sed 's/^/# /'
check "five processes: parent 1005, api 1001, policyd 1002, signer 1003, relay 1004" \
    [ "$(awk '{ print $3 ":" $2 }' "$T_TMP/procs" | sort | tr '\n' ' ')" = \
    "api:1001 parent:1005 policyd:1002 relay:1004 signer:1003 " ]
caps_ok=1
while read -r p u r; do
	st=/proc/$p/status
	awk -v r="$r" '
	$1 == "Uid:" || $1 == "Gid:" { if ($2 == 0 || $3 == 0 || $4 == 0 || $5 == 0) bad = bad " " $1 $0 }
	$1 ~ /^Cap(Inh|Prm|Eff|Bnd|Amb):$/ { if ($2 != "0000000000000000") bad = bad " " $0 }
	$1 == "NoNewPrivs:" && $2 != 1 { bad = bad " NoNewPrivs" }
	$1 == "Seccomp:" && $2 != 2 { bad = bad " Seccomp " $2 }
	END { if (bad != "") { print "# " r ":" bad; exit 1 } }' "$st" ||
	    caps_ok=0
done < "$T_TMP/procs"
check "no process has uid or gid 0 or any capability (CapInh/Prm/Eff/Bnd/Amb 0), each has no_new_privs and seccomp" \
    [ $caps_ok = 1 ]
check "api listens on 0.0.0.0:3100 inside the container" sh -c \
    "nsenter -t $($DOCKER inspect -f '{{.State.Pid}}' "$C1") -n ss -ltnH |
    awk '{ print \$4 }' | grep -qx '0.0.0.0:3100'"
check "the root file system is read-only (even /tmp)" sh -c \
    "$DOCKER exec $C1 sh -c ': > /usr/local/bin/x' 2>&1 |
    grep -q 'Read-only file system' &&
    $DOCKER exec $C1 sh -c ': > /tmp/x' 2>&1 |
    grep -q 'Read-only file system'"

PW=$($DOCKER exec -u waiaas "$C1" cat /data/recovery.key)
check "auto-provisioned password: docker exec -u waiaas ... cat /data/recovery.key" \
    [ ${#PW} -ge 40 ]
check "a root shell in the container cannot read the data directory" \
    sh -c "! $DOCKER exec $C1 cat /data/recovery.key 2>/dev/null"
check "healthcheck command alone: waiaas status exits 0 with a line" \
    sh -c "$DOCKER exec $C1 sh /usr/local/lib/waiaas/healthcheck.sh |
    grep -q 'running'"

H="X-Master-Password: $PW"
c1=$(creq "$C1" POST /v1/wallets \
    '{"name":"d-evm","chain":"ethereum","environment":"testnet"}' "$H")
c2=$(creq "$C1" POST /v1/wallets \
    '{"name":"d-sol","chain":"solana","environment":"testnet"}' "$H")
check "two wallets created over REST (EVM, Solana)" \
    [ "$c1 $c2" = "201 201" ]
wallets "$C1" "$PW" > "$T_TMP/w1"
check "GET /v1/wallets lists both with addresses" \
    [ "$(awk 'NF == 2 && $2 != "None"' "$T_TMP/w1" | wc -l)" = 2 ]

$DOCKER stop "$C1" >/dev/null
check "docker stop: a clean exit (status 0) within the grace period" \
    [ "$($DOCKER inspect -f '{{.State.ExitCode}}' "$C1")" = 0 ]
$DOCKER rm "$C1" >/dev/null

# ---- a rebuilt image, a new container, the same volume ----
t0=$(date +%s)
build waiaas-test:rebuilt --label "waiaas.test.rebuild=$$-$t0"
REBUILT=$($DOCKER image inspect -f '{{.Id}}' waiaas-test:rebuilt)
echo "# rebuild: $(($(date +%s) - t0)) s"
check "the image is rebuilt (a new image id)" \
    [ -n "$REBUILT" -a "$REBUILT" != "$IMAGE_ID" ]
C2=$T-2
RUN_IMAGE=waiaas-test:rebuilt
run "$C2" --volume "$VOL"
check "a new container from the rebuilt image on the same volume is healthy" \
    healthy "$C2"
wallets "$C2" "$PW" > "$T_TMP/w2"
check "the same wallets and addresses after the rebuild" \
    cmp -s "$T_TMP/w1" "$T_TMP/w2"
check "the CLI in the container (docker exec -u waiaas ... waiaas wallet list) lists them" \
    [ "$($DOCKER exec -u waiaas "$C2" waiaas wallet list | grep -c ACTIVE)" = 2 ]
check "the same recovery.key, the keystore opens with it" \
    sh -c "[ \"\$($DOCKER exec -u waiaas $C2 cat /data/recovery.key)\" = '$PW' ] &&
    $DOCKER logs $C2 2>&1 | grep -q 'ready on 0.0.0.0:3100 with 2 wallets'"

# ownerAuth through the published address: policyd accepts
# hostname:port (0.0.0.0:3100 here), localhost:3100 and public_url's
# host, which the compose file sets to http://127.0.0.1:3100.
OWNER_KEY=0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d
OWNER_ADDR=0x70997970C51812dc3A010C7d01b50e0d17dc79C8
creq "$C2" GET /v1/wallets "" "X-Master-Password: $PW" >/dev/null
EID=$(python3 -c '
import json, sys
j = json.load(open(sys.argv[1]))
items = j.get("items", j) if isinstance(j, dict) else j
print([w["id"] for w in items if w["name"] == "d-evm"][0])' "$T_TMP/body")
code=$(creq "$C2" PUT "/v1/wallets/$EID/owner" \
    "{\"owner_address\":\"$OWNER_ADDR\"}" "X-Master-Password: $PW")
check "an owner set on the EVM wallet ($code)" [ "$code" = 200 ]
owner_verify() {	# owner_verify DOMAIN -> status of .../owner/verify
	creq "$C2" GET "/v1/nonce?action=owner.verify&target=$EID" "" \
	    "X-Nothing: 0" >/dev/null
	nonce=$(json_get "$T_TMP/body" "j['nonce']")
	out=$(node_bin tests/integration/sign_owner.js "{\"chain\": \"evm\",
	    \"key\": \"$OWNER_KEY\", \"domain\": \"$1\", \"nonce\": \"$nonce\",
	    \"resources\": [\"urn:waiaas:action:owner.verify:$EID\"]}") ||
	    return 1
	cpid=$($DOCKER inspect -f '{{.State.Pid}}' "$C2")
	nsenter -t "$cpid" -n curl -s -o "$T_TMP/body" -w '%{http_code}' \
	    -X POST -H "X-Owner-Address: $(echo "$out" | sed -n 1p)" \
	    -H "X-Owner-Message: $(echo "$out" | sed -n 2p)" \
	    -H "X-Owner-Signature: $(echo "$out" | sed -n 3p)" \
	    "http://127.0.0.1:3100/v1/wallets/$EID/owner/verify"
}
if need_node_modules siwe; then
	code=$(owner_verify wallet.example:3100)
	check "ownerAuth for another domain is refused ($code)" [ "$code" = 401 ]
	code=$(owner_verify 127.0.0.1:3100)
	check "ownerAuth naming the published 127.0.0.1:3100 (public_url) is accepted ($code)" \
	    [ "$code" = 200 ]
else
	notok "ownerAuth for another domain is refused (not run)"
	notok "ownerAuth naming the published 127.0.0.1:3100 (public_url) is accepted (not run)"
fi
$DOCKER rm -f "$C2" >/dev/null
RUN_IMAGE=$IMAGE

# ---- the secrets overlay ----
# The compose files as shipped, beside a secrets/ directory of our own.
mkdir -p "$T_TMP/compose/docker" "$T_TMP/compose/secrets"
cp docker/docker-compose.yml docker/docker-compose.secrets.yml \
    "$T_TMP/compose/docker/"
SPW=$(head -c 24 /dev/urandom | base64 | tr -d '/+=')
( umask 077; printf '%s\n' "$SPW" > "$T_TMP/compose/secrets/master_password.txt" )
chmod 755 "$T_TMP/compose"
VOL2=$T-secrets
VOLUMES="$VOLUMES $VOL2"
C3=$T-3
run "$C3" --volume "$VOL2" -- "$T_TMP/compose/docker/docker-compose.yml" \
    "$T_TMP/compose/docker/docker-compose.secrets.yml"
check "secrets overlay: healthy, the password from /run/secrets" \
    healthy "$C3"
check "secrets overlay: the password works for REST" \
    [ "$(creq "$C3" POST /v1/wallets \
    '{"name":"s","chain":"ethereum","environment":"testnet"}' \
    "X-Master-Password: $SPW")" = 201 ]
check "secrets overlay: a wrong password does not" \
    [ "$(creq "$C3" GET /v1/wallets "" "X-Master-Password: x$SPW")" = 401 ]
$DOCKER inspect "$C3" > "$T_TMP/inspect.json"
check "secrets overlay: the password is not in docker inspect" \
    sh -c "! grep -qF '$SPW' '$T_TMP/inspect.json' &&
    grep -q WAIAAS_MASTER_PASSWORD_FILE '$T_TMP/inspect.json'"
env_clean=1
for p in $(procs "$C3" | awk '{ print $1 }'); do
	if tr '\0' '\n' < "/proc/$p/environ" | grep -qF -e "$SPW" \
	    -e WAIAAS_MASTER_PASSWORD=; then
		env_clean=0
		echo "# pid $p has the password in its environment"
	fi
done
check "secrets overlay: no process environment holds the password" \
    [ $env_clean = 1 -a -n "$(procs "$C3")" ]
check "secrets overlay: not in the logs, and no recovery.key made" \
    sh -c "! $DOCKER logs $C3 2>&1 | grep -qF '$SPW' &&
    $DOCKER exec -u waiaas $C3 sh -c '! test -e /data/recovery.key'"
$DOCKER rm -f "$C3" >/dev/null

# ---- a bind-mounted data directory ----
BIND=$T_TMP/bind
mkdir -m 700 "$BIND"
chown 4242:4242 "$BIND"
C4=$T-4
run "$C4" --bind "$BIND"
n=0
while [ $n -lt 60 ] && ! $DOCKER logs "$C4" 2>&1 | grep -q 'chown'; do
	sleep 0.25
	n=$((n + 1))
done
$DOCKER logs "$C4" 2>&1 | grep chown | head -1 | sed 's/^/# /'
check "wrong owner: a clear error naming the path and the uid:gid to chown" \
    sh -c "$DOCKER logs $C4 2>&1 | grep -q '/data is owned by 4242:4242 \
and must belong to 1005:1005 (user waiaas).*run chown 1005:1005 /data'"
check "wrong owner: the daemon does not serve" \
    [ "$($DOCKER inspect -f '{{.State.Health.Status}}' "$C4")" != healthy ]
$DOCKER rm -f "$C4" >/dev/null
# The README's commands for a bind mount, then it starts.
install -d -o 1005 -g 1005 -m 0700 "$BIND" "$BIND/keystore" "$BIND/backups"
install -d -o 1002 -g 1002 -m 0700 "$BIND/data"
install -d -o 0 -g 0 -m 0555 "$BIND/empty"
# A subdirectory with the wrong owner is named the same way.
chown 4242:4242 "$BIND/data"
C4b=$T-4b
run "$C4b" --bind "$BIND"
n=0
while [ $n -lt 60 ] && ! $DOCKER logs "$C4b" 2>&1 | grep -q 'chown'; do
	sleep 0.25
	n=$((n + 1))
done
check "wrong owner of data/: the error names /data/data and 1002:1002" \
    sh -c "$DOCKER logs $C4b 2>&1 | grep -q '/data/data is owned by \
4242:4242 and must belong to 1002:1002 (user waiaas-policyd).*run chown \
1002:1002 /data/data'"
$DOCKER rm -f "$C4b" >/dev/null
chown 1002:1002 "$BIND/data"
C5=$T-5
run "$C5" --bind "$BIND"
check "bind mount prepared as the README says: healthy" healthy "$C5"
check "bind mount: recovery.key on the host, owned by 1005, mode 600" \
    [ "$(stat -c '%u %a' "$BIND/recovery.key")" = "1005 600" ]
$DOCKER rm -f "$C5" >/dev/null
