/*
 * Signing, on policyd's typed request only.  The signer builds the bytes
 * it signs from fields (a transaction, a prefixed message), never signs
 * bytes it is handed, and signs only for a key it holds.
 */
#include <string.h>

#include <sodium.h>

#include "evm_sign.h"
#include "log.h"
#include "msg.h"
#include "signer.h"
#include "solana.h"

static uint8_t	out[EVM_TX_MAX];	/* the largest output */

/* The operation being answered (SOP_*), set by each handler. */
static int	cur_op;

static void
reply(uint32_t peerid, int status, const char *id, const uint8_t *txhash,
    const uint8_t *data, size_t len)
{
	struct sign_reply	r;
	struct iovec		iov[2];

	memset(&r, 0, sizeof(r));
	r.status = status;
	memcpy(r.id, id, KS_ID_LEN);
	if (txhash != NULL)
		memcpy(r.txhash, txhash, 32);
	r.len = (uint32_t)len;
	signer_count(cur_op, status == SIGN_OK);
	iov[0].iov_base = &r;
	iov[0].iov_len = sizeof(r);
	iov[1].iov_base = (void *)(uintptr_t)data;
	iov[1].iov_len = len;
	if (imsgchan_composev(signer_policyd, IMSG_SIGNER_SIGNED, peerid, -1,
	    iov, len > 0 ? 2 : 1) == -1)
		fatal("IMSG_SIGNER_SIGNED");
}

/*
 * The key for a request, or NULL after answering why not.  A malformed
 * header on the internal channel is fatal.
 */
static struct key_slot *
request_key(struct imsg *imsg, const char *id, size_t hdrlen,
    uint32_t datalen, int chain)
{
	struct key_slot	*s;

	if (memchr(id, '\0', KS_ID_LEN + 1) != id + KS_ID_LEN ||
	    !ks_valid_id(id, KS_ID_LEN))
		fatalx("%s: malformed wallet id",
		    imsg_type_name(imsg->hdr.type));
	if (imsg->len != hdrlen + datalen)
		fatalx("%s: length %zu does not match its data length %u",
		    imsg_type_name(imsg->hdr.type), imsg->len, datalen);
	if ((s = keys_find(id)) == NULL) {
		log_warnx("sign request for unknown wallet %s", id);
		reply(imsg->hdr.peerid, SIGN_UNKNOWN_WALLET, id, NULL, NULL, 0);
		return NULL;
	}
	if (s->chain != chain) {
		reply(imsg->hdr.peerid, SIGN_WRONG_CHAIN, id, NULL, NULL, 0);
		return NULL;
	}
	return s;
}

void
sign_evm_tx(struct imsgchan *ch, struct imsg *imsg, void *arg)
{
	struct sign_evm_tx	 req;
	struct evm_tx		 tx;
	struct key_slot		*s;
	uint8_t			 hash[32];
	size_t			 len;

	cur_op = SOP_EVM_TX;
	(void)ch;
	(void)arg;
	memcpy(&req, imsg->data, sizeof(req));
	if ((s = request_key(imsg, req.id, sizeof(req), req.datalen,
	    KS_CHAIN_ETHEREUM)) == NULL)
		return;
	memset(&tx, 0, sizeof(tx));
	tx.type = (int)req.type;
	tx.chain_id = req.chain_id;
	tx.nonce = req.nonce;
	tx.gas_limit = req.gas_limit;
	memcpy(tx.gas_price, req.gas_price, 32);
	memcpy(tx.max_priority_fee, req.max_priority_fee, 32);
	memcpy(tx.max_fee, req.max_fee, 32);
	/* a creation names no to: a to beside it is a confused request */
	if (req.create > 1 || (req.create == 1 &&
	    sodium_is_zero(req.to, sizeof(req.to)) != 1)) {
		reply(imsg->hdr.peerid, SIGN_INVALID, req.id, NULL, NULL, 0);
		return;
	}
	tx.create = req.create == 1;
	if (!tx.create)
		memcpy(tx.to, req.to, 20);
	memcpy(tx.value, req.value, 32);
	tx.data = imsg->data + sizeof(req);
	tx.datalen = req.datalen;
	if (evm_tx_sign(signer_secp, &tx, s->secret, out, sizeof(out), &len,
	    hash) == -1) {
		reply(imsg->hdr.peerid, SIGN_INVALID, req.id, NULL, NULL, 0);
		return;
	}
	reply(imsg->hdr.peerid, SIGN_OK, req.id, hash, out, len);
}

