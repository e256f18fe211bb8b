# waiaas: privilege-separated wallet daemon for AI agents.
#
#   make            build build/waiaasd (the parent), one executable per
#                   child (build/waiaasd-api, -policyd, -signer, -relay,
#                   -fetch)
#                   and build/waiaas (the CLI)
#   make install    all of them into $(DESTDIR)$(PREFIX)/bin
#   make test       sanitizer build (ASan+UBSan, no recover) and every test
#   make fuzz       libFuzzer targets, each run briefly
#   make bench      throughput, latency and memory figures (bench/*.sh)
#   make check-src  banned calls and style checks

BUILD	?= build
CC	?= cc
PKGS	 = libevent libsodium libsecp256k1 sqlite3 jansson libcurl \
	   libargon2 libseccomp nettle

PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS))
PKG_LIBS   := $(shell pkg-config --libs $(PKGS))
# The signer links only what signing needs (README: Layout).
SIGNER_PKGS = libsodium libsecp256k1 libargon2 libseccomp nettle
SIGNER_LIBS := $(shell pkg-config --libs $(SIGNER_PKGS))

WARN	 = -Wall -Wextra -Werror -Wshadow -Wpointer-arith -Wformat=2 \
	   -Wstrict-prototypes -Wmissing-prototypes -Wno-unused-parameter
# Library folders only: a process folder's own headers are found beside
# its sources, and no other process's are (tests/checksrc.sh checks the
# includes too).  Tests, fuzz targets and benchmarks see every folder.
INC	 = -Icommon -Iimsg -Iseccomp -Ichain
PROC_INC = -Iapi -Ipolicyd -Isigner -Irelay -Ifetch -Iparent
CFLAGS	?= -O2 -g
ALL_CFLAGS = -std=c11 -D_GNU_SOURCE $(WARN) $(INC) $(PKG_CFLAGS) \
	   -fstack-protector-strong -fPIE $(CFLAGS) $(EXTRA_CFLAGS)
ALL_LDFLAGS = -pie -Wl,-z,relro,-z,now $(LDFLAGS) $(EXTRA_LDFLAGS)

ifeq ($(SAN),1)
EXTRA_CFLAGS += -fsanitize=address,undefined -fno-sanitize-recover=all \
		-fno-omit-frame-pointer -DWAIAAS_TEST_HOOKS
EXTRA_LDFLAGS += -fsanitize=address,undefined
else
ALL_CFLAGS += -D_FORTIFY_SOURCE=2
endif
ifeq ($(SANDBOX_DEBUG),1)
EXTRA_CFLAGS += -DSANDBOX_DEBUG
endif

COMMON_SRCS = common/log.c common/util.c common/config.c common/proc.c \
	      common/priv.c \
	      common/keystore.c common/wipe.c common/routes.c \
	      common/policy_rules.c common/network.c common/price.c \
	      common/secret.c common/errcodes.c common/txinput.c common/rpc.c \
	      common/txbatch.c \
	      common/jsonrpc.c \
	      common/url.c common/resolve.c common/mcp.c common/x402.c \
	      common/jsonw.c \
	      chain/base58.c chain/keccak.c chain/rlp.c chain/evm.c \
	      chain/evm_decode.c chain/sol_decode.c \
	      chain/solana.c chain/eip712.c chain/abi.c chain/abi_text.c \
	      common/tokens.c \
	      imsg/imsg.c imsg/imsgev.c imsg/msg.c seccomp/sandbox.c \
	      seccomp/landlock.c common/metrics.c
PARENT_SRCS = parent/waiaasd.c parent/parent_datadir.c \
	      parent/parent_resolve.c parent/parent_unlock.c \
	      parent/parent_children.c parent/parent_stop.c \
	      parent/parent_keystore.c parent/parent_backup.c \
	      parent/parent_fetch.c common/backup.c
API_SRCS    = api/api.c api/api_health.c api/http.c \
	      api/api_wallets.c api/api_policies.c api/api_chain.c \
	      api/chain_common.c api/chain_evm_decode.c api/chain_evm_net.c \
	      api/chain_evm_prepare.c api/chain_evm_send.c \
	      api/chain_evm_query.c api/chain_evm_incoming.c \
	      api/chain_sol_decode.c api/chain_sol_incoming.c \
	      api/chain_sol_prepare.c api/chain_sol_simulate.c \
	      api/chain_sol_send.c api/chain_sol_query.c api/api_tx.c \
	      api/http_parse.c api/api_owner.c api/api_price.c \
	      api/api_page.c api/api_txref.c api/api_doc.c \
	      api/api_notify.c api/api_admin.c api/api_check.c \
	      api/api_skills.c api/api_mcp.c api/api_tokens.c \
	      api/api_webhooks.c api/api_heap.c \
	      api/chain_tokens.c api/api_ops.c api/api_metrics.c \
	      api/chain_nft.c
