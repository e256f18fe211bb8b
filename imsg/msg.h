/*
 * The one catalogue of internal message types.  Every process names the
 * types it accepts, from which peer and at which length, in its own table
 * (see imsg_dispatch()); anything else on an internal channel is fatal.
 */
#ifndef WAIAAS_MSG_H
#define WAIAAS_MSG_H

#include <stddef.h>
#include <stdint.h>

#include "keystore.h"
#include "network.h"
#include "price.h"
#include "tokens.h"
#include "util.h"

#define IMSG_TYPES(X)							\
	X(IMSG_NONE)							\
	/* parent -> child start-up, then child -> parent */		\
	X(IMSG_CTL_CONFIG)						\
	X(IMSG_CTL_PEER)						\
	X(IMSG_CTL_LISTEN)						\
	X(IMSG_CTL_START)						\
	X(IMSG_CTL_READY)						\
	/* liveness: api -> policyd -> signer and back */		\
	X(IMSG_HEALTH_PING)						\
	X(IMSG_HEALTH_PONG)						\
	/* unlock: parent <-> signer; the master hash to policyd */	\
	X(IMSG_CTL_UNLOCK)						\
	X(IMSG_CTL_UNLOCKED)						\
	X(IMSG_CTL_MASTER_HASH)						\
	/* sealed keys: parent <-> signer */				\
	X(IMSG_KS_LOAD)							\
	X(IMSG_KS_LOADED)						\
	X(IMSG_KS_STORE)						\
	X(IMSG_KS_STORED)						\
	/* keys: policyd -> signer and back */				\
	X(IMSG_SIGNER_KEYGEN)						\
	X(IMSG_SIGNER_IMPORT)						\
	X(IMSG_SIGNER_KEY)						\
	/* signing: policyd -> signer, one reply type back */		\
	X(IMSG_SIGNER_SIGN_EVM_TX)					\
	X(IMSG_SIGNER_SIGN_EVM_MSG)					\
	X(IMSG_SIGNER_SIGN_SOL_TX)					\
	X(IMSG_SIGNER_SIGN_SOL_MSG)					\
	X(IMSG_SIGNER_SIGN_SOL_BATCH)					\
	X(IMSG_SIGNER_SIGNED)						\
	/* REST: api -> policyd, one envelope each way */		\
	X(IMSG_API_REQUEST)						\
	X(IMSG_API_REPLY)						\
	/* networks: parent -> api, policyd at start */			\
	X(IMSG_CTL_NETWORK)						\
	X(IMSG_CTL_RESOLVE)						\
	/* chain work: policyd -> api and back */			\
	X(IMSG_CHAIN_PREPARE)						\
	X(IMSG_CHAIN_CONTEXT)						\
	X(IMSG_CHAIN_SEND)						\
	X(IMSG_CHAIN_STATUS)						\
	/* a REST answer that needs the chain: policyd -> api */	\
	X(IMSG_API_CHAINQ)						\
	/* an admin answer the api gives: policyd -> api */		\
	X(IMSG_API_ADMINQ)						\
	/* prices: parent -> api, policyd at start; later api */	\
	/* -> policyd (fetched), parent -> api (new addresses) */	\
	X(IMSG_CTL_PRICE)						\
	X(IMSG_PRICE_UPDATE)						\
	X(IMSG_CTL_PRICE_RESOLVE)					\
	/* notifications: parent -> relay, policyd at start; */	\
	/* policyd -> relay and back; parent -> relay (addresses) */	\
	X(IMSG_CTL_NOTIFY)						\
	X(IMSG_RELAY_DELIVER)						\
	X(IMSG_RELAY_RESULT)						\
	X(IMSG_RELAY_HOOK)						\
	X(IMSG_CTL_NOTIFY_RESOLVE)					\
	X(IMSG_RELAY_REPLY)						\
	/* set-master: policyd -> signer -> parent and back */		\
	X(IMSG_SIGNER_REKEY)						\
	X(IMSG_SIGNER_REKEYED)						\
	X(IMSG_KS_REKEY_BEGIN)						\
	X(IMSG_KS_REKEY_BLOB)						\
	X(IMSG_KS_REKEY_COMMIT)						\
	X(IMSG_KS_REKEYED)						\
	/* POST /v1/mcp/tokens: policyd -> parent and back */		\
	X(IMSG_CTL_TOKEN_WRITE)						\
	X(IMSG_CTL_TOKEN_WRITTEN)					\
	/* GET /v1/admin/backups: policyd -> parent, entries back */	\
	X(IMSG_CTL_BACKUP_LIST)						\
	X(IMSG_CTL_BACKUP_ENTRY)					\
	X(IMSG_CTL_BACKUP_END)						\
	/* POST /v1/admin/backup: policyd -> parent (seal, data), */	\
	/* parent -> policyd (more, sealed) */				\
	X(IMSG_CTL_BACKUP_SEAL)						\
	X(IMSG_CTL_BACKUP_DATA)						\
	X(IMSG_CTL_BACKUP_MORE)						\
	X(IMSG_CTL_BACKUP_SEALED)					\
	/* GET /v1/admin/settings: parent -> policyd at start */	\
	X(IMSG_CTL_SETTING)						\
	/* GET /metrics: policyd -> signer, relay; their counters back */ \
	X(IMSG_METRICS_ASK)						\
	X(IMSG_METRICS_SIGNER)						\
	X(IMSG_METRICS_RELAY)						\
	/* DELETE /v1/wallets/{id}/purge: policyd -> signer -> parent */ \
	X(IMSG_SIGNER_FORGET)						\
	X(IMSG_SIGNER_FORGOTTEN)					\
	X(IMSG_KS_REMOVE)						\
	X(IMSG_KS_REMOVED)						\
	/* incoming transfers: policyd -> api (a range), api -> policyd */ \
	X(IMSG_CHAIN_INCOMING_ASK)					\
	X(IMSG_CHAIN_INCOMING)						\
	/* x402: policyd <-> fetch, fetch <-> parent (look-ups) */	\
	X(IMSG_FETCH_REQUEST)						\
	X(IMSG_FETCH_ANSWER)						\
	X(IMSG_CTL_FETCH_RESOLVE)					\
	X(IMSG_CTL_FETCH_ADDRS)						\
	X(IMSG_METRICS_FETCH)