void
sign_evm_msg(struct imsgchan *ch, struct imsg *imsg, void *arg)
{
	struct sign_evm_msg	 req;
	struct key_slot		*s;
	const uint8_t		*data = imsg->data + sizeof(req);
	uint8_t			 sig[65];
	int			 r = -1;

	cur_op = SOP_EVM_MSG;
	(void)ch;
	(void)arg;
	memcpy(&req, imsg->data, sizeof(req));
	if (req.datalen > SIGN_MSG_MAX)
		fatalx("IMSG_SIGNER_SIGN_EVM_MSG: message too long");
	if ((s = request_key(imsg, req.id, sizeof(req), req.datalen,
	    KS_CHAIN_ETHEREUM)) == NULL)
		return;
	if (req.kind == SIGN_EVM_PERSONAL)
		r = evm_sign_personal(signer_secp, s->secret, data,
		    req.datalen, sig);
	else if (req.kind == SIGN_EVM_TYPED && req.datalen == 64)
		r = evm_sign_typed(signer_secp, s->secret, data, data + 32,
		    sig);
	if (r == -1) {
		reply(imsg->hdr.peerid, SIGN_INVALID, req.id, NULL, NULL, 0);
		return;
	}
	reply(imsg->hdr.peerid, SIGN_OK, req.id, NULL, sig, sizeof(sig));
}

/* Sign a compiled message whose only signer is the wallet. */
static void
sol_finish(uint32_t peerid, const char *id, const struct key_slot *s,
    const struct sol_ix *ix, size_t nix, const uint8_t blockhash[32])
{
	uint8_t	msg[SOL_TX_MAX], sig[1][64];
	int	mlen, tlen;

	if ((mlen = sol_message(s->pub, ix, nix, blockhash, msg,
	    sizeof(msg))) == -1 || msg[0] != 1) {
		reply(peerid, SIGN_INVALID, id, NULL, NULL, 0);
		return;
	}
	crypto_sign_detached(sig[0], NULL, msg, (size_t)mlen, s->edsk);
	if ((tlen = sol_transaction((const uint8_t (*)[64])sig, 1, msg,
	    (size_t)mlen, out, SOL_TX_MAX)) == -1) {
		reply(peerid, SIGN_INVALID, id, NULL, NULL, 0);
		return;
	}
	/* The first signature is the transaction id. */
	reply(peerid, SIGN_OK, id, NULL, out, (size_t)tlen);
}

/*
 * The instructions of one typed request, appended to ix at *n; t holds
 * what they point to, alive until the message is compiled.  A transfer
 * is built by sol_typed_ixs() (the same instructions policyd judged and
 * sign-only compares with); a call's accounts may make only the wallet
 * a signer.  -1 if the signer will not sign them.
 */
static int
sol_build(const struct sign_sol_tx *req, const uint8_t *data,
    const struct key_slot *s, struct sol_ix *ix, size_t *n,
    struct sol_typed *t)
{
	uint32_t	i;
	int		k;

	/*
	 * Only a call carries accounts; a transfer's data is its memo, the
	 * last instruction of the transfer.
	 */
	if (req->datalen > SOL_MAX_IX_DATA || req->naccts >
	    SIGN_SOL_MAX_ACCTS || (req->kind != SIGN_SOL_CALL &&
	    (req->datalen > MEMO_MAX || req->naccts != 0)))
		return -1;
	switch (req->kind) {
	case SIGN_SOL_TRANSFER:
	case SIGN_SOL_TOKEN:
		memset(t, 0, sizeof(*t));
		t->kind = req->kind == SIGN_SOL_TRANSFER ? SOL_TYPED_TRANSFER :
		    SOL_TYPED_TOKEN;
		memcpy(t->to, req->to, 32);
		memcpy(t->mint, req->mint, 32);
		t->amount = req->amount;
		t->decimals = req->decimals;
		t->create_ata = req->create_ata != 0;
		t->to_account = req->to_account != 0;
		t->memo = data;
		t->memolen = req->datalen;
		if ((k = sol_typed_ixs(t, s->pub, ix + *n)) == -1)
			return -1;
		*n += (size_t)k;
		return 0;
	case SIGN_SOL_CALL:
		memset(&ix[*n], 0, sizeof(ix[*n]));
		memcpy(ix[*n].program, req->program, 32);
		for (i = 0; i < req->naccts; i++) {
			/* The wallet is the only key that can sign. */
			if (req->accts[i].is_signer &&
			    memcmp(req->accts[i].pubkey, s->pub, 32) != 0)
				return -1;
			memcpy(ix[*n].accts[i].pubkey, req->accts[i].pubkey,
			    32);
			ix[*n].accts[i].is_signer = req->accts[i].is_signer !=
			    0;
			ix[*n].accts[i].is_writable =
			    req->accts[i].is_writable != 0;
		}
		ix[*n].naccts = req->naccts;
		ix[*n].data = data;
		ix[*n].datalen = req->datalen;
		(*n)++;
		return 0;
	default:
		return -1;
	}
}