POLICYD_SRCS = policyd/siwe.c \
	      policyd/policyd.c policyd/policyd_store.c policyd/policyd_auth.c \
	      policyd/policyd_wallets.c policyd/policyd_api.c \
	      policyd/policyd_sessions.c policyd/policyd_audit.c \
	      policyd/policyd_owner.c policyd/policyd_policies.c \
	      policyd/tx_spec.c policyd/tx_decide.c \
	      policyd/tx_prepare.c policyd/tx_gas.c policyd/tx_watch.c \
	      policyd/tx_sim.c policyd/tx_message.c policyd/tx_routes.c \
	      policyd/tx_sign.c policyd/tx_sign_sol.c policyd/tx_nft.c \
	      policyd/tx_batch.c \
	      policyd/policyd_kill.c policyd/policyd_reply.c \
	      policyd/policyd_decide.c policyd/policyd_queue.c \
	      policyd/policyd_price.c policyd/policy_eval.c \
	      policyd/policyd_notify.c policyd/policyd_link.c \
	      policyd/policyd_admin.c \
	      policyd/policyd_idem.c policyd/policyd_connect.c \
	      policyd/policyd_mcp.c policyd/policyd_tokens.c \
	      policyd/policyd_webhooks.c policyd/policyd_x402.c \
	      policyd/policyd_utils.c policyd/policyd_monitor.c \
	      policyd/policyd_incoming.c \
	      policyd/policyd_ops.c policyd/policyd_settings.c \
	      policyd/policyd_metrics.c policyd/policyd_nft.c
SIGNER_SRCS = signer/signer.c signer/signer_keys.c signer/signer_keytab.c \
	      signer/signer_sign.c \
	      signer/evm_sign.c
RELAY_SRCS  = relay/relay.c relay/relay_format.c
FETCH_SRCS  = fetch/fetch.c

# The libraries' objects in one archive: each executable takes from it
# only the objects its own code calls, and --as-needed keeps a shared
# library it then does not call out of its address space.
COMMON_OBJS = $(COMMON_SRCS:%.c=$(BUILD)/%.o)
LIBWAIAAS = $(BUILD)/libwaiaas.a
DAEMONS = waiaasd waiaasd-api waiaasd-policyd waiaasd-signer waiaasd-relay \
	  waiaasd-fetch
DAEMON_BINS = $(DAEMONS:%=$(BUILD)/%)

UNIT_TESTS = test_imsg test_config test_seccomp test_sandbox_debug \
	     test_evm test_solana test_landlock test_policy_rules test_siwe \
	     test_policy_eval test_eip712 test_price test_spend test_errcodes \
	     test_metrics \
	     test_txinput test_url test_tokens test_abi test_evm_decode \
	     test_x402 test_jsonw test_keytab test_utf8
UNIT_BINS  = $(UNIT_TESTS:%=$(BUILD)/tests/%)

.PHONY: all clean test test-build unit fuzz bench check-src install install-skills
all: $(DAEMON_BINS) $(BUILD)/waiaas

ifeq ($(V),1)
Q =
else
Q = @
endif

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $@")
	$(Q)$(CC) $(ALL_CFLAGS) -MMD -MP -c -o $@ $<

$(LIBWAIAAS): $(COMMON_OBJS)
	@$(if $(Q),echo "  AR      $@")
	$(Q)rm -f $@ && $(AR) rcs $@ $^

$(BUILD)/waiaasd: $(PARENT_SRCS:%.c=$(BUILD)/%.o)
$(BUILD)/waiaasd-api: $(API_SRCS:%.c=$(BUILD)/%.o)
$(BUILD)/waiaasd-policyd: $(POLICYD_SRCS:%.c=$(BUILD)/%.o)
$(BUILD)/waiaasd-relay: $(RELAY_SRCS:%.c=$(BUILD)/%.o)
$(BUILD)/waiaasd-fetch: $(FETCH_SRCS:%.c=$(BUILD)/%.o)
$(BUILD)/waiaasd-signer: $(SIGNER_SRCS:%.c=$(BUILD)/%.o)
# The signer names its few libraries: one more is a link error.
$(BUILD)/waiaasd-signer: DAEMON_LIBS = $(SIGNER_LIBS)
DAEMON_LIBS = $(PKG_LIBS)
$(DAEMON_BINS): $(LIBWAIAAS)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(ALL_CFLAGS) -o $@ $(filter %.o,$^) $(LIBWAIAAS) \
	    $(ALL_LDFLAGS) -Wl,--as-needed $(DAEMON_LIBS)

# Tests, fuzz targets and benchmarks reach into every folder.
$(BUILD)/tests/%.o: INC += $(PROC_INC)
$(BUILD)/bench/%.o: INC += $(PROC_INC)