enum imsg_type {
#define IMSG_ENUM(n)	n,
	IMSG_TYPES(IMSG_ENUM)
#undef IMSG_ENUM
	IMSG_TYPE_MAX
};

const char	*imsg_type_name(uint32_t);

/* The processes; used for roles, peer names and uid tables. */
enum proc_id {
	PROC_PARENT = 0,
	PROC_API,
	PROC_POLICYD,
	PROC_SIGNER,
	PROC_RELAY,
	PROC_FETCH,
	PROC_MAX
};

const char	*proc_name(int);
int		 proc_parse(const char *);

/* Notification channels ([notifications]); names in msg.c. */
#define NOTIFY_WEBHOOK		0
#define NOTIFY_NTFY		1
#define NOTIFY_TELEGRAM		2
#define NOTIFY_MAX		3

const char	*notify_channel_name(int);
int		 notify_channel_parse(const char *);

/* Payloads.  Fixed-size structs; strings are NUL-terminated in place. */
#define CTL_PATH_MAX	1024

#define CTL_F_PRIVSEP	0x01	/* started as root: uid drop and chroot */
#define CTL_F_FOREGROUND 0x02
/* recovery.key was there when the daemon started (the master password
 * auto-provisioned, not yet hardened): GET /v1/admin/status says so */
#define CTL_F_AUTOPROV	0x04

/* [x402] */
#define CTL_X402_ENABLED	0x01	/* policyd: POST /v1/x402/fetch */
#define CTL_X402_PRIVATE	0x02	/* fetch: private addresses too */

/* [security] metrics_token: GET /metrics's bearer token, bounds. */
#define METRICS_TOKEN_MIN	16
#define METRICS_TOKEN_MAX	128

struct ctl_config {
	uint32_t	role;
	uint32_t	flags;
	uint32_t	uid;
	uint32_t	gid;
	int32_t		log_level;
	uint32_t	nofile;		/* RLIMIT_NOFILE for the child */
	uint32_t	max_body;	/* api: HTTP body limit */
	uint32_t	max_headers;	/* api: HTTP header limit */
	uint32_t	timeout;	/* api: HTTP idle/read timeout, s */
	uint32_t	max_conn;	/* api: simultaneous connections */
	uint32_t	header_timeout;	/* api: HTTP request head, s */
	uint32_t	rpc_timeout_ms;	/* api: per RPC attempt */
	uint32_t	rpc_max_response;	/* api: bytes */
	uint32_t	rpc_retries;	/* api */
	uint32_t	poll_ms;	/* api: receipt/status polls;
				   policyd: gasCondition's (x3) */
	uint32_t	resend_ms;	/* api: unseen tx re-broadcast */
	uint32_t	max_fee_gwei;	/* policyd: EVM maxFeePerGas cap */
	uint32_t	max_gas;	/* policyd: EVM gas limit cap */
	uint32_t	incoming_poll_ms;	/* policyd: [incoming] */
	uint32_t	incoming_max_blocks;	/* policyd: per ask */
	int64_t		start_time;	/* parent's start, unix seconds */
	uint32_t	lock_failures;	/* policyd: masterAuth lockout */
	uint32_t	lock_seconds;
	uint32_t	max_sessions;	/* policyd: per wallet */
	uint32_t	ttl_min;	/* api, policyd: a session's, s */
	uint32_t	kill_hold;	/* policyd: an owner's kill switch, s */
	uint32_t	port;		/* daemon.port */
	uint32_t	x402;		/* policyd, fetch: CTL_X402_* */
	uint32_t	x402_timeout_ms;	/* policyd: one fetch */
	char		hostname[64];	/* daemon.hostname: IP or localhost */
	/* daemon.public_url's host[:port], lowercase; "": not set */
	char		public_domain[128];
	/* policyd: [security] metrics_token, "" if none (others: "") */
	char		metrics_token[METRICS_TOKEN_MAX + 1];
	char		chroot[CTL_PATH_MAX];	/* empty: no chroot */
	char		workdir[CTL_PATH_MAX];	/* cwd before any chroot */
};

struct ctl_peer {
	uint32_t	peer;		/* enum proc_id at the other end */
};

struct ctl_unlock {
	uint32_t	have_meta;	/* 0: first start, create it */
	struct ks_meta	meta;		/* or the KDF parameters to use */
	uint32_t	pwlen;
	char		pw[KS_PASSWORD_MAX + 1];
};

#define UNLOCK_OK		0
#define UNLOCK_WRONG		1	/* verifier did not open */
#define UNLOCK_ERROR		2

struct ctl_unlocked {
	int32_t		status;
	struct ks_meta	meta;		/* new on a first start */
};

#define MASTER_HASH_MAX		160
struct ctl_master_hash {
	char		hash[MASTER_HASH_MAX];	/* crypto_pwhash_str */
};

