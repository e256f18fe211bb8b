/*
 * libFuzzer target for relay/relay_format.c: what relay makes of an
 * event (any type, any JSON payload) for each channel, and what it makes
 * of a channel's answer (any status, Retry-After, any body as Telegram's
 * JSON).  The first byte picks the part and the channel or status; the
 * rest is the input (for answers: a Retry-After line, a newline, the
 * body).  Besides the sanitizers, it aborts when a result breaks what
 * relay.h promises: a header with a line break, a credential in an
 * error text, a retry later than the cap, a status outside RELAY_*.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sodium.h>

#include "relay.h"
#include "util.h"
#include "wipe.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define SECRET	"123456:SECRET-token"

static struct ctl_notify	cn;

static void
init(void)
{
	static int	done;

	if (done)
		return;
	done = 1;
	if (sodium_init() < 0)
		abort();
	wipe_install();		/* as relay: bodies are wipe_free()d */
	json_object_seed(1);
	cn.channels = (1U << NOTIFY_MAX) - 1;
	strlcpy(cn.public_url, "https://wallet.example", sizeof(cn.public_url));
	/* the owner's approval link: a static page and the reply topic */
	strlcpy(cn.page_url, "https://pages.example/approve.html",
	    sizeof(cn.page_url));
	strlcpy(cn.reply_topic, "reply_topic_0123456789abcdef",
	    sizeof(cn.reply_topic));
	strlcpy(cn.chan[NOTIFY_WEBHOOK].url, "http://127.0.0.1:1/hook",
	    sizeof(cn.chan[0].url));
	strlcpy(cn.chan[NOTIFY_WEBHOOK].secret, SECRET,
	    sizeof(cn.chan[0].secret));
	strlcpy(cn.chan[NOTIFY_NTFY].url, "http://127.0.0.1:2/",
	    sizeof(cn.chan[0].url));
	strlcpy(cn.chan[NOTIFY_NTFY].target, "topic",
	    sizeof(cn.chan[0].target));
	strlcpy(cn.chan[NOTIFY_NTFY].secret, SECRET,
	    sizeof(cn.chan[0].secret));
	strlcpy(cn.chan[NOTIFY_TELEGRAM].url, "http://127.0.0.1:3",
	    sizeof(cn.chan[0].url));
	strlcpy(cn.chan[NOTIFY_TELEGRAM].secret, SECRET,
	    sizeof(cn.chan[0].secret));
	strlcpy(cn.chan[NOTIFY_TELEGRAM].target, "-100",
	    sizeof(cn.chan[0].target));
}

/* The payload, then "\n", then the type (if any). */
static void
build(int channel, const char *in, size_t len)
{
	struct relay_event	 ev;
	struct relay_msg	 m;
	const char		*why, *nl;
	char			 type[NOTIFY_TYPE_MAX + 8];
	json_t			*p;
	int			 i;

	strlcpy(type, "TX_APPROVAL_REQUIRED", sizeof(type));
	if ((nl = memchr(in, '\n', len)) != NULL) {
		snprintf(type, sizeof(type), "%.*s", (int)(len - (size_t)(nl -
		    in) - 1), nl + 1);
		len = (size_t)(nl - in);
	}
	if ((p = json_loadb(in, len, 0, NULL)) == NULL)
		return;
	memset(&ev, 0, sizeof(ev));
	ev.channel = channel;
	ev.event_id = "01a2031b-ea38-74e6-bcad-8a3a71a3dae1";
	ev.type = type;
	ev.created_at = 1700000000;
	ev.now = 1700000100;
	ev.payload = p;
	if (relay_build(&cn, &ev, &m, &why) == 0) {
		for (i = 0; i < m.nhdrs; i++)
			if (strpbrk(m.hdrs[i], "\r\n") != NULL)
				abort();
		if (m.hdrs[m.nhdrs] != NULL || m.body == NULL ||
		    strlen(m.body) != m.len || strpbrk(m.url, " \r\n") != NULL)
			abort();
		relay_msg_clear(&m);
	} else if (strstr(why, SECRET) != NULL)
		abort();
	json_decref(p);
}

static void
judge(int channel, long status, const char *in, size_t len)
{
	struct rpc_answer	a;
	struct relay_result	r;
	char			ra[RPC_RETRY_AFTER_MAX + 1] = "";
	const char		*nl;

	memset(&a, 0, sizeof(a));
	if ((nl = memchr(in, '\n', len)) != NULL) {
		snprintf(ra, sizeof(ra), "%.*s", (int)(nl - in), in);
		len -= (size_t)(nl - in) + 1;
		in = nl + 1;
	}
	a.status = status;
	a.retry_after = ra;
	a.body = in;
	a.len = len;
	a.truncated = status % 7 == 0;
	memset(&r, 0, sizeof(r));
	relay_judge(channel, &a, NULL, SECRET, 1700000000, &r);
	if (r.status < RELAY_OK || r.status > RELAY_FAIL ||
	    r.retry_after > RELAY_RETRY_MAX ||
	    memchr(r.error, '\0', sizeof(r.error)) == NULL ||
	    strstr(r.error, SECRET) != NULL ||
	    (r.status == RELAY_OK) != (status >= 200 && status <= 299 &&
	    r.error[0] == '\0'))
		abort();
	if (relay_retry_after(ra, 1700000000) > RELAY_RETRY_MAX)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const long	 statuses[] = { 200, 201, 204, 301, 400, 401,
				    403, 404, 408, 425, 429, 500, 502, 503 };
	char			*in;
	unsigned int		 sel;

	if (size < 1)
		return 0;
	init();
	sel = data[0];
	if ((in = malloc(size)) == NULL)
		return 0;
	memcpy(in, data + 1, size - 1);
	in[size - 1] = '\0';
	if (sel & 0x80)
		judge((int)(sel % NOTIFY_MAX), statuses[(sel >> 2) %
		    nitems(statuses)], in, size - 1);
	else
		build((int)(sel % NOTIFY_MAX), in, size - 1);
	free(in);
	return 0;
}