# The api's pages (approval, API reference, admin), compiled in as C
# strings.
$(BUILD)/api/approve_html.h: api/approve.html scripts/embed.sh
	@mkdir -p $(dir $@)
	$(Q)sh scripts/embed.sh approve_html api/approve.html > $@.tmp
	$(Q)mv $@.tmp $@
$(BUILD)/api/reference_html.h: api/reference.html scripts/embed.sh
	@mkdir -p $(@D)
	$(Q)sh scripts/embed.sh reference_html api/reference.html > $@.tmp
	$(Q)mv $@.tmp $@
# The admin page's three files, each a constant of its own.
$(BUILD)/api/admin_html.h: api/admin.html scripts/embed.sh
	@mkdir -p $(@D)
	$(Q)sh scripts/embed.sh admin_html api/admin.html > $@.tmp
	$(Q)mv $@.tmp $@
$(BUILD)/api/admin_js.h: api/admin.js scripts/embed.sh
	@mkdir -p $(@D)
	$(Q)sh scripts/embed.sh admin_js api/admin.js > $@.tmp
	$(Q)mv $@.tmp $@
$(BUILD)/api/admin_css.h: api/admin.css scripts/embed.sh
	@mkdir -p $(@D)
	$(Q)sh scripts/embed.sh admin_css api/admin.css > $@.tmp
	$(Q)mv $@.tmp $@
$(BUILD)/api/api_page.o: $(BUILD)/api/approve_html.h \
    $(BUILD)/api/reference_html.h $(BUILD)/api/admin_html.h \
    $(BUILD)/api/admin_js.h $(BUILD)/api/admin_css.h
$(BUILD)/api/api_page.o: INC += -I$(BUILD)/api

# This daemon's OpenAPI document (GET /doc), compiled in the same way.
$(BUILD)/api/openapi_json.h: api/openapi.json scripts/embed.sh
	@mkdir -p $(dir $@)
	$(Q)sh scripts/embed.sh openapi_json api/openapi.json > $@.tmp
	$(Q)mv $@.tmp $@
# GET /doc's document itself, made at build time (api/api_docgen.c) from
# that file and the route table, so that the api does not build it at
# each start.
$(BUILD)/api/api_docgen.o: $(BUILD)/api/openapi_json.h
$(BUILD)/api/api_docgen.o: INC += -I$(BUILD)/api
$(BUILD)/api/api_docgen: $(BUILD)/api/api_docgen.o $(LIBWAIAAS)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(ALL_CFLAGS) -o $@ $< $(LIBWAIAAS) $(ALL_LDFLAGS) \
	    -Wl,--as-needed $(PKG_LIBS)
$(BUILD)/api/doc_json.h: $(BUILD)/api/api_docgen
	@$(if $(Q),echo "  GEN     $@")
	$(Q)$(BUILD)/api/api_docgen > $@.tmp
	$(Q)mv $@.tmp $@
$(BUILD)/api/api_doc.o: $(BUILD)/api/doc_json.h
$(BUILD)/api/api_doc.o: INC += -I$(BUILD)/api

# The skill files (GET /v1/skills/{name}), compiled in the same way.
SKILLS	= quickstart wallet transactions policies approvals admin
$(BUILD)/api/skills_md.h: $(SKILLS:%=skills/%.skill.md) scripts/embed.sh
	@mkdir -p $(dir $@)
	$(Q)for s in $(SKILLS); do \
		sh scripts/embed.sh skill_$$s skills/$$s.skill.md || exit 1; \
	done > $@.tmp
	$(Q)mv $@.tmp $@
$(BUILD)/api/api_skills.o: $(BUILD)/api/skills_md.h
$(BUILD)/api/api_skills.o: INC += -I$(BUILD)/api

# An agent's skills directory gets them as <dir>/waiaas-<name>/SKILL.md
# (the layout OpenClaw and Claude read): make install-skills SKILLS_DIR=...
install-skills:
	@test -n "$(SKILLS_DIR)" || { echo "usage: make install-skills \
	    SKILLS_DIR=<the agent's skills directory>" >&2; exit 2; }
	for s in $(SKILLS); do \
		install -d "$(SKILLS_DIR)/waiaas-$$s" && \
		install -m 644 skills/$$s.skill.md \
		    "$(SKILLS_DIR)/waiaas-$$s/SKILL.md" || exit 1; \
	done

# The operator's command: REST client, and the daemon's own config
# loader and master password search, so it reads what the daemon reads.
CLI_OBJS = cli/waiaas.o cli/cli_http.o cli/cli_daemon.o cli/cli_rest.o \
	cli/cli_mcp.o cli/cli_mcp_token.o cli/cli_mcp_setup.o common/mcp.o \
	cli/cli_admin.o cli/cli_backup.o common/backup.o common/keystore.o \
	common/policy_rules.o \
	common/config.o common/log.o common/secret.o common/wipe.o \
	imsg/msg.o common/price.o chain/base58.o common/network.o \
	common/util.o chain/evm.o chain/keccak.o chain/rlp.o common/url.o