/*
 * A session token for `waiaas mcp`, to be written by the parent (whose
 * the data directory is) to tokens/<wallet>, mode 0600; the answer names
 * the data directory, which policyd, in its chroot, does not know.
 */
#define CTL_TOKEN_MAX		1024
struct ctl_token_write {
	char		wallet[KS_ID_LEN + 1];
	char		token[CTL_TOKEN_MAX];	/* NUL-terminated */
};

struct ctl_token_written {
	int32_t		status;			/* 0, or an errno */
	char		wallet[KS_ID_LEN + 1];
	char		datadir[CTL_PATH_MAX];
};

/*
 * One archive of backups/: what the parent knows of it without parsing
 * it (its name, size, time, and the metadata's bytes after checking only
 * the magic and the length); the metadata bytes follow the struct.
 * policyd, in its sandbox, parses them.
 */
#define CTL_BACKUP_NAME_MAX	256
#define CTL_BACKUP_META_MAX	(48 * 1024)	/* below the channel's max */
#define CTL_BACKUPS_MAX		500		/* entries listed */
/* all of a list's metadata: with the entries, well within the 1 MiB
 * write queue of the parent's channel to policyd */
#define CTL_BACKUP_META_TOTAL	(256 * 1024)
struct ctl_backup_entry {
	char		name[CTL_BACKUP_NAME_MAX];	/* NUL-terminated */
	int64_t		size;
	int64_t		mtime;
	uint32_t	metalen;	/* 0: not an archive, or too long */
	uint32_t	pad;
};

struct ctl_backup_end {
	int32_t		status;			/* 0, or an errno */
	uint32_t	count;			/* entries sent */
	uint32_t	more;			/* not sent (past the cap) */
	uint32_t	pad;
	char		datadir[CTL_PATH_MAX];
};

/*
 * One key of the configuration as an operator may see it, one message
 * each, to policyd at start (config_show(): a credential is "true" or
 * "false", never its value); the value's len bytes follow, its NUL
 * included.
 */
#define SETTING_SECTION_MAX	16
#define SETTING_KEY_MAX		40
#define SETTING_VALUE_MAX	8192	/* = CONFIG_VAL_MAX */
#define SETTINGS_MAX		128	/* keys */
/* PUT /v1/admin/settings: entries, a key ("category.name"), a value */
#define SETTINGS_PUT_MAX	32
#define SETTING_NAME_MAX	64
#define SETTING_PUT_VALUE_MAX	256
struct ctl_setting {
	char		section[SETTING_SECTION_MAX];
	char		key[SETTING_KEY_MAX];
	uint32_t	flags;			/* CONFIG_SHOW_* */
	uint32_t	len;
};

#define KS_OK			0
#define KS_BAD			1	/* does not open: corrupted */
#define KS_ERROR		2
#define KS_EXISTS		3	/* key already in the keystore */
#define KS_LOCKED		4
#define KS_INVALID		5	/* imported key malformed */
#define KS_BUSY			6	/* a master password change runs */

struct ks_status {
	int32_t		status;
	char		id[KS_ID_LEN + 1];
	uint32_t	count;		/* IMSG_SIGNER_REKEYED: keys resealed */
};

/*
 * A purged wallet's key, forgotten for good: policyd -> signer
 * IMSG_SIGNER_FORGET (a ks_status naming the wallet); the signer stops
 * using the key and asks the parent, IMSG_KS_REMOVE, to unlink
 * keystore/<id>.enc; the parent answers IMSG_KS_REMOVED once the
 * directory is synced (KS_OK also when there was no such file), and
 * the signer wipes the key and answers policyd IMSG_SIGNER_FORGOTTEN.
 * One at a time: another while one runs is KS_BUSY, as during a master
 * password change.
 */

/*
 * set-master.  policyd -> signer: the new password (never logged, wiped
 * on both sides).  signer -> parent: the new meta and how many blobs
 * follow (IMSG_KS_REKEY_BLOB each), then IMSG_KS_REKEY_COMMIT; the
 * parent answers IMSG_KS_REKEYED (struct ks_status, id empty) once the
 * new keystore is the one on disk, and the signer then answers policyd
 * with IMSG_SIGNER_REKEYED (struct ks_status).
 */
struct signer_rekey {
	uint32_t	pwlen;
	char		pw[KS_PASSWORD_MAX + 1];
};

struct ks_rekey_begin {
	struct ks_meta	meta;
	uint32_t	count;
};

#define KEYTEXT_MAX		128	/* hex or base58 of an imported key */

struct signer_keygen {
	char		id[KS_ID_LEN + 1];
	uint32_t	chain;
};

struct signer_import {
	char		id[KS_ID_LEN + 1];
	uint32_t	chain;
	uint32_t	keylen;
	char		key[KEYTEXT_MAX + 1];
};

struct signer_key {
	int32_t		status;
	char		id[KS_ID_LEN + 1];
	uint32_t	chain;
	uint32_t	publen;
	uint8_t		pub[KS_PUB_MAX];
};

/*
 * Sign requests carry fields, never bytes to sign: the signer serializes
 * what it signs.  Each is a fixed header followed by exactly datalen
 * bytes (calldata, a message, instruction data).
 */
#define SIGN_DATA_MAX		(128 * 1024)
#define SIGN_MSG_MAX		(16 * 1024)
/* POST /v1/transactions/sign: "0x" and the hex of an EVM transaction */
#define SIGN_TX_TEXT_MAX	(2 + 2 * (SIGN_DATA_MAX + 512))
/* A transfer's memo: EVM calldata of a native transfer, or the data of a
 * Solana Memo instruction.  Bytes of UTF-8. */
