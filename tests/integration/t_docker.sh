#!/bin/sh
# t_docker.sh: the image and the compose settings with a real Docker
# engine.  The image builds from source on a local Debian 12 base; the
# container runs with the compose file's capabilities, read-only root and
# healthcheck; every process has its own user and no capability; wallets
# survive a rebuilt image on the same volume; the secrets overlay keeps
# the password out of `docker inspect` and every environment; a
# bind-mounted data directory with the wrong owner says what to chown.
#
# Most checks look into the processes with the compose files' settings
# translated into `docker run` flags by compose_run.py (which refuses any
# setting it does not know), so that the healthcheck interval can be
# shortened to 1 s.  The network there is "none" (the first engine has
# no bridge): REST goes through the container's own network namespace
# (nsenter -n), and the published port is checked as written.
#
# Engine and base image: docker_lib.sh.  The README's own commands
# (`docker compose up -d` from a clone, the secrets overlay, `docker run
# -p ...` and a plain `docker exec waiaas cat /data/recovery.key`) run
# verbatim at the end, with a compose that is here (Debian 12's
# docker-compose 1.29, and Compose v2 when `docker compose` works), on a
# second engine in a network namespace of its own (docker_lib.sh).
. tests/integration/lib.sh
. tests/integration/docker_lib.sh
IMAGE=waiaas-test:latest
T=waiaas-t-$$
CONTAINERS=""
VOLUMES=""

d_cleanup() {
	for c in $CONTAINERS; do
		$DOCKER rm -f "$c" >/dev/null 2>&1
	done
	for v in $VOLUMES; do
		$DOCKER volume rm -f "$v" >/dev/null 2>&1
	done
	[ -n "${REBUILT:-}" ] && $DOCKER rmi waiaas-test:rebuilt >/dev/null 2>&1
	for i in ${UNTAG:-}; do
		$DOCKER rmi "$i" >/dev/null 2>&1
	done
	d_ns_engine_down
	d_engine_down
	# The bind-mounted directories belong to the container's users.
	rm -rf "$T_TMP"
	t_cleanup
}
trap d_cleanup EXIT

if ! command -v "$DOCKER" >/dev/null || ! command -v dockerd >/dev/null ||
    ! command -v debootstrap >/dev/null; then
	peer_missing "docker, dockerd and debootstrap"
elif ! d_engine_up || ! d_base; then
	peer_missing "a Docker engine and a Debian 12 base image" \
	    "see the lines above; sh scripts/test-deps.sh installs docker.io"
fi
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
    docker-compose.yml)" = "127.0.0.1:3100:3100" ]
check "compose: no Docker socket, no privileged mode, no extra devices" \
    sh -c '! grep -q "docker.sock\|privileged\|devices:\|pid: *host" \
    docker-compose.yml docker-compose.secrets.yml'