$(BUILD)/waiaas: $(CLI_OBJS:%=$(BUILD)/%)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(ALL_CFLAGS) -o $@ $^ $(ALL_LDFLAGS) $(PKG_LIBS)

# PREFIX and DESTDIR as usual; the systemd unit goes to
# $(DESTDIR)$(UNITDIR)/waiaasd.service (README: systemd).
PREFIX	?= /usr/local
BINDIR	?= $(PREFIX)/bin
UNITDIR	?= /etc/systemd/system
install: $(DAEMON_BINS) $(BUILD)/waiaas
	install -d $(DESTDIR)$(BINDIR)
	install -m 755 $(DAEMON_BINS) $(DESTDIR)$(BINDIR)/
	install -m 755 $(BUILD)/waiaas $(DESTDIR)$(BINDIR)/waiaas
	install -d $(DESTDIR)$(UNITDIR)
	install -m 644 systemd/waiaasd.service $(DESTDIR)$(UNITDIR)/

# Unit tests link only the unit under test (and logging).
$(BUILD)/tests/test_imsg: $(BUILD)/tests/unit/test_imsg.o \
    $(BUILD)/imsg/imsg.o $(BUILD)/imsg/msg.o $(BUILD)/common/log.o
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(ALL_CFLAGS) -o $@ $^ $(ALL_LDFLAGS) -lcmocka
PRICE_OBJS = common/price.o chain/base58.o common/network.o common/util.o \
	chain/evm.o chain/keccak.o chain/rlp.o
$(BUILD)/tests/test_config: $(BUILD)/tests/unit/test_config.o \
    $(BUILD)/common/config.o $(BUILD)/common/log.o $(BUILD)/common/url.o \
    $(BUILD)/imsg/msg.o $(PRICE_OBJS:%=$(BUILD)/%)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(ALL_CFLAGS) -o $@ $^ $(ALL_LDFLAGS) -lcmocka $(PKG_LIBS)
$(BUILD)/tests/test_metrics: $(BUILD)/tests/unit/test_metrics.o \
    $(BUILD)/common/metrics.o $(BUILD)/imsg/msg.o
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(ALL_CFLAGS) -o $@ $^ $(ALL_LDFLAGS) -lcmocka $(PKG_LIBS)
$(BUILD)/tests/test_errcodes: $(BUILD)/tests/unit/test_errcodes.o \
    $(BUILD)/common/errcodes.o
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(ALL_CFLAGS) -o $@ $^ $(ALL_LDFLAGS) -lcmocka
$(BUILD)/tests/test_txinput: $(BUILD)/tests/unit/test_txinput.o \
    $(BUILD)/common/txinput.o $(BUILD)/common/network.o $(BUILD)/common/util.o
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(ALL_CFLAGS) -o $@ $^ $(ALL_LDFLAGS) -lcmocka $(PKG_LIBS)
$(BUILD)/tests/test_tokens: $(BUILD)/tests/unit/test_tokens.o \
    $(BUILD)/common/tokens.o $(BUILD)/common/network.o \
    $(BUILD)/common/util.o $(BUILD)/chain/evm.o $(BUILD)/chain/keccak.o \
    $(BUILD)/chain/rlp.o $(BUILD)/chain/base58.o $(BUILD)/chain/abi_text.o
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(ALL_CFLAGS) -o $@ $^ $(ALL_LDFLAGS) -lcmocka $(PKG_LIBS)
$(BUILD)/tests/test_jsonw: $(BUILD)/tests/unit/test_jsonw.o \
    $(BUILD)/common/jsonw.o
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(ALL_CFLAGS) -o $@ $^ $(ALL_LDFLAGS) -lcmocka $(PKG_LIBS)
$(BUILD)/tests/test_url: $(BUILD)/tests/unit/test_url.o \
    $(BUILD)/common/url.o $(BUILD)/common/util.o
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(ALL_CFLAGS) -o $@ $^ $(ALL_LDFLAGS) -lcmocka $(PKG_LIBS)
$(BUILD)/tests/test_price: $(BUILD)/tests/unit/test_price.o \
    $(PRICE_OBJS:%=$(BUILD)/%)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(ALL_CFLAGS) -o $@ $^ $(ALL_LDFLAGS) -lcmocka $(PKG_LIBS)
$(BUILD)/tests/test_seccomp: $(BUILD)/seccomp/test_seccomp.o \
    $(BUILD)/seccomp/sandbox.o $(BUILD)/common/log.o $(BUILD)/imsg/msg.o \
    $(BUILD)/common/util.o
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(ALL_CFLAGS) -o $@ $^ $(ALL_LDFLAGS) -lcmocka $(PKG_LIBS)

