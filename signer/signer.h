#ifndef WAIAAS_SIGNER_H
#define WAIAAS_SIGNER_H

#include <stdint.h>

#include <secp256k1.h>

#include "imsg.h"
#include "keystore.h"
#include "metrics.h"

struct key_slot {
	char		id[KS_ID_LEN + 1];
	uint8_t		chain;
	uint8_t		publen;
	uint8_t		pub[KS_PUB_MAX];
	uint8_t		secret[KS_SECRET_LEN];	/* seckey or Ed25519 seed */
	uint8_t		edsk[64];		/* Ed25519 expanded key */
	uint8_t		derived;		/* pub, edsk from secret */
	int		state;			/* SLOT_* */
	uint32_t	peerid;			/* policyd request, pending */
	uint32_t	nextfree;		/* SLOT_FREE: the next + 1 */
};

#define SLOT_FREE	0
#define SLOT_PENDING	1	/* sealed, waiting for the parent to store */
#define SLOT_ACTIVE	2
#define SLOT_FORGET	3	/* purged: the parent is removing its file */

extern secp256k1_context	*signer_secp;

/*
 * signer_keytab.c: slot numbers by wallet id (the slots' own ids,
 * KS_ID_LEN bytes), for every slot not SLOT_FREE.  keytab_find: the
 * slot number or -1; keytab_add: 0, 1 if a slot has that id already,
 * -1 out of memory.
 */
struct keytab {
	uint32_t	*cell;		/* slot number + 1; 0 is empty */
	size_t		 mask;		/* cells - 1, a power of two less 1 */
	size_t		 n;
	uint8_t		 hkey[16];	/* SipHash's, random */
};

int	keytab_init(struct keytab *, size_t);
void	keytab_free(struct keytab *);
long	keytab_find(const struct keytab *, const struct key_slot *,
	    const char *);
int	keytab_add(struct keytab *, const struct key_slot *, size_t);
void	keytab_del(struct keytab *, const struct key_slot *, size_t);

void	keys_init(void);
void	keys_unlock(struct imsgchan *, struct imsg *, void *);
void	keys_load(struct imsgchan *, struct imsg *, void *);
void	keys_stored(struct imsgchan *, struct imsg *, void *);
void	keys_keygen(struct imsgchan *, struct imsg *, void *);
void	keys_import(struct imsgchan *, struct imsg *, void *);
void	keys_rekey(struct imsgchan *, struct imsg *, void *);
void	keys_rekeyed(struct imsgchan *, struct imsg *, void *);
void	keys_rekey_more(void);
void	keys_forget(struct imsgchan *, struct imsg *, void *);
void	keys_removed(struct imsgchan *, struct imsg *, void *);
struct key_slot *keys_find(const char *);

/* signer_sign.c */
void	sign_evm_tx(struct imsgchan *, struct imsg *, void *);
void	sign_evm_msg(struct imsgchan *, struct imsg *, void *);
void	sign_sol_tx(struct imsgchan *, struct imsg *, void *);
void	sign_sol_msg(struct imsgchan *, struct imsg *, void *);
void	sign_sol_batch(struct imsgchan *, struct imsg *, void *);

extern struct imsgchan	*signer_parent;
extern struct imsgchan	*signer_policyd;

/* GET /metrics: operations by kind (SOP_*) and result, counted where
 * each answer leaves. */
void	signer_count(int, int);

#endif