# run NAME [compose_run options...] -- [compose files]: a container with
# the compose files' settings (default: docker-compose.yml alone).
run() {
	name=$1; shift
	opts=""
	while [ $# -gt 0 ] && [ "$1" != -- ]; do
		opts="$opts $1"; shift
	done
	[ "${1:-}" = -- ] && shift
	[ $# -eq 0 ] && set -- docker-compose.yml
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
check "six processes: parent 1005, api 1001, policyd 1002, signer 1003, relay 1004, fetch 1006" \
    [ "$(awk '{ print $3 ":" $2 }' "$T_TMP/procs" | sort | tr '\n' ' ')" = \
    "api:1001 fetch:1006 parent:1005 policyd:1002 relay:1004 signer:1003 " ]
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

# Root in the container has no DAC_OVERRIDE: it reaches recovery.key
# through the group root of /data (2710) and of the file (640), and
# nothing else there.
PW=$($DOCKER exec "$C1" cat /data/recovery.key)
check "auto-provisioned password: a plain docker exec ... cat /data/recovery.key (root without DAC_OVERRIDE)" \
    [ ${#PW} -ge 40 ]
check "/data is waiaas:root 2710, recovery.key waiaas:root 640" \
    [ "$($DOCKER exec "$C1" stat -c '%U:%G %a' /data /data/recovery.key |
    tr '\n' ' ')" = "waiaas:root 2710 waiaas:root 640 " ]
check "that root shell cannot list /data, nor enter keystore/ or data/" \
    sh -c "! $DOCKER exec $C1 ls /data >/dev/null 2>&1 &&
    ! $DOCKER exec $C1 ls /data/keystore >/dev/null 2>&1 &&
    ! $DOCKER exec $C1 ls /data/data >/dev/null 2>&1"
check "and the daemon's users cannot read recovery.key (api, as uid 1001)" \
    sh -c "! $DOCKER exec -u 1001:1001 $C1 cat /data/recovery.key \
    >/dev/null 2>&1"
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
    sh -c "[ \"\$($DOCKER exec $C2 cat /data/recovery.key)\" = '$PW' ] &&
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
mkdir -p "$T_TMP/compose/secrets"
cp docker-compose.yml docker-compose.secrets.yml "$T_TMP/compose/"
SPW=$(head -c 24 /dev/urandom | base64 | tr -d '/+=')
( umask 077; printf '%s\n' "$SPW" > "$T_TMP/compose/secrets/master_password.txt" )
chmod 755 "$T_TMP/compose"
VOL2=$T-secrets
VOLUMES="$VOLUMES $VOL2"
C3=$T-3
run "$C3" --volume "$VOL2" -- "$T_TMP/compose/docker-compose.yml" \
    "$T_TMP/compose/docker-compose.secrets.yml"
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
install -d -o 1005 -g 0 -m 2710 "$BIND"
install -d -o 1005 -g 1005 -m 0700 "$BIND/keystore" "$BIND/backups"
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
check "bind mount: recovery.key on the host, owned by 1005:0, mode 640" \
    [ "$(stat -c '%u:%g %a' "$BIND/recovery.key")" = "1005:0 640" ]
$DOCKER rm -f "$C5" >/dev/null

# ---- the README's commands, verbatim ----
# A clone of this tree (its tracked files as they are now), built by
# the compose file on the first engine, then started, exec'd into and
# brought down on the second, whose network namespace has the bridge and
# the published 127.0.0.1:3100.  The image is built under the name the
# compose file gives it, waiaas:latest, from debian:bookworm-slim: both
# names are made here if the engine has none, and removed at the end.
VERBATIM_CHECKS="compose: docker compose up -d in a clone
compose: GET /health on the published 127.0.0.1:3100
compose: docker exec waiaas cat /data/recovery.key
compose: a wallet made with that password
compose: down, then the secrets overlay up -d with secrets/master_password.txt
compose: the same wallet, the password from /run/secrets
compose: down -v
docker run -d --name waiaas -p 127.0.0.1:3100:3100 -v waiaas-data:/data -e WAIAAS_AUTO_PROVISION=true IMAGE
docker run: docker exec waiaas cat /data/recovery.key opens it"

# The composes here: Compose v2 when `docker compose` works, and
# Debian 12's docker-compose 1.29 when installed.
COMPOSES=""
$DOCKER compose version >/dev/null 2>&1 && COMPOSES="docker compose"
command -v docker-compose >/dev/null &&
    COMPOSES="${COMPOSES:+$COMPOSES
}docker-compose"

# ns_get PATH [HEADER]: GET on the published port inside the second
# engine's network namespace; status printed, body in $T_TMP/body.
ns_get() {
	nsenter -t "$NS_PID" -n curl -s -m 5 -o "$T_TMP/body" \
	    -w '%{http_code}' -H "${2:-X-Nothing: 0}" \
	    "http://127.0.0.1:3100$1"
}
ns_post() {	# ns_post PATH JSON HEADER
	nsenter -t "$NS_PID" -n curl -s -m 5 -o "$T_TMP/body" \
	    -w '%{http_code}' -X POST -H "Content-Type: application/json" \
	    -H "$3" --data-binary "$2" "http://127.0.0.1:3100$1"
}
ns_ready() {	# up to 90 s for GET /health to answer 200 (a loaded
	n=0	# machine: the keystore's KDF is the default 64 MiB one)
	while [ $n -lt 180 ]; do
		[ "$(ns_get /health)" = 200 ] && return 0
		sleep 0.5
		n=$((n + 1))
	done
	echo "# GET /health does not answer; the container's log:"
	DOCKER_HOST=$NS_HOST $DOCKER logs waiaas 2>&1 | tail -5 | sed 's/^/# /'
	return 1
}

WT=$T_TMP/w/waiaas
mkdir -p "$T_TMP/w"
made=""
if [ -z "$COMPOSES" ]; then
	echo "# neither docker compose (v2) nor docker-compose is installed"
	d_fail_all "no compose" "$VERBATIM_CHECKS"
	exit 0
fi
if ! $DOCKER image inspect debian:bookworm-slim >/dev/null 2>&1; then
	$DOCKER tag "$BASE" debian:bookworm-slim && UNTAG="debian:bookworm-slim"
fi
$DOCKER image inspect waiaas:latest >/dev/null 2>&1 ||
    UNTAG="$UNTAG waiaas:latest"
git clone -q --no-checkout . "$WT" &&
    git ls-files -z | xargs -0 tar -cf - | tar -C "$WT" -xf - && made=1
first=$(echo "$COMPOSES" | head -1)
# This engine has no bridge: the build's apt-get runs on the host's
# network, through an overlay of the test's own (the shipped file leaves
# the build's network to the engine's default, which BuildKit builders
# accept without the network.host entitlement).
printf 'services:\n  waiaasd:\n    build:\n      network: host\n' \
    > "$T_TMP/build-host.yml"
t0=$(date +%s)
if [ -n "$made" ] && (cd "$WT" && $first -f docker-compose.yml \
    -f "$T_TMP/build-host.yml" build) >"$T_TMP/cbuild.log" 2>&1
then
	ok "$first build: the compose file builds the image from the clone ($(($(date +%s) - t0)) s)"
else
	tail -20 "$T_TMP/cbuild.log" | sed 's/^/# /'
	notok "$first build: the compose file builds the image from the clone"
fi
if ! d_ns_engine_up; then
	d_fail_all "no second engine" "$VERBATIM_CHECKS"
	exit 0
fi
t0=$(date +%s)
$DOCKER save waiaas:latest | $NS_DOCKER load >/dev/null
echo "# the image into the second engine: $(($(date +%s) - t0)) s"

echo "$COMPOSES" | while read -r COMPOSE; do
	echo "# with $COMPOSE ($($COMPOSE version --short 2>/dev/null))"
	(
	cd "$WT" || exit 1
	export DOCKER_HOST=$NS_HOST
	check "$COMPOSE up -d in a clone" sh -c \
	    "$COMPOSE up -d >'$T_TMP/up.log' 2>&1 ||
	    { sed 's/^/# /' '$T_TMP/up.log'; false; }"
	check "$COMPOSE: GET /health on the published 127.0.0.1:3100" ns_ready
	PW=$(docker exec waiaas cat /data/recovery.key)
	check "$COMPOSE: docker exec waiaas cat /data/recovery.key (${#PW} characters)" \
	    [ ${#PW} -ge 40 ]
	check "$COMPOSE: a wallet made with that password" \
	    [ "$(ns_post /v1/wallets \
	    '{"name":"v","chain":"ethereum","environment":"testnet"}' \
	    "X-Master-Password: $PW")" = 201 ]
	mkdir -p secrets
	( umask 077; printf '%s\n' "$PW" > secrets/master_password.txt )
	check "$COMPOSE: down, then -f docker-compose.yml -f docker-compose.secrets.yml up -d" \
	    sh -c "$COMPOSE down >>'$T_TMP/up.log' 2>&1 &&
	    $COMPOSE -f docker-compose.yml -f docker-compose.secrets.yml \
	    up -d >>'$T_TMP/up.log' 2>&1 ||
	    { sed 's/^/# /' '$T_TMP/up.log'; false; }"
	ns_ready
	code=$(ns_get /v1/wallets "X-Master-Password: $PW")
	[ "$code" = 200 ] || docker logs waiaas 2>&1 | tail -5 | sed 's/^/# /'
	check "$COMPOSE: the same wallet, the password from /run/secrets ($code)" \
	    sh -c "[ $code = 200 ] && grep -q '\"name\":\"v\"' '$T_TMP/body' &&
	    docker inspect waiaas | grep -q WAIAAS_MASTER_PASSWORD_FILE=/run/secrets/master_password"
	check "$COMPOSE -f ... -f ... down -v" sh -c \
	    "$COMPOSE -f docker-compose.yml -f docker-compose.secrets.yml \
	    down -v >>'$T_TMP/up.log' 2>&1 && ! docker volume ls -q |
	    grep -q waiaas-data"
	)
done

(
export DOCKER_HOST=$NS_HOST
check "docker run -d --name waiaas -p 127.0.0.1:3100:3100 -v waiaas-data:/data -e WAIAAS_AUTO_PROVISION=true waiaas:latest" \
    sh -c 'docker run -d --name waiaas -p 127.0.0.1:3100:3100 \
    -v waiaas-data:/data -e WAIAAS_AUTO_PROVISION=true waiaas:latest \
    >/dev/null 2>&1'
ns_ready
PW=$(docker exec waiaas cat /data/recovery.key)
check "docker run: docker exec waiaas cat /data/recovery.key opens it (${#PW} characters)" \
    [ "$(ns_get /v1/wallets "X-Master-Password: $PW")" = 200 ]
docker rm -f waiaas >/dev/null
docker volume rm waiaas-data >/dev/null
)