#define MEMO_MAX		256

struct sign_evm_tx {
	char		id[KS_ID_LEN + 1];
	uint32_t	type;		/* EVM_TX_LEGACY or EVM_TX_1559 */
	uint64_t	chain_id;
	uint64_t	nonce;
	uint64_t	gas_limit;
	uint8_t		gas_price[32];
	uint8_t		max_priority_fee[32];
	uint8_t		max_fee[32];
	uint8_t		to[20];		/* zero when create */
	uint8_t		value[32];
	uint32_t	datalen;
	uint32_t	create;		/* 1: a contract creation, data is
					   the init code */
};

#define SIGN_EVM_PERSONAL	1	/* EIP-191: signer adds the prefix */
#define SIGN_EVM_TYPED		2	/* EIP-712: data is domain || struct */

struct sign_evm_msg {
	char		id[KS_ID_LEN + 1];
	uint32_t	kind;
	uint32_t	datalen;
};

#define SIGN_SOL_TRANSFER	1	/* lamports to `to' */
#define SIGN_SOL_TOKEN		2	/* TransferChecked between ATAs */
#define SIGN_SOL_CALL		3	/* one instruction, wallet pays */
#define SIGN_SOL_MAX_ACCTS	32

struct sign_sol_acct {
	uint8_t		pubkey[32];
	uint8_t		is_signer;
	uint8_t		is_writable;
};

struct sign_sol_tx {
	char			id[KS_ID_LEN + 1];
	uint32_t		kind;
	uint8_t			blockhash[32];
	uint8_t			to[32];		/* recipient (wallet owner) */
	uint64_t		amount;
	uint8_t			mint[32];	/* TOKEN */
	uint8_t			decimals;	/* TOKEN */
	uint8_t			create_ata;	/* TOKEN: idempotent create */
	uint8_t			to_account;	/* TOKEN: `to' is the token
						 * account (sign-only) */
	uint8_t			program[32];	/* CALL */
	uint32_t		naccts;		/* CALL */
	struct sign_sol_acct	accts[SIGN_SOL_MAX_ACCTS];
	uint32_t		datalen;	/* CALL: instruction data;
						 * TRANSFER, TOKEN: a memo
						 * (0 to MEMO_MAX bytes) */
};

/*
 * A BATCH on Solana: one transaction of several instructions.  This
 * header, then nitems struct sign_sol_tx (each as a send of its own
 * would be; id and blockhash unused), then their data one after the
 * other (each its datalen; datalen here is their sum).
 */
#define SIGN_SOL_BATCH_MAX	20

struct sign_sol_batch {
	char			id[KS_ID_LEN + 1];
	uint8_t			blockhash[32];
	uint32_t		nitems;		/* 2 .. SIGN_SOL_BATCH_MAX */
	uint32_t		datalen;
};

struct sign_sol_msg {
	char		id[KS_ID_LEN + 1];
	uint32_t	datalen;
};

#define SIGN_OK			0
#define SIGN_UNKNOWN_WALLET	1
#define SIGN_WRONG_CHAIN	2
#define SIGN_INVALID		3	/* fields the signer will not sign */
#define SIGN_LOCKED		4

/* signer -> policyd: this header, then the output (raw tx or signature). */
struct sign_reply {
	int32_t		status;
	char		id[KS_ID_LEN + 1];
	uint8_t		txhash[32];	/* EVM: keccak of the raw tx */
	uint32_t	len;
};

/* Credentials the api forwards and forgets; policyd checks them. */
#define CRED_NONE		0
#define CRED_MASTER		1	/* X-Master-Password */
#define CRED_SESSION		2	/* Authorization: Bearer wai_sess_ */
#define CRED_OWNER		3	/* address \n message \n signature */
#define CRED_SCRAPE		4	/* GET /metrics: Bearer metrics_token */
#define CRED_VALUE_MAX		4096

struct api_cred {
	uint32_t	kind;
	uint32_t	len;
	char		value[CRED_VALUE_MAX + 1];
};

#define WALLET_NAME_MAX		400	/* 100 characters of UTF-8 */
#define ENV_TESTNET		1
#define ENV_MAINNET		2
/* the path's "{}" segments: one id, or "<id>/wallets/<id>" (81) */
#define API_PARAM_MAX		192	/* wallets/{id}/nfts/{contract:id} */
#define API_QUERY_MAX		512
#define API_BODY_MAX		(1024 * 1024)

/*
 * Every REST request the api forwards: the route (see routes.h), the
 * credential, the path parameter, the query string, then the body as the
 * api validated it (compact JSON, or nothing).  With APIREQ_INVALID the
 * body is the api's validation error: policyd authenticates first and
 * answers with it only then, so an unauthenticated caller learns nothing
 * but 401.
 */
#define APIREQ_INVALID		0x01	/* body is the api's 400 answer */
#define IDEM_KEY_MAX		255	/* Idempotency-Key, printable ASCII */

struct api_request {
	uint32_t	route;
	uint32_t	flags;
	struct api_cred	cred;
	char		param[API_PARAM_MAX + 1];
	char		query[API_QUERY_MAX + 1];
	char		idem[IDEM_KEY_MAX + 1];	/* "" if none */
	uint32_t	bodylen;
};

/*
 * On the wire the credential's value takes its length and its NUL only
 * (a session token is some 250 bytes of 4097): the request up to
 * cred.value, cred.len + 1 bytes of it, then the rest from param on,
 * then the body.
 */
#define APIREQ_HEAD	offsetof(struct api_request, cred.value)
#define APIREQ_TAIL	(sizeof(struct api_request) - \
			    offsetof(struct api_request, param))
