/*
 * Solana formats the signer serializes itself: compact-u16, legacy
 * transaction messages, system and SPL token transfers, memos, associated
 * token account derivation, and off-chain messages.  Pure functions: no
 * I/O.
 */
#ifndef WAIAAS_SOLANA_H
#define WAIAAS_SOLANA_H

#include <stddef.h>
#include <stdint.h>

#define SOL_KEY_LEN		32
#define SOL_MAX_KEYS		64
#define SOL_MAX_INSTR		64	/* a BATCH: 20, 3 each at most */
#define SOL_MAX_IX_ACCTS	64
#define SOL_MAX_IX_DATA		1232
#define SOL_TX_MAX		1232	/* the packet limit */

extern const uint8_t	sol_system_program[SOL_KEY_LEN];
extern const uint8_t	sol_token_program[SOL_KEY_LEN];
extern const uint8_t	sol_ata_program[SOL_KEY_LEN];
extern const uint8_t	sol_memo_program[SOL_KEY_LEN];

/* compact-u16: returns the bytes written (1-3) to out[3]. */
size_t	sol_compact_u16(uint16_t, uint8_t [3]);

struct sol_meta {			/* an instruction's account */
	uint8_t		pubkey[SOL_KEY_LEN];
	int		is_signer;
	int		is_writable;
};

struct sol_ix {
	uint8_t		 program[SOL_KEY_LEN];
	struct sol_meta	 accts[SOL_MAX_IX_ACCTS];
	size_t		 naccts;
	const uint8_t	*data;
	size_t		 datalen;
};

/*
 * Compile a legacy message as the runtime expects it: the fee payer
 * first, then writable signers, read-only signers, writable non-signers,
 * read-only non-signers (each key once, merged flags), the header, the
 * account keys, the recent blockhash and the instructions with compact-u16
 * lengths.  Returns the message length, or -1.
 */
int	sol_message(const uint8_t [SOL_KEY_LEN], const struct sol_ix *, size_t,
	    const uint8_t [32], uint8_t *, size_t);

/* The signed transaction: compact-u16 count, signatures, message. */
int	sol_transaction(const uint8_t (*)[64], size_t, const uint8_t *, size_t,
	    uint8_t *, size_t);

/* System program transfer of lamports. */
void	sol_ix_transfer(struct sol_ix *, const uint8_t [SOL_KEY_LEN],
	    const uint8_t [SOL_KEY_LEN], uint64_t, uint8_t [12]);
/* SPL Token TransferChecked between token accounts. */
void	sol_ix_transfer_checked(struct sol_ix *, const uint8_t [SOL_KEY_LEN],
	    const uint8_t [SOL_KEY_LEN], const uint8_t [SOL_KEY_LEN],
	    const uint8_t [SOL_KEY_LEN], uint64_t, uint8_t, uint8_t [10]);
/* Associated Token Account program: CreateIdempotent. */
void	sol_ix_create_ata(struct sol_ix *, const uint8_t [SOL_KEY_LEN],
	    const uint8_t [SOL_KEY_LEN], const uint8_t [SOL_KEY_LEN],
	    const uint8_t [SOL_KEY_LEN], uint8_t [1]);

/* SPL Memo: the memo's bytes as data, no accounts. */
void	sol_ix_memo(struct sol_ix *, const uint8_t *, size_t);

/*
 * A transfer as typed fields, and the instructions the signer makes of
 * them: SOL_TYPED_TRANSFER (lamports from the payer to `to'), or
 * SOL_TYPED_TOKEN (TransferChecked from the payer's associated account of
 * the mint to `to''s, created first if create_ata; or to the token
 * account `to' itself if to_account, never with create_ata), then a Memo
 * if memolen > 0.  One function for the signer, which signs them, and
 * for policyd, which compiles them to compare with a dApp's message.
 * The instructions point into t.  Returns their number, or -1.
 */
#define SOL_TYPED_TRANSFER	1
#define SOL_TYPED_TOKEN		2

struct sol_typed {
	int		 kind;
	uint8_t		 to[SOL_KEY_LEN];
	uint8_t		 mint[SOL_KEY_LEN];
	uint64_t	 amount;
	uint8_t		 decimals;
	int		 create_ata;
	int		 to_account;
	const uint8_t	*memo;
	size_t		 memolen;
	/* what the instructions point to */
	uint8_t		 d_main[12], d_create[1];
	uint8_t		 src[SOL_KEY_LEN], dst[SOL_KEY_LEN];
};

int	sol_typed_ixs(struct sol_typed *, const uint8_t [SOL_KEY_LEN],
	    struct sol_ix [3]);

/* 1 if 32 bytes decompress to a point of edwards25519 (as dalek does). */
int	sol_is_on_curve(const uint8_t [SOL_KEY_LEN]);
/* find_program_address; returns 0 and the bump, or -1. */
int	sol_find_pda(const uint8_t *const *, const size_t *, size_t,
	    const uint8_t [SOL_KEY_LEN], uint8_t [SOL_KEY_LEN], uint8_t *);
/* The associated token account of (owner, mint) under the token program. */
int	sol_ata(const uint8_t [SOL_KEY_LEN], const uint8_t [SOL_KEY_LEN],
	    const uint8_t [SOL_KEY_LEN], uint8_t [SOL_KEY_LEN]);

/*
 * An off-chain message (version 0): "\xffsolana offchain", version,
 * format, length (u16 little-endian), body.  The leading 0xff byte means
 * it can never parse as a transaction message.  Returns length or -1.
 */
int	sol_offchain_message(const uint8_t *, size_t, uint8_t *, size_t);

/*
 * A wire transaction as a dApp hands it over for sign-only (signature
 * slots, then a legacy message), decoded strictly (chain/sol_decode.c).
 * Pointers point into the bytes decoded.
 */
#define SOL_MAX_SIGS		16

struct sol_tx_ix {
	uint8_t		 program;		/* key index */
	uint8_t		 accts[SOL_MAX_IX_ACCTS];	/* key indices */
	size_t		 naccts;
	const uint8_t	*data;
	size_t		 datalen;
};

struct sol_tx {
	size_t			 nsigs;
	const uint8_t		*sigs;		/* nsigs * 64 bytes */
	const uint8_t		*msg;		/* what is signed */
	size_t			 msglen;
	uint8_t			 nreq;		/* the message header */
	uint8_t			 nro_signed;
	uint8_t			 nro_unsigned;
	uint8_t			 keys[SOL_MAX_KEYS][SOL_KEY_LEN];
	size_t			 nkeys;
	uint8_t			 blockhash[32];
	struct sol_tx_ix	 ix[SOL_MAX_INSTR];
	size_t			 nix;
};

/* 0, or -1 with *why (a fixed text). */
int	sol_tx_decode(const uint8_t *, size_t, struct sol_tx *, const char **);
/* Its bytes again: the length, or -1 if max is too small. */
int	sol_tx_encode(const struct sol_tx *, uint8_t *, size_t);
int	sol_tx_is_signer(const struct sol_tx *, size_t);
int	sol_tx_is_writable(const struct sol_tx *, size_t);
/* The key's index among the required signers, or -1. */
int	sol_tx_signer_index(const struct sol_tx *, const uint8_t [SOL_KEY_LEN]);

#endif