$(BUILD)/tests/test_evm: $(BUILD)/tests/unit/test_evm.o \
    $(BUILD)/signer/evm_sign.o $(BUILD)/chain/evm.o $(BUILD)/chain/keccak.o $(BUILD)/chain/rlp.o
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(ALL_CFLAGS) -o $@ $^ $(ALL_LDFLAGS) -lcmocka $(PKG_LIBS)
$(BUILD)/tests/test_evm_decode: $(BUILD)/tests/unit/test_evm_decode.o \
    $(BUILD)/chain/evm_decode.o $(BUILD)/chain/evm.o $(BUILD)/chain/keccak.o \
    $(BUILD)/chain/rlp.o
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(ALL_CFLAGS) -o $@ $^ $(ALL_LDFLAGS) -lcmocka $(PKG_LIBS)
$(BUILD)/tests/test_solana: $(BUILD)/tests/unit/test_solana.o \
    $(BUILD)/chain/solana.o $(BUILD)/chain/sol_decode.o \
    $(BUILD)/chain/base58.o
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(ALL_CFLAGS) -o $@ $^ $(ALL_LDFLAGS) -lcmocka $(PKG_LIBS)
$(BUILD)/tests/test_policy_rules: $(BUILD)/tests/unit/test_policy_rules.o \
    $(BUILD)/common/policy_rules.o $(BUILD)/chain/base58.o \
    $(BUILD)/common/network.o $(BUILD)/common/util.o
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(ALL_CFLAGS) -o $@ $^ $(ALL_LDFLAGS) -lcmocka $(PKG_LIBS)
$(BUILD)/tests/unit/test_policy_eval.o: INC += -Ipolicyd
$(BUILD)/tests/test_policy_eval: $(BUILD)/tests/unit/test_policy_eval.o \
    $(BUILD)/policyd/policy_eval.o $(BUILD)/common/policy_rules.o \
    $(BUILD)/chain/base58.o $(BUILD)/common/network.o \
    $(BUILD)/common/util.o
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(ALL_CFLAGS) -o $@ $^ $(ALL_LDFLAGS) -lcmocka $(PKG_LIBS)
$(BUILD)/tests/unit/test_spend.o: INC += -Ipolicyd
$(BUILD)/tests/test_spend: $(BUILD)/tests/unit/test_spend.o \
    $(BUILD)/policyd/policyd_decide.o $(BUILD)/policyd/policy_eval.o \
    $(BUILD)/policyd/policyd_store.o $(BUILD)/common/policy_rules.o \
    $(BUILD)/chain/base58.o $(BUILD)/common/network.o \
    $(BUILD)/common/util.o $(BUILD)/common/log.o $(BUILD)/common/jsonw.o
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(ALL_CFLAGS) -o $@ $^ $(ALL_LDFLAGS) -lcmocka $(PKG_LIBS)
$(BUILD)/tests/unit/test_siwe.o: INC += -Ipolicyd
$(BUILD)/tests/test_siwe: $(BUILD)/tests/unit/test_siwe.o \
    $(BUILD)/policyd/siwe.o $(BUILD)/chain/base58.o \
    $(BUILD)/chain/evm.o $(BUILD)/chain/keccak.o $(BUILD)/chain/rlp.o \
    $(BUILD)/common/util.o
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(ALL_CFLAGS) -o $@ $^ $(ALL_LDFLAGS) -lcmocka $(PKG_LIBS)
$(BUILD)/tests/test_x402: $(BUILD)/tests/unit/test_x402.o \
    $(BUILD)/common/x402.o $(BUILD)/common/policy_rules.o \
    $(BUILD)/chain/base58.o $(BUILD)/common/network.o \
    $(BUILD)/chain/eip712.o $(BUILD)/chain/abi.o $(BUILD)/chain/evm.o \
    $(BUILD)/chain/keccak.o $(BUILD)/chain/rlp.o $(BUILD)/common/util.o
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(ALL_CFLAGS) -o $@ $^ $(ALL_LDFLAGS) -lcmocka $(PKG_LIBS)
$(BUILD)/tests/test_eip712: $(BUILD)/tests/unit/test_eip712.o \
    $(BUILD)/chain/eip712.o $(BUILD)/chain/abi.o $(BUILD)/signer/evm_sign.o \
    $(BUILD)/chain/evm.o $(BUILD)/chain/keccak.o $(BUILD)/chain/rlp.o \
    $(BUILD)/common/util.o
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(ALL_CFLAGS) -o $@ $^ $(ALL_LDFLAGS) -lcmocka $(PKG_LIBS)