#define APIREQ_WIRE(credlen) \
	(APIREQ_HEAD + (size_t)(credlen) + 1 + APIREQ_TAIL)

/*
 * POST /v1/admin/backup: policyd checked the master password and made
 * the snapshot; the parent (whose backups/ and keystore/ are) seals it.
 * SEAL carries the password (wiped by both after use) and the snapshot's
 * size; the snapshot's bytes follow in DATA messages, at most
 * CTL_BACKUP_WINDOW unanswered, each answered by MORE; then SEALED.
 */
#define CTL_BACKUP_CHUNK	(12 * 1024)
#define CTL_BACKUP_WINDOW	32
struct ctl_backup_seal {
	uint32_t	pwlen;
	uint32_t	pad;
	int64_t		size;		/* of the snapshot, <= BK_FILE_MAX */
	int64_t		schema;
	int64_t		wallets;
	int64_t		now;
	char		pw[CRED_VALUE_MAX + 1];
};

struct ctl_backup_sealed {
	int32_t		status;		/* 0, or an errno-like code */
	int32_t		nfiles;
	int64_t		size;
	char		name[96];
	char		created[32];
	char		err[160];	/* status != 0: what failed */
	char		datadir[CTL_PATH_MAX];
};

/* policyd -> api: this header, then a JSON body (or an error message). */
#define API_CODE_MAX		48
struct api_reply {
	int32_t		status;		/* HTTP status */
	uint32_t	retryable;
	uint32_t	retry_after;	/* seconds; 0: no Retry-After */
	char		code[API_CODE_MAX];	/* empty on success */
};

/*
 * Networks: one message per entry, index first.  url and resolve go to
 * the api only: resolve is "host:port:addr[,addr...]" as the parent found
 * it before the api lost DNS (CURLOPT_RESOLVE; literals included).
 */
struct ctl_network {
	uint32_t	index;
	uint32_t	flags;		/* NETF_* */
	struct network	net;
	char		url[NET_URL_MAX];
	char		resolve[NET_RESOLVE_MAX];
};
/* The URL is a built-in public endpoint: resolved after start-up, so
 * resolve is "" at first (IMSG_CTL_RESOLVE brings it). */
#define NETF_DEFAULT	0x1

/* parent -> api, later: a network's addresses changed. */
struct ctl_resolve {
	uint32_t	index;
	char		resolve[NET_RESOLVE_MAX];
};

/*
 * Prices ([security] price_*), one message to api and policyd at start.
 * url and resolve go to the api only (the URL may carry an API key),
 * the static table to policyd only; both get the coin ids, each parses
 * them against its network table (price.h).  The parent has checked
 * everything at config load.  Later the parent sends the api new
 * addresses of the price host as IMSG_CTL_PRICE_RESOLVE (a ctl_resolve,
 * index 0).
 */
struct ctl_price {
	char		url[NET_URL_MAX];	/* "": no fetching */
	char		resolve[NET_RESOLVE_MAX];
	char		statics[PRICE_CONF_MAX + 1];
	char		ids[PRICE_CONF_MAX + 1];
	uint32_t	refresh;		/* s between fetches */
	uint32_t	max_age;		/* s */
	uint32_t	max_change_pct;
	uint32_t	unpriced_deny;
	uint32_t	is_default;		/* the built-in source */
};

/*
 * api -> policyd, after each fetch that parsed: every price the api
 * holds as accepted now (0 to PRICE_ENTRIES_MAX of these, nothing else
 * in the message).  A key held as unconfirmed is left out; policyd
 * replaces what it had.
 */
struct price_update {
	char		key[PRICE_KEY_MAX];	/* canonical, of price_ids */
	double		usd;			/* (0, PRICE_USD_MAX] */
	int64_t		fetched_at;		/* unix seconds */
};

/*
 * Chain work for one transaction.  policyd decides and records; the api
 * asks the chain.  Every answer of the api is checked again by policyd
 * against its own bounds (fee caps, its nonce counter).
 */
#define CHAIN_ADDR_MAX		64
#define CHAIN_MSG_MAX		256
#define CHAIN_LOGS_MAX		2048

#define CHOP_EVM_TX		1	/* to, value, data: gas, fees, nonce */
#define CHOP_SOL_TRANSFER	2	/* lamports from -> to */
#define CHOP_SOL_TOKEN		3	/* SPL TransferChecked: mint, owner */
#define CHOP_SOL_CALL		4	/* one instruction of a program */

/* policyd -> api: what the chain must tell about this transaction. */
struct chain_prep {
	char		txid[UUID_STR_LEN];
	uint32_t	net;
	uint32_t	op;			/* CHOP_* */
	char		from[CHAIN_ADDR_MAX + 1];	/* the wallet */
	char		to[CHAIN_ADDR_MAX + 1];	/* EVM tx to; SOL recipient
						   or program */
	char		mint[CHAIN_ADDR_MAX + 1];	/* CHOP_SOL_TOKEN;
						   EVM: the token of
						   CHPREP_TOKEN_BAL and
						   CHPREP_DECIMALS */
	uint8_t		value[32];		/* EVM wei, big-endian */
	uint32_t	flags;			/* CHPREP_* */
	uint32_t	naccts;			/* CHPREP_SIMULATE, SOL CALL */
	uint32_t	datalen;		/* EVM calldata follows */
	uint64_t	since_us;		/* when the request arrived,
						   CLOCK_MONOTONIC us: reads
						   of calls started since
						   may serve (0: now) */
};

