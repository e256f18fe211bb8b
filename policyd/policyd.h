#ifndef WAIAAS_POLICYD_H
#define WAIAAS_POLICYD_H

#include <jansson.h>
#include <sqlite3.h>

#include "imsgev.h"
#include "msg.h"
#include "proc.h"

struct policyd {
	struct proc		*p;
	struct event_base	*base;
	struct imsgev		 parent;
	struct imsgev		 api;
	struct imsgev		 signer;
	struct imsgev		 relay;
	uint32_t		 pid;
	sqlite3			*db;
};

extern struct policyd	pd;

/* policyd_store.c */
void	store_open(const char *);
int	store_wallet_insert(const char *, const char *, int, int,
	    const char *, const char *, long long);
json_t	*store_wallet(const char *);
json_t	*store_wallet_list(void);

/* policyd_auth.c */
void	auth_master_hash(struct imsgchan *, struct imsg *, void *);
int	auth_master(const struct api_cred *);

/* policyd_wallets.c */
void	wallets_create(struct imsgchan *, struct imsg *, void *);
void	wallets_list(struct imsgchan *, struct imsg *, void *);
void	wallets_get(struct imsgchan *, struct imsg *, void *);
void	wallets_signer_key(struct imsgchan *, struct imsg *, void *);

void	pd_reply(uint32_t, int, const char *, const char *, size_t);
void	pd_reply_json(uint32_t, int, json_t *);
void	pd_fail(uint32_t, int, const char *, const char *, int);

const char *chain_name(int);
const char *env_name(int);
const char *default_network(int, int);

#endif