$(BUILD)/tests/unit/test_abi.o: INC += -Itests/vectors
$(BUILD)/tests/test_abi: $(BUILD)/tests/unit/test_abi.o \
    $(BUILD)/chain/abi.o $(BUILD)/chain/evm.o $(BUILD)/chain/keccak.o \
    $(BUILD)/chain/rlp.o $(BUILD)/common/util.o
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(ALL_CFLAGS) -o $@ $^ $(ALL_LDFLAGS) -lcmocka $(PKG_LIBS)

$(BUILD)/tests/test_utf8: $(BUILD)/tests/unit/test_utf8.o
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(ALL_CFLAGS) -o $@ $^ $(ALL_LDFLAGS) -lcmocka
$(BUILD)/tests/test_landlock: $(BUILD)/tests/unit/test_landlock.o \
    $(BUILD)/seccomp/landlock.o
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(ALL_CFLAGS) -o $@ $^ $(ALL_LDFLAGS) -lcmocka
$(BUILD)/tests/unit/test_keytab.o: INC += -Isigner
$(BUILD)/tests/test_keytab: $(BUILD)/tests/unit/test_keytab.o \
    $(BUILD)/signer/signer_keytab.o
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(ALL_CFLAGS) -o $@ $^ $(ALL_LDFLAGS) -lcmocka $(PKG_LIBS)

# Plays parent and policyd to a real signer process (t_signer.sh,
# bench/signer.sh); not a unit test, so not named test_*.
$(BUILD)/tests/signer_driver: $(BUILD)/tests/tools/signer_driver.o \
    $(BUILD)/imsg/imsg.o $(BUILD)/imsg/msg.o $(BUILD)/common/log.o \
    $(BUILD)/chain/base58.o $(BUILD)/common/util.o \
    $(BUILD)/signer/evm_sign.o $(BUILD)/chain/evm.o $(BUILD)/chain/keccak.o $(BUILD)/chain/rlp.o
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(ALL_CFLAGS) -o $@ $^ $(ALL_LDFLAGS) $(PKG_LIBS)

# Runs the api's chain clients alone against a node (t_chain_*.sh):
# JSON in, JSON lines out; not a unit test, so not named test_*.
CHAIN_DRIVER_OBJS = tests/tools/chain_driver.o common/rpc.o common/jsonrpc.o \
	api/chain_common.o api/chain_evm_decode.o api/chain_evm_net.o \
	api/chain_evm_prepare.o api/chain_evm_send.o api/chain_evm_query.o \
	api/chain_sol_decode.o api/chain_sol_prepare.o \
	api/chain_sol_simulate.o api/chain_sol_send.o api/chain_sol_query.o \
	common/network.o common/log.o common/util.o \
	chain/base58.o common/wipe.o imsg/msg.o chain/solana.o \
	chain/evm.o chain/keccak.o chain/rlp.o seccomp/sandbox.o
CHAIN_DRIVER_OBJS += common/url.o common/resolve.o chain/abi.o
$(BUILD)/tests/chain_driver: $(CHAIN_DRIVER_OBJS:%=$(BUILD)/%)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(ALL_CFLAGS) -o $@ $^ $(ALL_LDFLAGS) $(PKG_LIBS)

# Times policyd's decide_eval() against a large history (bench/policy.sh):
# the decision code and the store as policyd links them, a few stubs.
POLICY_BENCH_OBJS = bench/policy_bench.o policyd/policyd_decide.o \
	policyd/policy_eval.o policyd/policyd_store.o common/policy_rules.o \
	chain/base58.o common/network.o common/util.o common/log.o \
	common/jsonw.o
$(BUILD)/bench/policy_bench.o: INC += -Ipolicyd
$(BUILD)/bench/policy_bench: $(POLICY_BENCH_OBJS:%=$(BUILD)/%)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(ALL_CFLAGS) -o $@ $^ $(ALL_LDFLAGS) $(PKG_LIBS) -lm

# The same filters built to trap and name a forbidden call.
$(BUILD)/seccomp/sandbox_debug.o: seccomp/sandbox.c
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(ALL_CFLAGS) -DSANDBOX_DEBUG -c -o $@ $<
$(BUILD)/tests/test_sandbox_debug: $(BUILD)/tests/unit/test_sandbox_debug.o \
    $(BUILD)/seccomp/sandbox_debug.o $(BUILD)/common/log.o \
    $(BUILD)/imsg/msg.o $(BUILD)/common/util.o
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(ALL_CFLAGS) -o $@ $^ $(ALL_LDFLAGS) -lcmocka $(PKG_LIBS)

unit: $(UNIT_BINS)

# The test build: sanitizers on, in its own directory, the fuzz targets
# and the source checks; then every test, the fuzz targets briefly.
# tests/run.sh runs the build itself, once it has started the tests that
# need no build (the Docker image's).  Both builds use every core.
NPROC != nproc 2>/dev/null || echo 2
test:
	tests/run.sh build-test '$(MAKE) test-build'