#define CHPREP_BALANCE	0x01	/* a dry run: read the wallet's balance */
#define CHPREP_NO_CODE	0x02	/* EVM: refuse a `to' that has code (a
				   transfer's memo would be call data) */

#define CHAIN_OK		0
#define CHAIN_ERROR		1	/* RPC failed or answered nonsense */
#define CHAIN_REVERT		2	/* the call would revert: message */
#define CHAIN_REFUSED		3	/* network refused (wrong chain id,
					   no URL) or the request is not
					   possible (mint decimals differ) */

/* chain_prep flags of dry runs and token sends (with CHPREP_BALANCE) */
#define CHPREP_SIMULATE	0x04	/* a dry run, Solana: simulateTransaction
				   (value: the amount, big-endian; CALL:
				   naccts sign_sol_acct, then its data;
				   TRANSFER, TOKEN: the memo, if any) */
#define CHPREP_DECIMALS	0x08	/* EVM: the token's (mint's) decimals() */
#define CHPREP_TOKEN_BAL 0x10	/* a dry run: and its balance of mint */
#define CHPREP_CREATE	0x20	/* EVM: a contract creation (to is "") */

/* api -> policyd: the answer to a chain_prep. */
struct chain_ctx {
	char		txid[UUID_STR_LEN];
	int32_t		status;			/* CHAIN_* */
	uint32_t	retryable;
	char		message[CHAIN_MSG_MAX];
	/* EVM */
	uint64_t	nonce;			/* pending transaction count */
	uint64_t	gas_limit;		/* estimate, with margin */
	uint8_t		base_fee[32];		/* latest block's base fee */
	uint8_t		priority_fee[32];	/* eth_maxPriorityFeePerGas */
	/* Solana */
	uint8_t		blockhash[32];
	uint64_t	last_valid_height;
	uint8_t		ata_exists;		/* SOL_TOKEN: recipient's */
	uint8_t		decimals;		/* CHOP_SOL_TOKEN: the mint's;
						   EVM: CHPREP_DECIMALS' */
	uint8_t		have_decimals;		/* EVM: decimals() answered */
	uint64_t	fee;			/* SOL: lamports estimate */
	/* CHPREP_BALANCE: wei or lamports, big-endian; unknown if not have */
	uint8_t		balance[32];
	uint32_t	have_balance;
	/* CHPREP_TOKEN_BAL: the wallet's balance of the token (mint) */
	uint8_t		token_balance[32];
	uint32_t	have_token_balance;
	/* EVM: eth_estimateGas's own figure, before the margin;
	   CHPREP_SIMULATE: the compute units the runtime used */
	uint64_t	gas_used;
	/* CHPREP_SIMULATE: ran (1), and then ok, its error and its logs
	   (whole lines, each ending in a newline, the first that fit) */
	uint32_t	sim_ran;
	uint32_t	sim_ok;
	char		sim_error[CHAIN_MSG_MAX];
	char		sim_logs[CHAIN_LOGS_MAX];
};

/* policyd -> api: broadcast (unless WATCH_ONLY) and watch to the end. */
#define CHSEND_WATCH_ONLY	0x01	/* after a restart: already sent */

struct chain_send {
	char		txid[UUID_STR_LEN];
	uint32_t	net;
	uint32_t	flags;
	char		from[CHAIN_ADDR_MAX + 1];	/* the wallet */
	uint32_t	hashlen;		/* 32 EVM, 64 Solana */
	uint8_t		hash[64];
	uint64_t	nonce;			/* EVM: the tx's nonce */
	uint64_t	last_valid_height;	/* Solana */
	uint32_t	rawlen;			/* raw signed tx follows */
};

#define CHST_SUBMITTED		1	/* accepted by the node */
#define CHST_CONFIRMED		2
#define CHST_FAILED		3	/* on chain, failed: message */
#define CHST_NOT_SENT		4	/* broadcast failed, never accepted */
#define CHST_NONCE_LOW		5	/* EVM: nonce already used */
#define CHST_EXPIRED		6	/* SOL: blockhash expired, not landed */

/* api -> policyd: each state change of a transaction sent. */
struct chain_status {
	char		txid[UUID_STR_LEN];
	int32_t		state;			/* CHST_* */
	uint32_t	retryable;
	char		message[CHAIN_MSG_MAX];
};

/*
 * policyd -> api, in answer to an IMSG_API_REQUEST (same peerid): the
 * caller is authenticated and may see this wallet; the api asks the chain
 * and answers the HTTP request itself.  network=all comes as nparts
 * messages in a row, part 0 to nparts - 1, one network each; the api
 * answers once, with every network's result or error.  CQ_RESOLVE
 * reads a token's metadata on chain (token: its contract or mint), for
 * GET /v1/tokens/resolve; no wallet, one network.  admin: CQ_BALANCE
 * for GET /v1/admin/wallets/{id}/balance, always in parts (every
 * network), answered in the reference's admin shape.  CQ_NFT reads one
 * NFT (token: its contract, token_id: its id) as address holds it: the
 * standard (ERC-165), the holding and the token's URI; one EVM network.
 */
#define CQ_BALANCE		1
#define CQ_ASSETS		2
#define CQ_RESOLVE		3
#define CQ_NFT			4
#define CQ_TOKEN_ID_MAX		78	/* digits of 2^256 - 1 */
#define CQ_TOKENS_MAX		32

