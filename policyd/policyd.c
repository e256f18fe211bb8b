/*
 * policyd: owns the store, authenticates, decides, and is the only process
 * that may ask the signer for anything.  It never opens a network socket.
 */
#include <errno.h>
#include <malloc.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>
#include <jansson.h>
#include <sodium.h>

#include "imsgev.h"
#include "log.h"
#include "policyd.h"
#include "util.h"
#include "wipe.h"

struct policyd	pd;

/*
 * Pings held until the parent's master hash arrives (it makes the hash
 * while the signer derives its key): until then no operator could
 * authenticate, so the daemon is not healthy yet.  The api has one ping
 * out at a time and sends another only after its timeout, so a few
 * slots are plenty; one more replaces the oldest, long given up on.
 */
#define PINGS_HELD_MAX	8

static uint32_t	pings_held[PINGS_HELD_MAX];
static size_t	npings_held;

static void
ping_forward(uint32_t id)
{
	if (imsgev_compose(&pd.signer, IMSG_HEALTH_PING, id, -1, NULL,
	    0) == -1) {
		if (errno != ENOBUFS)
			fatal("IMSG_HEALTH_PING");
		log_warnx("signer channel full; health ping dropped");
	}
}

/* api asks: is the signer alive?  Pass it on under the api's id. */
static void
policyd_dispatch_api_ping(struct imsgchan *ch, struct imsg *imsg, void *arg)
{
	(void)ch;
	(void)arg;
	if (auth_ready()) {
		ping_forward(imsg->hdr.peerid);
		return;
	}
	if (npings_held == PINGS_HELD_MAX) {
		memmove(pings_held, pings_held + 1, (PINGS_HELD_MAX - 1) *
		    sizeof(pings_held[0]));
		npings_held--;
	}
	pings_held[npings_held++] = imsg->hdr.peerid;
}

/* The master hash is in: the pings held pass on. */
void
policyd_pings_release(void)
{
	size_t	i;

	for (i = 0; i < npings_held; i++)
		ping_forward(pings_held[i]);
	npings_held = 0;
}

static void
policyd_dispatch_signer_pong(struct imsgchan *ch, struct imsg *imsg,
    void *arg)
{
	struct health_pong	pong;

	(void)ch;
	(void)arg;
	memcpy(&pong, imsg->data, sizeof(pong));
	pong.policyd_pid = pd.pid;
	pong.schema_version = (uint32_t)store_schema_version();
	if (imsgev_compose(&pd.api, IMSG_HEALTH_PONG, imsg->hdr.peerid, -1,
	    &pong, sizeof(pong)) == -1) {
		if (errno != ENOBUFS)
			fatal("IMSG_HEALTH_PONG");
		log_warnx("api channel full; health pong dropped");
	}
}

/* What each peer may send; anything else on a channel is fatal. */
/*
 * The GET requests of one read from the api share a read transaction
 * (store_read_begin); the api's other messages run outside it, as
 * everything else does, and it ends when the read is dispatched.
 */
static void
api_context(struct imsgchan *ch, struct imsg *imsg, void *arg)
{
	store_read_end();
	tx_context(ch, imsg, arg);
}

static void
api_status(struct imsgchan *ch, struct imsg *imsg, void *arg)
{
	store_read_end();
	tx_status(ch, imsg, arg);
}

static void
api_incoming(struct imsgchan *ch, struct imsg *imsg, void *arg)
{
	store_read_end();
	incoming_result(ch, imsg, arg);
}

static void
api_price(struct imsgchan *ch, struct imsg *imsg, void *arg)
{
	store_read_end();
	price_update(ch, imsg, arg);
}

static void
api_drained(struct imsgev *iev)
{
	(void)iev;
	store_read_end();
}

static const struct imsg_rule api_rules[] = {
	IMSG_RULE_EMPTY(IMSG_HEALTH_PING, policyd_dispatch_api_ping),
	IMSG_RULE_RANGE(IMSG_API_REQUEST, APIREQ_WIRE(0),
	    sizeof(struct api_request) + API_BODY_MAX, policyd_api_request),
	IMSG_RULE_EXACT(IMSG_CHAIN_CONTEXT, struct chain_ctx, api_context),
	IMSG_RULE_EXACT(IMSG_CHAIN_STATUS, struct chain_status, api_status),
	IMSG_RULE_RANGE(IMSG_CHAIN_INCOMING, sizeof(struct incoming_head),
	    sizeof(struct incoming_head) + INCOMING_XFERS_MAX *
	    sizeof(struct incoming_xfer), api_incoming),
	IMSG_RULE_RANGE(IMSG_PRICE_UPDATE, 0,
	    PRICE_ENTRIES_MAX * sizeof(struct price_update), api_price),
};

static const struct imsg_rule signer_rules[] = {
	IMSG_RULE_EXACT(IMSG_HEALTH_PONG, struct health_pong,
	    policyd_dispatch_signer_pong),
	IMSG_RULE_EXACT(IMSG_SIGNER_KEY, struct signer_key,
	    wallets_signer_key),
	IMSG_RULE_RANGE(IMSG_SIGNER_SIGNED, sizeof(struct sign_reply),
	    sizeof(struct sign_reply) + SIGN_DATA_MAX + 1024, tx_signed),
	IMSG_RULE_EXACT(IMSG_SIGNER_REKEYED, struct ks_status, admin_rekeyed),
	IMSG_RULE_EXACT(IMSG_METRICS_SIGNER, struct metrics_signer,
	    metrics_signer),
	IMSG_RULE_EXACT(IMSG_SIGNER_FORGOTTEN, struct ks_status,
	    wallets_forgotten),
};