# One make for the daemons and the unit tests: a second one (unit-san)
# beside it built the same objects and archive at the same time, and a
# link read the archive while it was being rewritten.
test-build:
	$(MAKE) -j$(NPROC) BUILD=build-test SAN=1 \
	    $(DAEMONS:%=build-test/%) build-test/waiaas build-test/tests/signer_driver \
	    build-test/tests/chain_driver $(UNIT_TESTS:%=build-test/tests/%)
	$(MAKE) -j$(NPROC) $(FUZZ_TARGETS:%=build-fuzz/%)
	tests/checksrc.sh

unit-san:
	$(MAKE) BUILD=build-test SAN=1 $(UNIT_TESTS:%=build-test/tests/%)

FUZZ_TARGETS = fuzz_imsg fuzz_config fuzz_http fuzz_base58 \
	       fuzz_policy_rules fuzz_siwe fuzz_rpc fuzz_sol_rpc fuzz_eip712 \
	       fuzz_price fuzz_relay fuzz_backup fuzz_api_body fuzz_txinput \
	       fuzz_txspec fuzz_url fuzz_mcp fuzz_mcp_token fuzz_abi_text \
	       fuzz_abi fuzz_evm_tx fuzz_sol_tx fuzz_incoming fuzz_x402 \
	       fuzz_sol_incoming fuzz_txbatch fuzz_jsonw
FUZZ_CFLAGS = -std=c11 -D_GNU_SOURCE -g -O1 $(INC) $(PROC_INC) $(PKG_CFLAGS) \
	      -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all
FUZZ_TIME ?= 20

# Each source is compiled once for all the fuzz targets that link it
# (build-fuzz/obj/, with its header dependencies); a target is its list
# of sources.  fuzz_rpc and fuzz_sol_rpc #include the api files they
# test whole (their static functions), so those are not in their lists.
fuzz_o = $(patsubst %.c,build-fuzz/obj/%.o,$(1))
build-fuzz/obj/%.o: %.c
	@mkdir -p $(@D)
	clang $(FUZZ_CFLAGS) -Itests/fuzz -Icli -MMD -MP -c -o $@ $<
