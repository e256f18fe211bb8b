/*
 * signer: the only process that will hold decrypted keys.  It takes typed
 * requests from policyd alone and sealed blobs from the parent; after
 * start-up it can read, write, poll, manage memory, draw random bytes and
 * exit, nothing more.  A plain poll(2) loop keeps that list short.
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "imsg.h"
#include "log.h"
#include "proc.h"
#include "signer.h"
#include "solana.h"
#include "util.h"

static struct {
	struct proc	*p;
	struct imsgchan	 parent;
	struct imsgchan	 policyd;
	uint32_t	 pid;
} sg;

static void
signer_dispatch_policyd_ping(struct imsgchan *ch, struct imsg *imsg,
    void *arg)
{
	struct health_pong	pong;

	(void)arg;
	memset(&pong, 0, sizeof(pong));
	pong.signer_pid = sg.pid;
	if (imsgchan_compose(ch, IMSG_HEALTH_PONG, imsg->hdr.peerid, -1,
	    &pong, sizeof(pong)) == -1) {
		if (errno != ENOBUFS)
			fatal("IMSG_HEALTH_PONG");
		log_warnx("policyd channel full; health pong dropped");
	}
}

/* GET /metrics: operations by kind and result, and the resident set. */
static struct metrics_signer	counts;

void
signer_count(int op, int ok)
{
	if (op >= 0 && op < SOP_MAX)
		counts.ops[op][ok ? 0 : 1]++;
}

/* policyd asks for them; the answer goes back on its channel. */
static void
signer_dispatch_policyd_metrics(struct imsgchan *ch, struct imsg *imsg,
    void *arg)
{
	(void)arg;
	counts.rss = metrics_rss(sg.p->statmfd);
	if (imsgchan_compose(ch, IMSG_METRICS_SIGNER, imsg->hdr.peerid, -1,
	    &counts, sizeof(counts)) == -1) {
		if (errno != ENOBUFS)
			fatal("IMSG_METRICS_SIGNER");
		log_warnx("policyd channel full; metrics dropped");
	}
}

/* What each peer may ask; anything else on a channel is fatal. */
static const struct imsg_rule policyd_rules[] = {
	IMSG_RULE_EMPTY(IMSG_HEALTH_PING, signer_dispatch_policyd_ping),
	IMSG_RULE_EMPTY(IMSG_METRICS_ASK, signer_dispatch_policyd_metrics),
	IMSG_RULE_EXACT(IMSG_SIGNER_KEYGEN, struct signer_keygen,
	    keys_keygen),
	IMSG_RULE_EXACT(IMSG_SIGNER_IMPORT, struct signer_import,
	    keys_import),
	IMSG_RULE_EXACT(IMSG_SIGNER_REKEY, struct signer_rekey, keys_rekey),
	IMSG_RULE_EXACT(IMSG_SIGNER_FORGET, struct ks_status, keys_forget),
	/* Header plus data; each handler checks the data length. */
	IMSG_RULE_RANGE(IMSG_SIGNER_SIGN_EVM_TX, sizeof(struct sign_evm_tx),
	    sizeof(struct sign_evm_tx) + SIGN_DATA_MAX, sign_evm_tx),
	IMSG_RULE_RANGE(IMSG_SIGNER_SIGN_EVM_MSG, sizeof(struct sign_evm_msg),
	    sizeof(struct sign_evm_msg) + SIGN_MSG_MAX, sign_evm_msg),
	IMSG_RULE_RANGE(IMSG_SIGNER_SIGN_SOL_TX, sizeof(struct sign_sol_tx),
	    sizeof(struct sign_sol_tx) + SOL_MAX_IX_DATA, sign_sol_tx),
	IMSG_RULE_RANGE(IMSG_SIGNER_SIGN_SOL_MSG, sizeof(struct sign_sol_msg),
	    sizeof(struct sign_sol_msg) + SIGN_MSG_MAX, sign_sol_msg),
	IMSG_RULE_RANGE(IMSG_SIGNER_SIGN_SOL_BATCH,
	    sizeof(struct sign_sol_batch) + 2 * sizeof(struct sign_sol_tx),
	    sizeof(struct sign_sol_batch) + SIGN_SOL_BATCH_MAX *
	    (sizeof(struct sign_sol_tx) + SOL_MAX_IX_DATA), sign_sol_batch),
};

/* The largest batch the rule above takes fits the channel. */
_Static_assert(sizeof(struct sign_sol_batch) + SIGN_SOL_BATCH_MAX *
    (sizeof(struct sign_sol_tx) + SOL_MAX_IX_DATA) + IMSG_HDR_SIZE <=
    CHAN_SIGNER_MAX, "IMSG_SIGNER_SIGN_SOL_BATCH");

