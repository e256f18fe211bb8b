/*
 * A Solana dry run: the transaction built as the signer would build it
 * (a zero signature; the memo after a transfer), sent to the node's
 * simulateTransaction with sigVerify off, and its verdict, compute units
 * and logs kept in the prepare's answer.
 */
#include <string.h>

#include <jansson.h>
#include <sodium.h>

#include "chain_sol.h"
#include "util.h"

/*
 * A dry run: the node's own verdict on the transaction, unsigned (a zero
 * signature, sigVerify off), built as the signer would build it.  Its
 * answer is the simulation, never a failure of the prepare.
 */
static void
prep_sim_cb(json_t *result, const struct rpc_error *e, void *arg)
{
	struct sol_prep	*p = arg;
	json_t		*v, *logs, *l;
	size_t		 i, used = 0, n;
	uint64_t	 units;

	v = e == NULL ? sol_rpc_value(result) : NULL;
	if (!json_is_object(v)) {
		chain_fmt(p->c.sim_error, sizeof(p->c.sim_error),
		    "simulateTransaction: %s", e != NULL ? e->message :
		    "malformed answer");
		sol_prep_done(p);
		return;
	}
	p->c.sim_ran = 1;
	p->c.sim_ok = json_is_null(json_object_get(v, "err"));
	if (!p->c.sim_ok)
		sol_tx_err_text(json_object_get(v, "err"), p->c.sim_error,
		    sizeof(p->c.sim_error));
	if (sol_json_u64(json_object_get(v, "unitsConsumed"), &units) == 0)
		p->c.gas_used = units;
	logs = json_object_get(v, "logs");
	json_array_foreach(logs, i, l) {
		if (!json_is_string(l))
			continue;
		n = json_string_length(l);
		if (used + n + 2 > sizeof(p->c.sim_logs))
			break;
		memcpy(p->c.sim_logs + used, json_string_value(l), n);
		used += n;
		p->c.sim_logs[used++] = '\n';
	}
	p->c.sim_logs[used] = '\0';
	/* A log line is the node's text: printable, no newline inside. */
	for (i = 0; i < used; i++)
		if (p->c.sim_logs[i] != '\n' &&
		    ((unsigned char)p->c.sim_logs[i] < 0x20 ||
		    p->c.sim_logs[i] == 0x7f))
			p->c.sim_logs[i] = '?';
	sol_prep_done(p);
}

void
sol_prep_simulate(struct sol_prep *p)
{
	struct sol_ix	 ix[3];
	uint8_t		 from[SOL_KEY_LEN], src[SOL_KEY_LEN], d1[12], d2[10];
	uint8_t		 msg[SOL_TX_MAX], tx[SOL_TX_MAX];
	uint8_t		 sig[1][64];
	char		 b64[sodium_base64_ENCODED_LEN(SOL_TX_MAX,
			    sodium_base64_VARIANT_ORIGINAL)];
	size_t		 nix = 1;
	uint32_t	 i;
	int		 mlen, tlen;

	memset(ix, 0, sizeof(ix));
	memset(sig, 0, sizeof(sig));
	if (sol_key58(p->from58, from) == -1)
		goto nobuild;
	switch (p->op) {
	case CHOP_SOL_TRANSFER:
		sol_ix_transfer(&ix[0], from, p->to, p->amount, d1);
		break;
	case CHOP_SOL_TOKEN:
		if (sol_ata(from, p->mint, sol_token_program, src) == -1)
			goto nobuild;
		if (!p->c.ata_exists) {
			sol_ix_create_ata(&ix[0], from, p->ata, p->to, p->mint,
			    d2);
			nix = 2;
		}
		sol_ix_transfer_checked(&ix[nix - 1], src, p->mint, p->ata,
		    from, p->amount, p->c.decimals, d1);
		break;
	case CHOP_SOL_CALL:
		memcpy(ix[0].program, p->to, SOL_KEY_LEN);
		for (i = 0; i < p->naccts; i++) {
			memcpy(ix[0].accts[i].pubkey, p->accts[i].pubkey,
			    SOL_KEY_LEN);
			ix[0].accts[i].is_signer = p->accts[i].is_signer != 0;
			ix[0].accts[i].is_writable =
			    p->accts[i].is_writable != 0;
		}
		ix[0].naccts = p->naccts;
		ix[0].data = p->data;
		ix[0].datalen = p->datalen;
		break;
	default:
		goto nobuild;
	}
	/* a transfer's memo, after it, as the signer builds it */
	if (p->op != CHOP_SOL_CALL && p->datalen > 0)
		sol_ix_memo(&ix[nix++], p->data, p->datalen);
	if ((mlen = sol_message(from, ix, nix, p->c.blockhash, msg,
	    sizeof(msg))) == -1 || (tlen = sol_transaction(
	    (const uint8_t (*)[64])sig, 1, msg, (size_t)mlen, tx,
	    sizeof(tx))) == -1)
		goto nobuild;
	sodium_bin2base64(b64, sizeof(b64), tx, (size_t)tlen,
	    sodium_base64_VARIANT_ORIGINAL);
	sol_prep_call(p, "simulateTransaction",
	    json_pack("[s,{s:s,s:b,s:b,s:s}]", b64, "encoding", "base64",
	    "sigVerify", 0,
	    "replaceRecentBlockhash", 1, "commitment", "confirmed"),
	    prep_sim_cb);
	return;
nobuild:
	/* Not the node's verdict, but as final: the signer would refuse. */
	p->c.sim_ran = 1;
	p->c.sim_ok = 0;
	strlcpy(p->c.sim_error, "the transaction cannot be built (too large "
	    "or malformed)", sizeof(p->c.sim_error));
	sol_prep_done(p);
}