-include $(wildcard build-fuzz/obj/*/*.d build-fuzz/obj/*/*/*.d)
$(FUZZ_TARGETS:%=build-fuzz/%):
	clang $(FUZZ_CFLAGS) -o $@ $^ $(PKG_LIBS)

FUZZ_CHAIN = chain/evm.c chain/keccak.c chain/rlp.c
FUZZ_PRICE_SRCS = common/price.c chain/base58.c common/network.c \
	common/util.c $(FUZZ_CHAIN)
build-fuzz/fuzz_imsg: $(call fuzz_o,tests/fuzz/fuzz_imsg.c imsg/imsg.c \
    imsg/msg.c common/log.c)
build-fuzz/fuzz_config: $(call fuzz_o,tests/fuzz/fuzz_config.c \
    common/config.c common/log.c common/url.c imsg/msg.c $(FUZZ_PRICE_SRCS))
build-fuzz/fuzz_abi_text: $(call fuzz_o,tests/fuzz/fuzz_abi_text.c \
    chain/abi_text.c)
# The ABI encoder behind POST /v1/utils/encode-calldata.
build-fuzz/fuzz_abi: $(call fuzz_o,tests/fuzz/fuzz_abi.c chain/abi.c \
    $(FUZZ_CHAIN) common/util.c)
# The unsigned transactions of POST /v1/transactions/sign.
build-fuzz/fuzz_evm_tx: $(call fuzz_o,tests/fuzz/fuzz_evm_tx.c \
    chain/evm_decode.c $(FUZZ_CHAIN))
# The unsigned Solana transactions sign-only is to take.
build-fuzz/fuzz_sol_tx: $(call fuzz_o,tests/fuzz/fuzz_sol_tx.c \
    chain/sol_decode.c chain/solana.c chain/base58.c)
build-fuzz/fuzz_txinput: $(call fuzz_o,tests/fuzz/fuzz_txinput.c \
    common/txinput.c)
# What an x402 resource server answers (policyd_x402.c).
build-fuzz/fuzz_x402: $(call fuzz_o,tests/fuzz/fuzz_x402.c common/x402.c \
    common/policy_rules.c chain/base58.c common/network.c chain/eip712.c \
    chain/abi.c $(FUZZ_CHAIN) common/util.c)
# A BATCH's instructions (POST /v1/transactions/send, type BATCH).
build-fuzz/fuzz_txbatch: $(call fuzz_o,tests/fuzz/fuzz_txbatch.c \
    common/txbatch.c)
# The answers' JSON writer, checked against jansson's json_dumps().
build-fuzz/fuzz_jsonw: $(call fuzz_o,tests/fuzz/fuzz_jsonw.c common/jsonw.c)
# The settings' URL parser, checked against libcurl's reading.
build-fuzz/fuzz_url: $(call fuzz_o,tests/fuzz/fuzz_url.c common/url.c \
    common/util.c)
build-fuzz/fuzz_price: $(call fuzz_o,tests/fuzz/fuzz_price.c \
    $(FUZZ_PRICE_SRCS))
build-fuzz/fuzz_relay: $(call fuzz_o,tests/fuzz/fuzz_relay.c \
    relay/relay_format.c common/wipe.c common/util.c)
build-fuzz/fuzz_backup: $(call fuzz_o,tests/fuzz/fuzz_backup.c \
    common/backup.c common/keystore.c common/util.c common/wipe.c)
# The api's query table and body shape checks, with tests/fuzz/api_sink.c
# in place of the forwarding path and the event loop.
build-fuzz/fuzz_api_body: $(call fuzz_o,tests/fuzz/fuzz_api_body.c \
    tests/fuzz/api_sink.c api/api_check.c api/api_wallets.c \
    api/api_policies.c api/api_owner.c api/api_tx.c api/api_txref.c \
    api/api_notify.c api/api_admin.c api/api_tokens.c api/api_webhooks.c \
    common/routes.c common/txbatch.c \
    common/policy_rules.c common/keystore.c chain/base58.c \
    common/network.c common/util.c common/log.c api/http_parse.c imsg/msg.c \
    common/url.c common/x402.c $(FUZZ_CHAIN))
build-fuzz/fuzz_txspec: $(call fuzz_o,tests/fuzz/fuzz_txspec.c \
    policyd/tx_spec.c policyd/tx_nft.c chain/abi.c common/txinput.c \
    common/txbatch.c common/network.c \
    common/util.c common/log.c common/policy_rules.c $(FUZZ_CHAIN) \
    chain/base58.c chain/solana.c)
build-fuzz/fuzz_mcp: $(call fuzz_o,tests/fuzz/fuzz_mcp.c common/mcp.c \
    common/routes.c common/wipe.c)
# The stdio MCP server's reading of a session token's claims.
build-fuzz/fuzz_mcp_token: $(call fuzz_o,tests/fuzz/fuzz_mcp_token.c \
    cli/cli_mcp_token.c common/wipe.c common/util.c common/log.c)
build-fuzz/fuzz_http: $(call fuzz_o,tests/fuzz/fuzz_http.c api/http_parse.c)
build-fuzz/fuzz_base58: $(call fuzz_o,tests/fuzz/fuzz_base58.c \
    chain/base58.c)
build-fuzz/fuzz_policy_rules: $(call fuzz_o,tests/fuzz/fuzz_policy_rules.c \
    common/policy_rules.c chain/base58.c common/network.c common/util.c)
build-fuzz/fuzz_siwe: $(call fuzz_o,tests/fuzz/fuzz_siwe.c policyd/siwe.c \
    chain/base58.c $(FUZZ_CHAIN) common/util.c)
build-fuzz/fuzz_eip712: $(call fuzz_o,tests/fuzz/fuzz_eip712.c \
    chain/eip712.c chain/abi.c $(FUZZ_CHAIN) common/util.c)
# chain_evm_decode.c is included whole (static functions under test).
build-fuzz/fuzz_rpc: $(call fuzz_o,tests/fuzz/fuzz_rpc.c common/jsonrpc.c \
    api/chain_common.c common/network.c common/log.c common/util.c \
    imsg/msg.c $(FUZZ_CHAIN))
# The Solana client's files are included whole (static readers).
build-fuzz/fuzz_sol_rpc: $(call fuzz_o,tests/fuzz/fuzz_sol_rpc.c \
    common/rpc.c common/jsonrpc.c api/chain_common.c common/network.c \
    common/log.c common/util.c chain/base58.c imsg/msg.c chain/solana.c)

# The api's reading of the node's blocks and Transfer logs, whole.
build-fuzz/fuzz_incoming: $(call fuzz_o,tests/fuzz/fuzz_incoming.c \
    api/chain_common.c common/network.c common/log.c common/util.c \
    imsg/msg.c chain/abi.c $(FUZZ_CHAIN))

# The Solana half: signatures and transactions by their balances, whole.
build-fuzz/fuzz_sol_incoming: $(call fuzz_o,tests/fuzz/fuzz_sol_incoming.c \
    api/chain_common.c common/network.c common/log.c common/util.c \
    imsg/msg.c chain/base58.c chain/solana.c)

fuzz: $(FUZZ_TARGETS:%=build-fuzz/%)
	tests/fuzz/run.sh $(FUZZ_TIME) $(FUZZ_TARGETS)

bench: $(DAEMON_BINS) $(BUILD)/tests/signer_driver $(BUILD)/bench/policy_bench
	sh bench/run.sh $(BUILD)

check-src:
	tests/checksrc.sh

clean:
	rm -rf build build-test build-fuzz

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