struct chain_query {
	uint32_t	kind;
	uint32_t	net;
	char		wallet_id[UUID_STR_LEN];
	char		address[CHAIN_ADDR_MAX + 1];
	char		token[CHAIN_ADDR_MAX + 1];	/* CQ_BALANCE: or "" */
	uint32_t	ntokens;	/* CQ_ASSETS on EVM: known tokens */
	char		tokens[CQ_TOKENS_MAX][CHAIN_ADDR_MAX + 1];
	uint32_t	part;		/* network=all: this one's place */
	uint32_t	nparts;		/* 0: one network, no aggregate */
	uint32_t	admin;		/* 1: the admin answer's shape */
	/* CQ_RESOLVE: what the registry knows of the token, or "" */
	char		symbol[TOKEN_SYMBOL_MAX * 4 + 1];
	char		name[TOKEN_NAME_MAX * 4 + 1];
	char		token_id[CQ_TOKEN_ID_MAX + 1];	/* CQ_NFT: decimal */
};

/*
 * policyd -> api, in answer to an IMSG_API_REQUEST (same peerid): the
 * operator is authenticated (masterAuth) and the answer is what the api
 * itself knows, so the api gives it.  AQ_RPC_STATUS: each network's
 * endpoint and what the calls to it found (GET /v1/admin/rpc-status).
 * AQ_ORACLE_STATUS: the price source's state, with the counters of
 * policyd's price table, which only policyd sees
 * (GET /v1/admin/oracle-status).
 */
#define AQ_RPC_STATUS		1
#define AQ_ORACLE_STATUS	2

struct admin_query {
	uint32_t	kind;		/* AQ_* */
	uint32_t	pad;
	/* AQ_ORACLE_STATUS: policyd's lookups and table */
	uint64_t	hits;		/* a usable price */
	uint64_t	misses;		/* none */
	uint64_t	stale;		/* a fetched one past max_age */
	uint64_t	size;		/* prices held, static and fetched */
	uint64_t	evictions;	/* fetched ones an update dropped */
};

/*
 * Notification channels, one message at start.  relay gets everything
 * (URLs, credentials, resolve entries: CURLOPT_RESOLVE, as for the
 * api); policyd only which channels exist and how long to retry, never
 * a URL or a credential.  Later the parent sends relay new addresses of
 * a channel's host as IMSG_CTL_NOTIFY_RESOLVE (a ctl_resolve whose
 * index is the channel).
 */
#define NOTIFY_SECRET_MAX	256
#define NOTIFY_TARGET_MAX	128

struct notify_chan {
	char		url[NET_URL_MAX];	/* webhook_url, ntfy_url,
						   telegram_api_url */
	char		resolve[NET_RESOLVE_MAX];
	char		secret[NOTIFY_SECRET_MAX];	/* webhook_secret,
						   ntfy_token, bot token */
	char		target[NOTIFY_TARGET_MAX];	/* ntfy topic,
						   telegram chat id */
};

#define NOTIFYF_HOOK_PRIVATE	0x01	/* webhooks may target private,
					   loopback, link-local addresses */

struct ctl_notify {
	uint32_t		channels;	/* 1 << NOTIFY_*: configured */
	uint32_t		max_age;	/* policyd: s, then give up */
	uint32_t		flags;		/* both: NOTIFYF_* */
	uint32_t		pad;
	uint32_t		timeout_ms;	/* relay: per request */
	char			public_url[NET_URL_MAX];	/* relay */
	struct notify_chan	chan[NOTIFY_MAX];	/* relay */
	char			reply_topic[NOTIFY_TARGET_MAX];	/* relay:
						   ntfy, "" for none */
	uint32_t		reply_poll_ms;		/* relay */
	char			page_url[NET_URL_MAX];	/* relay: the
						   approval page, "" for
						   public_url/approve/<id> */
};

/*
 * relay -> policyd: one message of the ntfy reply topic, the JSON line
 * exactly as the server sent it (at most RELAY_REPLY_MAX bytes), for
 * policyd to read; relay only looked for its id.
 */
#define RELAY_REPLY_MAX		8192

/*
 * policyd -> relay: deliver one event to one channel; this header, then
 * len bytes of the event's JSON payload (an object).  relay answers
 * each with one relay_result of the same id.
 */
#define NOTIFY_TYPE_MAX		64
#define NOTIFY_PAYLOAD_MAX	(32 * 1024)
#define RELAY_F_TEST		0x01	/* the operator's test message */

struct relay_deliver {
	uint64_t	id;			/* the delivery */
	uint32_t	channel;		/* NOTIFY_* */
	uint32_t	flags;
	char		event_id[UUID_STR_LEN];	/* stable: receivers dedup */
	char		type[NOTIFY_TYPE_MAX];	/* TX_APPROVAL_REQUIRED ... */
	int64_t		created_at;		/* unix seconds */
	uint32_t	attempt;		/* 1, 2, ... */
	uint32_t	len;
};

/*
 * policyd -> relay: one event to one of the operator's webhooks (POST
 * /v1/webhooks); this header, then len bytes of the payload as for
 * relay_deliver.  The URL and the webhook's signing secret come with
 * each delivery (relay keeps nothing; policyd_webhooks.c says why);
 * relay wipes both once the request is made.  Answered by one
 * relay_result of the same id whose channel is RELAY_HOOK_CHANNEL.
 */
#define WEBHOOK_SECRET_LEN	64	/* hex of 32 random bytes */
#define RELAY_HOOK_CHANNEL	NOTIFY_MAX

struct relay_hook {
	uint64_t	id;			/* the delivery row */
	char		url[NET_URL_MAX];
	char		secret[WEBHOOK_SECRET_LEN + 1];
	char		event_id[UUID_STR_LEN];
	char		type[NOTIFY_TYPE_MAX];
	int64_t		created_at;
	uint32_t	attempt;
	uint32_t	len;
};