static const struct imsg_rule parent_rules[] = {
	IMSG_RULE_EXACT(IMSG_CTL_UNLOCK, struct ctl_unlock, keys_unlock),
	IMSG_RULE_EXACT(IMSG_KS_LOAD, struct ks_blob, keys_load),
	IMSG_RULE_EXACT(IMSG_KS_STORED, struct ks_status, keys_stored),
	IMSG_RULE_EXACT(IMSG_KS_REKEYED, struct ks_status, keys_rekeyed),
	IMSG_RULE_EXACT(IMSG_KS_REMOVED, struct ks_status, keys_removed),
};

/* Read and dispatch what a channel has; exit when it is closed. */
static void
signer_input(struct imsgchan *ch, const struct imsg_rule *rules, size_t n)
{
	struct imsg	imsg;
	ssize_t		r;
	int		g;

	r = imsgchan_read(ch);
	if (r == 0) {
		log_info("channel to %s closed, exiting", ch->name);
		exit(0);
	}
	if (r == -1) {
		if (errno == EAGAIN || errno == EINTR)
			return;
		if (errno == EBADMSG)
			fatalx("channel from %s: %s", ch->name, ch->err);
		fatal("read from %s", ch->name);
	}
	while ((g = imsgchan_get(ch, &imsg)) != 0) {
		if (g == -1)
			fatalx("channel from %s: %s", ch->name, ch->err);
		imsg_dispatch(ch, &imsg, rules, n, NULL);
	}
}

void
signer_main(struct proc *p)
{
	struct pollfd	pfd[2];
	size_t		max, wmax;

	sg.p = p;
	sg.pid = (uint32_t)getpid();
	proc_chan_sizes(PROC_SIGNER, PROC_POLICYD, &max, &wmax);
	if (imsgchan_init(&sg.policyd, p->peerfd[PROC_POLICYD], "policyd",
	    max, wmax, 0) == -1)
		fatal("imsgchan_init");

	keys_init();
	signer_policyd = &sg.policyd;
	signer_parent = &sg.parent;

	proc_sandbox(p);
	if (imsgchan_init(&sg.parent, 3, "parent", CHAN_CTL_MAX,
	    CHAN_CTL_WMAX, 0) == -1)
		fatal("imsgchan_init");

	for (;;) {
		/*
		 * Backpressure: take no more requests from a peer whose
		 * replies fill half its queue; what one read brings in never
		 * needs more than the other half for its answers.
		 */
		pfd[0].fd = sg.parent.fd;
		pfd[0].events = (imsgchan_room(&sg.parent) >= sg.parent.wmax /
		    2 ? POLLIN : 0) | (imsgchan_queued(&sg.parent) ? POLLOUT :
		    0);
		pfd[1].fd = sg.policyd.fd;
		pfd[1].events = (imsgchan_room(&sg.policyd) >=
		    sg.policyd.wmax / 2 ? POLLIN : 0) |
		    (imsgchan_queued(&sg.policyd) ? POLLOUT : 0);
		if (poll(pfd, 2, -1) == -1) {
			if (errno == EINTR)
				continue;
			fatal("poll");
		}
		if ((pfd[0].revents & POLLOUT) &&
		    imsgchan_flush(&sg.parent) == -1)
			fatal("write to parent");
		if ((pfd[1].revents & POLLOUT) &&
		    imsgchan_flush(&sg.policyd) == -1)
			fatal("write to policyd");
		if (pfd[0].revents & (POLLIN | POLLHUP | POLLERR))
			signer_input(&sg.parent, parent_rules,
			    nitems(parent_rules));
		if (pfd[1].revents & (POLLIN | POLLHUP | POLLERR))
			signer_input(&sg.policyd, policyd_rules,
			    nitems(policyd_rules));
		/* A master password change: its next keys, if there is room. */
		keys_rekey_more();
		/* Answers go out at once; POLLOUT only if the socket fills. */
		if (imsgchan_queued(&sg.policyd) &&
		    imsgchan_flush(&sg.policyd) == -1)
			fatal("write to policyd");
		if (imsgchan_queued(&sg.parent) &&
		    imsgchan_flush(&sg.parent) == -1)
			fatal("write to parent");
	}
}

/* waiaasd-signer: its own executable, mapping only what signing needs. */
int
main(int argc, char *argv[])
{
	return proc_exec_main(argc, argv, PROC_SIGNER, signer_main);
}