void
sign_sol_tx(struct imsgchan *ch, struct imsg *imsg, void *arg)
{
	static struct sign_sol_tx	 req;
	static struct sol_ix		 ix[3];
	static struct sol_typed		 t;
	struct key_slot			*s;
	size_t				 n = 0;

	cur_op = SOP_SOL_TX;
	(void)ch;
	(void)arg;
	memcpy(&req, imsg->data, sizeof(req));
	if (req.datalen > SOL_MAX_IX_DATA || req.naccts > SIGN_SOL_MAX_ACCTS)
		fatalx("IMSG_SIGNER_SIGN_SOL_TX: out of bounds");
	if ((s = request_key(imsg, req.id, sizeof(req), req.datalen,
	    KS_CHAIN_SOLANA)) == NULL)
		return;
	if (sol_build(&req, imsg->data + sizeof(req), s, ix, &n, &t) == -1) {
		reply(imsg->hdr.peerid, SIGN_INVALID, req.id, NULL, NULL, 0);
		return;
	}
	sol_finish(imsg->hdr.peerid, req.id, s, ix, n, req.blockhash);
}

/*
 * A BATCH: every instruction of every item in one message, in order,
 * one signature.  Each item is checked as sign_sol_tx checks one; a
 * message too large for a packet is refused by sol_message.
 */
void
sign_sol_batch(struct imsgchan *ch, struct imsg *imsg, void *arg)
{
	static struct sign_sol_tx	 item;
	static struct sol_ix		 ix[3 * SIGN_SOL_BATCH_MAX];
	static struct sol_typed		 t[SIGN_SOL_BATCH_MAX];
	struct sign_sol_batch		 req;
	struct key_slot			*s;
	const uint8_t			*items, *data;
	size_t				 n = 0, used = 0;
	uint32_t			 i;

	cur_op = SOP_SOL_TX;
	(void)ch;
	(void)arg;
	memcpy(&req, imsg->data, sizeof(req));
	if (req.nitems < 2 || req.nitems > SIGN_SOL_BATCH_MAX ||
	    req.datalen > SIGN_SOL_BATCH_MAX * SOL_MAX_IX_DATA)
		fatalx("IMSG_SIGNER_SIGN_SOL_BATCH: out of bounds");
	if ((s = request_key(imsg, req.id, sizeof(req) + req.nitems *
	    sizeof(item), req.datalen, KS_CHAIN_SOLANA)) == NULL)
		return;
	items = imsg->data + sizeof(req);
	data = items + req.nitems * sizeof(item);
	for (i = 0; i < req.nitems; i++) {
		memcpy(&item, items + i * sizeof(item), sizeof(item));
		if (item.datalen > req.datalen - used)
			fatalx("IMSG_SIGNER_SIGN_SOL_BATCH: data lengths");
		if (sol_build(&item, data + used, s, ix, &n, &t[i]) == -1) {
			reply(imsg->hdr.peerid, SIGN_INVALID, req.id, NULL,
			    NULL, 0);
			return;
		}
		used += item.datalen;
	}
	if (used != req.datalen)
		fatalx("IMSG_SIGNER_SIGN_SOL_BATCH: data lengths");
	sol_finish(imsg->hdr.peerid, req.id, s, ix, n, req.blockhash);
}

void
sign_sol_msg(struct imsgchan *ch, struct imsg *imsg, void *arg)
{
	struct sign_sol_msg	 req;
	struct key_slot		*s;
	uint8_t			 msg[SIGN_MSG_MAX + 64], sig[64];
	int			 len;

	cur_op = SOP_SOL_MSG;
	(void)ch;
	(void)arg;
	memcpy(&req, imsg->data, sizeof(req));
	if (req.datalen > SIGN_MSG_MAX)
		fatalx("IMSG_SIGNER_SIGN_SOL_MSG: message too long");
	if ((s = request_key(imsg, req.id, sizeof(req), req.datalen,
	    KS_CHAIN_SOLANA)) == NULL)
		return;
	/* Only ever with the off-chain prefix: never a transaction. */
	if ((len = sol_offchain_message(imsg->data + sizeof(req), req.datalen,
	    msg, sizeof(msg))) == -1) {
		reply(imsg->hdr.peerid, SIGN_INVALID, req.id, NULL, NULL, 0);
		return;
	}
	crypto_sign_detached(sig, NULL, msg, (size_t)len, s->edsk);
	reply(imsg->hdr.peerid, SIGN_OK, req.id, NULL, sig, sizeof(sig));
}