#define RELAY_OK		0	/* delivered */
#define RELAY_RETRY		1	/* try again later */
#define RELAY_FAIL		2	/* will never work: give up */
#define RELAY_ERR_MAX		160

struct relay_result {
	uint64_t	id;
	uint32_t	channel;
	int32_t		status;			/* RELAY_* */
	uint32_t	retry_after;		/* s the server asked; 0 */
	int32_t		http_status;		/* 0: no answer */
	char		error[RELAY_ERR_MAX];	/* printable, no secret */
};

/*
 * Incoming transfers.  policyd, which holds the cursors, asks the api
 * (which holds the RPC URLs) for the transfers into one wallet's address
 * in a bounded range of blocks; the api answers with what it found there,
 * parsed, and where the next range starts.  policyd records the transfers
 * and moves the cursor in one transaction, so a restart resumes exactly
 * where the last recorded answer ended.  have_from 0: no cursor yet (the
 * api starts max_blocks back from the head).
 */
#define INCOMING_XFERS_MAX	256	/* per answer */
#define INCOMING_MAX_BLOCKS	1000	/* the most one ask may cover */
#define INCOMING_HASH_MAX	96	/* "0x" + 64 hex; a base58 signature */
#define INCOMING_AMOUNT_MAX	80	/* a 256-bit decimal */
#define INCOMING_NATIVE		UINT32_MAX	/* log_index of a native one */

struct incoming_ask {
	char		wallet[UUID_STR_LEN];
	uint32_t	net;
	uint32_t	have_from;
	uint64_t	from;		/* EVM: the first block to look at */
	uint32_t	max_blocks;	/* 1 to INCOMING_MAX_BLOCKS */
	char		address[CHAIN_ADDR_MAX + 1];
};

/* api -> policyd: this header, then count incoming_xfer. */
struct incoming_head {
	char		wallet[UUID_STR_LEN];
	uint32_t	net;
	int32_t		status;		/* CHAIN_* */
	char		message[CHAIN_MSG_MAX];
	uint64_t	next;		/* the first block of the next ask */
	uint64_t	head;		/* the node's latest block */
	uint32_t	count;
};

struct incoming_xfer {
	char		txhash[INCOMING_HASH_MAX + 1];
	char		from[CHAIN_ADDR_MAX + 1];
	char		token[CHAIN_ADDR_MAX + 1];	/* "": the coin */
	char		amount[INCOMING_AMOUNT_MAX];	/* decimal, > 0 */
	uint64_t	block;
	uint32_t	log_index;	/* INCOMING_NATIVE: a tx's value */
	uint32_t	pad;
};

struct health_pong {
	uint32_t	policyd_pid;
	uint32_t	signer_pid;
	uint32_t	schema_version;	/* the database's user_version */
};

/*
 * x402 (POST /v1/x402/fetch): policyd asks the fetch process for one
 * URL, this header, then hdrlen bytes of request headers ("Name: value"
 * lines, each ended by '\n', checked by policyd) and bodylen bytes of
 * body.  fetch answers one fetch_answer of the same id: this header,
 * hdrlen bytes of the last response's header lines (the same form,
 * names lowercase) and bodylen bytes of its body.  A redirect is
 * followed by fetch, each hop looked up and checked again.
 */
#define FETCH_URL_MAX		2048	/* = URL_MAX */
#define FETCH_HDRS_MAX		(16 * 1024)
#define FETCH_BODY_MAX		(64 * 1024)	/* what an agent sends */
#define FETCH_ANSWER_MAX	(128 * 1024)	/* what comes back */
#define FETCH_CODE_MAX		40
#define FETCH_MSG_MAX		200

#define FETCH_GET		0
#define FETCH_POST		1
#define FETCH_PUT		2
#define FETCH_DELETE		3
#define FETCH_PATCH		4
#define FETCH_METHOD_MAX	5

#define FETCHF_PRIVATE		0x01	/* private addresses allowed */

struct fetch_req {
	uint64_t	id;
	uint32_t	method;		/* FETCH_* */
	uint32_t	flags;		/* FETCHF_* */
	uint32_t	timeout_ms;	/* the whole fetch, hops included */
	uint32_t	hdrlen;
	uint32_t	bodylen;
	uint32_t	pad;
	char		url[FETCH_URL_MAX];
};

struct fetch_answer {
	uint64_t	id;
	int32_t		status;		/* HTTP status; 0: none, see code */
	uint32_t	hops;		/* redirects followed */
	char		code[FETCH_CODE_MAX];	/* "" or the error code */
	char		message[FETCH_MSG_MAX];	/* printable, no URL */
	char		url[FETCH_URL_MAX];	/* the last one asked */
	uint32_t	hdrlen;
	uint32_t	bodylen;
};

/*
 * fetch -> parent: look a host name up (the fetch process has no
 * resolver); the parent answers fetch_addrs of the same id, at most
 * FETCH_ADDRS_MAX addresses as inet_ntop(3) writes them, or status
 * non-zero (no address, or no answer in time).  Which addresses may be
 * used is fetch's to judge.
 */
#define FETCH_HOST_MAX		253
#define FETCH_ADDRS_MAX		8
#define FETCH_ADDR_LEN		46	/* INET6_ADDRSTRLEN */

struct fetch_resolve {
	uint32_t	id;
	char		host[FETCH_HOST_MAX + 1];
};

struct fetch_addrs {
	uint32_t	id;
	int32_t		status;		/* 0, or an EAI_* code */
	uint32_t	n;
	char		addr[FETCH_ADDRS_MAX][FETCH_ADDR_LEN];
};

#endif