static const struct imsg_rule relay_rules[] = {
	IMSG_RULE_EXACT(IMSG_RELAY_RESULT, struct relay_result,
	    notify_result),
	IMSG_RULE_EXACT(IMSG_METRICS_RELAY, struct metrics_relay,
	    metrics_relay),
	IMSG_RULE_RANGE(IMSG_RELAY_REPLY, 1, RELAY_REPLY_MAX, reply_topic),
};

static const struct imsg_rule fetch_rules[] = {
	IMSG_RULE_EXACT(IMSG_METRICS_FETCH, struct metrics_relay,
	    metrics_fetch),
	IMSG_RULE_RANGE(IMSG_FETCH_ANSWER, sizeof(struct fetch_answer),
	    sizeof(struct fetch_answer) + FETCH_HDRS_MAX + FETCH_ANSWER_MAX,
	    x402_answer),
};

static const struct imsg_rule parent_rules[] = {
	IMSG_RULE_EXACT(IMSG_CTL_MASTER_HASH, struct ctl_master_hash,
	    auth_master_hash),
	IMSG_RULE_EXACT(IMSG_CTL_TOKEN_WRITTEN, struct ctl_token_written,
	    mcp_token_written),
	IMSG_RULE_RANGE(IMSG_CTL_BACKUP_ENTRY, sizeof(struct ctl_backup_entry),
	    sizeof(struct ctl_backup_entry) + CTL_BACKUP_META_MAX,
	    admin_backup_entry),
	IMSG_RULE_EXACT(IMSG_CTL_BACKUP_END, struct ctl_backup_end,
	    admin_backup_end),
	IMSG_RULE_EMPTY(IMSG_CTL_BACKUP_MORE, admin_backup_more),
	IMSG_RULE_EXACT(IMSG_CTL_BACKUP_SEALED, struct ctl_backup_sealed,
	    admin_backup_sealed),
};

/*
 * Group commit (policyd_store.c): while a commit is due, every channel
 * holds what policyd sends, so that nothing leaves before the rows
 * that make it true are on disk; what may pass is sent "ahead" (a
 * question to the chain, a request to sign).
 */
static void
pd_hold(int on)
{
	struct imsgev	*c[] = { &pd.api, &pd.signer, &pd.relay, &pd.fetch,
	    &pd.parent };
	size_t		 i;

	for (i = 0; i < nitems(c); i++) {
		if (on)
			imsgev_hold(c[i]);
		else
			imsgev_release(c[i]);
	}
}

static void
peer_init(struct imsgev *iev, int peer, const struct imsg_rule *rules,
    size_t nrules)
{
	size_t	max, wmax;

	proc_chan_sizes(PROC_POLICYD, peer, &max, &wmax);
	if (imsgev_init(iev, pd.base, pd.p->peerfd[peer], proc_name(peer),
	    max, wmax, 0, rules, nrules, NULL, NULL) == -1)
		fatal("imsgev_init %s", proc_name(peer));
}

void
policyd_main(struct proc *p)
{
	pd.p = p;
	pd.pid = (uint32_t)getpid();
	/*
	 * Each turn of the loop under load allocates and frees a few MiB
	 * (SQLite's statement and savepoint journals, JSON): with glibc's
	 * default 128 KiB trim threshold the heap's top went back to the
	 * kernel at every turn and came back page fault by page fault, a
	 * sixth of policyd's CPU in the bulk send bench.  Up to 4 MiB of
	 * free top stays; blocks up to 1 MiB come from the heap.
	 */
	(void)mallopt(M_MMAP_THRESHOLD, 1024 * 1024);
	(void)mallopt(M_TRIM_THRESHOLD, 4 * 1024 * 1024);
	wipe_install();
	json_object_seed(randombytes_random());
	if ((pd.base = event_base_new()) == NULL)
		fatalx("event_base_new");
	peer_init(&pd.api, PROC_API, api_rules, nitems(api_rules));
	imsgev_batch(&pd.api);
	imsgev_throttle(&pd.api);
	imsgev_on_drained(&pd.api, api_drained);
	peer_init(&pd.signer, PROC_SIGNER, signer_rules, nitems(signer_rules));
	peer_init(&pd.relay, PROC_RELAY, relay_rules, nitems(relay_rules));
	peer_init(&pd.fetch, PROC_FETCH, fetch_rules, nitems(fetch_rules));
	price_init();

	proc_sandbox(p);
	/* In the database directory: the chroot, or the cwd without one. */
	store_open("waiaas.db");
	sessions_init();
	owner_init();
	kill_load();
	x402_resume();
	tx_resume();
	notify_init();
	webhooks_init();
	settings_init();
	incoming_init();
	if (imsgev_init(&pd.parent, pd.base, 3, "parent", CHAN_CTL_MAX,
	    CHAN_CTL_WMAX, 0, parent_rules, nitems(parent_rules), NULL,
	    NULL) == -1)
		fatal("imsgev_init");
	store_group_init(pd.base, pd_hold);
	event_base_dispatch(pd.base);
	fatalx("event loop ended");
}

/* waiaasd-policyd: its own executable, mapping only what it links. */
int
main(int argc, char *argv[])
{
	return proc_exec_main(argc, argv, PROC_POLICYD, policyd_main);
}
