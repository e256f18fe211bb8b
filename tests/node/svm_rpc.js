#!/usr/bin/env node
/*
 * A Solana JSON-RPC 2.0 server over litesvm (the real Solana runtime,
 * in-process), for the integration tests of the daemon's Solana client.
 *
 *   node svm_rpc.js [--port PORT]	(0 = any free port)
 *
 * listens on 127.0.0.1, prints one line "listening PORT" when ready and
 * runs until killed.  POST / with a JSON-RPC request or a batch (array).
 *
 * Standard methods (shapes as the real RPC): getHealth, getVersion,
 * getSlot, getBlockHeight, getBalance, getLatestBlockhash,
 * isBlockhashValid, getAccountInfo, getMultipleAccounts,
 * getTokenAccountsByOwner, getTokenAccountBalance,
 * getMinimumBalanceForRentExemption, getFeeForMessage, sendTransaction,
 * simulateTransaction, getSignatureStatuses, getSignaturesForAddress,
 * getTransaction (encodings json, the default, base64 and base58; its
 * meta with the static keys' lamports and SPL token balances before and
 * after), requestAirdrop.  getSignaturesForAddress lists the landed
 * transactions whose static keys hold the address, newest first, with
 * limit (1 to 1000), before and until; airdrops are not listed (litesvm's
 * faucet has no address to show).
 *
 * Test-only methods (a real node has none of these):
 *   waiaas_setAccount [address, {lamports, owner, data(base64), executable}]
 *   waiaas_createMint [{decimals, mintAuthority, freezeAuthority?}] -> mint
 *   waiaas_mintTo [{mint, owner, amount}] -> owner's associated token
 *	account (created if missing) with its balance set to amount
 *   waiaas_expireBlockhash [] -> new blockhash; every earlier one expires
 *   waiaas_warp [slots] -> new slot
 *
 * Blockhashes: litesvm itself knows one blockhash at a time; this server
 * moves to a new slot and blockhash after every landed transaction and
 * airdrop, and (like a real node) accepts any blockhash it handed out for
 * 150 blocks (block height = slot here).  A transaction whose signature
 * already landed is refused (AlreadyProcessed).  Signatures are "confirmed"
 * at once and "finalized" 32 slots later (waiaas_warp 32 to finalize).
 */
'use strict';

const http = require('http');
const crypto = require('crypto');
const { LiteSVM, FailedTransactionMetadata } = require('litesvm');
const internal = require('litesvm/dist/internal.js');
const kit = require('@solana/kit');
const token = require('@solana-program/token');

const MAX_BODY = 1 << 20;
const MAX_AGE = 150n;		/* blocks a blockhash stays valid */
const FINALIZE = 32n;		/* slots until a signature is finalized */
const FEE_PER_SIG = 5000n;
const U64_MAX = '__U64_MAX__';	/* rentEpoch, written as a bare number */
const TOKEN = 'TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA';
const TOKEN22 = 'TokenzQdBNbLqP5VEhdkAS6EPFLC1PHnBqCXEpPxuEb';
const SYSTEM = '11111111111111111111111111111111';
const COMPUTE_BUDGET = 'ComputeBudget111111111111111111111111111111';
const BUILTINS = new Set([SYSTEM, COMPUTE_BUDGET,
    'Vote111111111111111111111111111111111111111',
    'BPFLoaderUpgradeab1e11111111111111111111111',
    'BPFLoader2111111111111111111111111111111111',
    'BPFLoader1111111111111111111111111111111111',
    'LoaderV411111111111111111111111111111111111']);

const b58enc = kit.getBase58Encoder();	/* string -> bytes */
const b58dec = kit.getBase58Decoder();	/* bytes -> string */
const addrDec = kit.getAddressDecoder();
const txDecoder = kit.getTransactionDecoder();

const TX_ERR = ['AccountInUse', 'AccountLoadedTwice', 'AccountNotFound',
    'ProgramAccountNotFound', 'InsufficientFundsForFee',
    'InvalidAccountForFee', 'AlreadyProcessed', 'BlockhashNotFound',
    'CallChainTooDeep', 'MissingSignatureForFee', 'InvalidAccountIndex',
    'SignatureFailure', 'InvalidProgramForExecution', 'SanitizeFailure',
    'ClusterMaintenance', 'AccountBorrowOutstanding',
    'WouldExceedMaxBlockCostLimit', 'UnsupportedVersion',
    'InvalidWritableAccount', 'WouldExceedMaxAccountCostLimit',
    'WouldExceedAccountDataBlockLimit', 'TooManyAccountLocks',
    'AddressLookupTableNotFound', 'InvalidAddressLookupTableOwner',
    'InvalidAddressLookupTableData', 'InvalidAddressLookupTableIndex',
    'InvalidRentPayingAccount', 'WouldExceedMaxVoteCostLimit',
    'WouldExceedAccountDataTotalLimit', 'MaxLoadedAccountsDataSizeExceeded',
    'ResanitizationNeeded', 'InvalidLoadedAccountsDataSizeLimit',
    'UnbalancedTransaction', 'ProgramCacheHitMaxLimit', 'CommitCancelled'];
const IX_ERR = ['GenericError', 'InvalidArgument', 'InvalidInstructionData',
    'InvalidAccountData', 'AccountDataTooSmall', 'InsufficientFunds',
    'IncorrectProgramId', 'MissingRequiredSignature',
    'AccountAlreadyInitialized', 'UninitializedAccount',
    'UnbalancedInstruction', 'ModifiedProgramId',
    'ExternalAccountLamportSpend', 'ExternalAccountDataModified',
    'ReadonlyLamportChange', 'ReadonlyDataModified', 'DuplicateAccountIndex',
    'ExecutableModified', 'RentEpochModified', 'NotEnoughAccountKeys',
    'AccountDataSizeChanged', 'AccountNotExecutable', 'AccountBorrowFailed',
    'AccountBorrowOutstanding', 'DuplicateAccountOutOfSync', 'InvalidError',
    'ExecutableDataModified', 'ExecutableLamportChange',
    'ExecutableAccountNotRentExempt', 'UnsupportedProgramId', 'CallDepth',
    'MissingAccount', 'ReentrancyNotAllowed', 'MaxSeedLengthExceeded',
    'InvalidSeeds', 'InvalidRealloc', 'ComputationalBudgetExceeded',
    'PrivilegeEscalation', 'ProgramEnvironmentSetupFailure',
    'ProgramFailedToComplete', 'ProgramFailedToCompile', 'Immutable',
    'IncorrectAuthority', 'AccountNotRentExempt', 'InvalidAccountOwner',
    'ArithmeticOverflow', 'UnsupportedSysvar', 'IllegalOwner',
    'MaxAccountsDataAllocationsExceeded', 'MaxAccountsExceeded',
    'MaxInstructionTraceLengthExceeded',
    'BuiltinProgramsMustConsumeComputeUnits', 'BorshIoError'];
/* The Display text of the errors a client most often meets. */
const TX_ERR_TEXT = {
	AccountNotFound: 'Attempt to debit an account but found no record ' +
	    'of a prior credit.',
	InsufficientFundsForFee: 'Insufficient funds for fee',
	AlreadyProcessed: 'This transaction has already been processed',
	BlockhashNotFound: 'Blockhash not found',
	SignatureFailure: 'Transaction did not pass signature verification',
	SanitizeFailure: 'Transaction failed to sanitize accounts offsets ' +
	    'correctly',
	MissingSignatureForFee: 'Transaction requires a fee but has no ' +
	    'signature present',
};

class RpcError extends Error {
	constructor(code, message, data) {
		super(message);
		this.code = code;
		this.data = data;
	}
}
const invalidParams = (m) => new RpcError(-32602, m);

/* ---- state ---- */

const svm = new LiteSVM().withBlockhashCheck(false);
const blockhashes = new Map();	/* blockhash -> lastValidBlockHeight */
const statuses = new Map();	/* signature -> {slot, err, fee, logs, wire} */

const slot = () => svm.getClock().slot;
function newBlockhash() {
	blockhashes.set(svm.latestBlockhash(), slot() + MAX_AGE);
}
function advance(n = 1n) {
	svm.warpToSlot(slot() + n);
	svm.expireBlockhash();
	newBlockhash();
}
function blockhashValid(bh) {
	const last = blockhashes.get(bh);
	return last !== undefined && slot() <= last;
}
advance();

/* ---- encoding helpers ---- */

const ctx = (value) => ({ context: { apiVersion: '2.2.0',
    slot: Number(slot()) }, value });

function address(s, what = 'address') {
	if (typeof s !== 'string')
		throw invalidParams(`Invalid param: ${what} must be a string`);
	try {
		return kit.address(s);
	} catch (e) {
		throw invalidParams('Invalid param: Invalid');
	}
}

function u64(v, what) {
	try {
		const n = BigInt(v);
		if (n < 0n || n > 0xffffffffffffffffn)
			throw new Error();
		return n;
	} catch (e) {
		throw invalidParams(`Invalid param: ${what} must be a u64`);
	}
}

function decodeWire(s, encoding) {
	if (typeof s !== 'string')
		throw invalidParams('invalid transaction: not a string');
	let bytes;
	if (encoding === 'base64') {
		if (!/^[A-Za-z0-9+/]*={0,2}$/.test(s))
			throw invalidParams('invalid base64 encoding: ' +
			    'InvalidByte');
		bytes = Buffer.from(s, 'base64');
	} else if (encoding === 'base58' || encoding === undefined) {
		try {
			bytes = Buffer.from(b58enc.encode(s));
		} catch (e) {
			throw invalidParams('invalid base58 encoding: ' +
			    'InvalidCharacter');
		}
	} else {
		throw invalidParams(`unsupported encoding: ${encoding}. ` +
		    'Supported encodings: base58, base64');
	}
	try {
		const tx = txDecoder.decode(bytes);
		const msg = parseMessage(tx.messageBytes);
		if (Object.keys(tx.signatures).length !== msg.numSigners)
			throw new Error('signature count mismatch');
		return { bytes, tx, msg };
	} catch (e) {
		throw invalidParams('failed to deserialize solana_transaction::' +
		    'versioned::VersionedTransaction: io error: ' + e.message);
	}
}

function compactU16(b, off) {
	let v = 0, shift = 0;
	for (;;) {
		const c = b[off++];
		if (c === undefined)
			throw new Error('truncated message');
		v |= (c & 0x7f) << shift;
		if (!(c & 0x80))
			return [v, off];
		shift += 7;
	}
}

/* The parts of a legacy or v0 message this server needs. */
function parseMessage(b) {
	b = Buffer.from(b);
	let off = 0;
	let version = 'legacy';
	if (b[0] & 0x80) {
		version = b[0] & 0x7f;
		off = 1;
	}
	const numSigners = b[off];
	const header = { numRequiredSignatures: b[off],
	    numReadonlySignedAccounts: b[off + 1],
	    numReadonlyUnsignedAccounts: b[off + 2] };
	off += 3;
	let n;
	[n, off] = compactU16(b, off);
	const keys = [];
	for (let i = 0; i < n; i++, off += 32)
		keys.push(addrDec.decode(b.subarray(off, off + 32)));
	if (off + 32 > b.length)
		throw new Error('truncated message');
	const blockhash = b58dec.decode(b.subarray(off, off + 32));
	const blockhashOffset = off;
	off += 32;
	const ixs = [];
	[n, off] = compactU16(b, off);
	for (let i = 0; i < n; i++) {
		const programIdIndex = b[off++];
		const program = keys[programIdIndex];
		let k;
		[k, off] = compactU16(b, off);
		const accounts = [...b.subarray(off, off + k)];
		off += k;
		[k, off] = compactU16(b, off);
		if (off + k > b.length)
			throw new Error('truncated message');
		ixs.push({ program, programIdIndex, accounts,
		    data: b.subarray(off, off + k) });
		off += k;
	}
	return { version, numSigners, header, keys, blockhash,
	    blockhashOffset, ixs, fee: feeOf(numSigners, ixs) };
}

/*
 * 5000 lamports a signature plus the priority fee: ceil(compute unit
 * price (micro-lamports) x compute unit limit / 1e6), the limit being
 * SetComputeUnitLimit's or the default of 3000 per builtin instruction
 * and 200000 per other one (at most 1.4M), as the runtime charges.
 */
function feeOf(numSigners, ixs) {
	let price = 0n, limit = null, dflt = 0n;
	for (const ix of ixs) {
		if (ix.program === COMPUTE_BUDGET) {
			if (ix.data[0] === 2 && ix.data.length >= 5)
				limit = BigInt(ix.data.readUInt32LE(1));
			else if (ix.data[0] === 3 && ix.data.length >= 9)
				price = ix.data.readBigUInt64LE(1);
		}
		dflt += BUILTINS.has(ix.program) ? 3000n : 200000n;
	}
	if (limit === null)
		limit = dflt < 1400000n ? dflt : 1400000n;
	if (limit > 1400000n)
		limit = 1400000n;
	return FEE_PER_SIG * BigInt(numSigners) +
	    (price * limit + 999999n) / 1000000n;
}

function uiAmount(amount, decimals) {
	const s = amount.toString().padStart(decimals + 1, '0');
	const int = s.slice(0, s.length - decimals);
	const frac = s.slice(s.length - decimals).replace(/0+$/, '');
	const str = frac ? `${int}.${frac}` : int;
	return { amount: amount.toString(), decimals,
	    uiAmount: Number(str), uiAmountString: str };
}

function mintDecimals(mint) {
	const a = svm.getAccount(mint);
	if (!a.exists || a.data.length < 82)
		return null;
	return a.data[44];
}

/* jsonParsed for SPL Token (and the base layout of Token-2022). */
function parseToken(acct) {
	const prog = acct.programAddress;
	if (prog !== TOKEN && prog !== TOKEN22)
		return null;
	const d = acct.data;
	const program = prog === TOKEN ? 'spl-token' : 'spl-token-2022';
	try {
		if (d.length === 165 || (prog === TOKEN22 && d.length > 165 &&
		    d[165] === 2)) {
			const t = token.getTokenDecoder().decode(d.subarray(0, 165));
			const dec = mintDecimals(t.mint) ?? 0;
			const info = {
				isNative: t.isNative.__option === 'Some',
				mint: t.mint, owner: t.owner,
				state: ['uninitialized', 'initialized',
				    'frozen'][t.state],
				tokenAmount: uiAmount(t.amount, dec),
			};
			if (t.delegate.__option === 'Some') {
				info.delegate = t.delegate.value;
				info.delegatedAmount = uiAmount(
				    t.delegatedAmount, dec);
			}
			if (t.closeAuthority.__option === 'Some')
				info.closeAuthority = t.closeAuthority.value;
			if (info.isNative) {
				info.rentExemptReserve = uiAmount(
				    t.isNative.value, 9);
			}
			return { program, parsed: { info, type: 'account' },
			    space: d.length };
		}
		if (d.length === 82 || (prog === TOKEN22 && d.length > 165 &&
		    d[165] === 1)) {
			const m = token.getMintDecoder().decode(d.subarray(0, 82));
			const opt = (o) => o.__option === 'Some' ? o.value : null;
			return { program, parsed: { info: {
				decimals: m.decimals,
				freezeAuthority: opt(m.freezeAuthority),
				isInitialized: m.isInitialized,
				mintAuthority: opt(m.mintAuthority),
				supply: m.supply.toString(),
			}, type: 'mint' }, space: d.length };
		}
	} catch (e) {
		/* not a token state: fall back to base64 */
	}
	return null;
}

function encodeAccount(acct, encoding) {
	if (!acct.exists)
		return null;
	const d = Buffer.from(acct.data);
	let data;
	if (encoding === 'jsonParsed')
		data = parseToken(acct) ?? [d.toString('base64'), 'base64'];
	else if (encoding === 'base64')
		data = [d.toString('base64'), 'base64'];
	else if (encoding === 'base58')
		data = [b58dec.decode(d), 'base58'];
	else if (encoding === undefined || encoding === 'binary')
		data = b58dec.decode(d);
	else
		throw invalidParams(`Invalid params: unknown variant ` +
		    `\`${encoding}\``);
	return { data, executable: acct.executable,
	    lamports: Number(acct.lamports), owner: acct.programAddress,
	    rentEpoch: U64_MAX, space: d.length };
}

function errJson(e) {
	if (typeof e === 'number')
		return TX_ERR[e] ?? `Unknown(${e})`;
	if (e instanceof internal.TransactionErrorInstructionError) {
		const ie = e.err();
		let v;
		if (typeof ie === 'number')
			v = IX_ERR[ie] ?? `Unknown(${ie})`;
		else if (ie instanceof internal.InstructionErrorCustom)
			v = { Custom: ie.code };
		else
			v = { BorshIoError: ie.msg };
		return { InstructionError: [e.index, v] };
	}
	if (e instanceof internal.TransactionErrorDuplicateInstruction)
		return { DuplicateInstruction: e.index };
	if (e instanceof internal.TransactionErrorInsufficientFundsForRent)
		return { InsufficientFundsForRent:
		    { account_index: e.accountIndex } };
	return { ProgramExecutionTemporarilyRestricted:
	    { account_index: e.accountIndex } };
}

function errText(err) {
	if (typeof err === 'string')
		return TX_ERR_TEXT[err] ?? err;
	if (err.InstructionError) {
		const [i, v] = err.InstructionError;
		const t = typeof v === 'string' ? v : v.Custom !== undefined ?
		    `custom program error: 0x${v.Custom.toString(16)}` :
		    JSON.stringify(v);
		return `Error processing Instruction ${i}: ${t}`;
	}
	if (err.InsufficientFundsForRent) {
		return 'Transaction results in an account (' +
		    `${err.InsufficientFundsForRent.account_index}) with ` +
		    'insufficient funds for rent';
	}
	return JSON.stringify(err);
}

/* ---- transactions ---- */

function runtime(bytes, msg, simulate) {
	const inner = svm.inner;
	const legacy = msg.version === 'legacy';
	if (simulate) {
		return legacy ? inner.simulateLegacyTransaction(bytes) :
		    inner.simulateVersionedTransaction(bytes);
	}
	return legacy ? inner.sendLegacyTransaction(bytes) :
	    inner.sendVersionedTransaction(bytes);
}

/* -> {err, logs, unitsConsumed} */
function simulate(bytes, msg, { sigVerify = true, checkBlockhash = true } =
    {}) {
	if (checkBlockhash && !blockhashValid(msg.blockhash))
		return { err: 'BlockhashNotFound', logs: [], unitsConsumed: 0 };
	const sigOld = svm.inner.getSigverify();
	svm.inner.setSigverify(sigVerify);
	let r;
	try {
		r = runtime(bytes, msg, true);
	} finally {
		svm.inner.setSigverify(sigOld);
	}
	const failed = r instanceof internal.FailedTransactionMetadata ||
	    r instanceof FailedTransactionMetadata;
	const meta = r.meta();
	return { err: failed ? errJson(r.err()) : null, logs: meta.logs(),
	    unitsConsumed: Number(meta.computeUnitsConsumed()) };
}

function simValue(s, replacement) {
	return { accounts: null, err: s.err, innerInstructions: null,
	    loadedAccountsDataSize: 0, logs: s.logs, replacementBlockhash:
	    replacement ?? null, returnData: null,
	    unitsConsumed: s.unitsConsumed };
}

function sendTransaction([wire, cfg = {}]) {
	const { bytes, tx, msg } = decodeWire(wire, cfg.encoding);
	const signature = b58dec.decode(Object.values(tx.signatures)[0] ??
	    new Uint8Array(64));
	if (!cfg.skipPreflight) {
		const s = statuses.has(signature) ? { err: 'AlreadyProcessed',
		    logs: [], unitsConsumed: 0 } : simulate(bytes, msg);
		if (s.err === 'SignatureFailure')
			throw new RpcError(-32003, 'Transaction signature ' +
			    'verification failure');
		if (s.err !== null) {
			throw new RpcError(-32002, 'Transaction simulation ' +
			    `failed: ${errText(s.err)}`, simValue(s));
		}
	}
	/* Without preflight, a transaction that cannot land is dropped. */
	if (!blockhashValid(msg.blockhash) || statuses.has(signature))
		return signature;
	const pre = balancesOf(msg.keys);
	const r = runtime(bytes, msg, false);
	const failed = r instanceof internal.FailedTransactionMetadata ||
	    r instanceof FailedTransactionMetadata;
	const meta = failed ? r.meta() : r;
	if (svm.getTransaction(signature) === null)
		return signature;	/* not landed: no fee, no status */
	const post = balancesOf(msg.keys);
	statuses.set(signature, { slot: slot(), err: failed ?
	    errJson(r.err()) : null, fee: msg.fee,
	    logs: meta.logs(), wire: bytes, version: msg.version,
	    blockTime: Number(svm.getClock().unixTimestamp), msg,
	    signatures: Object.values(tx.signatures).map((g) =>
		b58dec.decode(g ?? new Uint8Array(64))), pre, post });
	advance();
	return signature;
}

function simulateTransaction([wire, cfg = {}]) {
	let { bytes, msg } = decodeWire(wire, cfg.encoding);
	if (cfg.sigVerify && cfg.replaceRecentBlockhash)
		throw invalidParams('sigVerify may not be used with ' +
		    'replaceRecentBlockhash');
	let replacement;
	if (cfg.replaceRecentBlockhash) {
		const bh = svm.latestBlockhash();
		/* Rewrite the blockhash inside the message bytes. */
		const sigLen = bytes.length - (Buffer.from(
		    txDecoder.decode(bytes).messageBytes).length);
		bytes = Buffer.from(bytes);
		Buffer.from(b58enc.encode(bh)).copy(bytes,
		    sigLen + msg.blockhashOffset);
		replacement = { blockhash: bh,
		    lastValidBlockHeight: Number(blockhashes.get(bh)) };
	}
	const s = simulate(bytes, msg, { sigVerify: !!cfg.sigVerify,
	    checkBlockhash: !cfg.replaceRecentBlockhash });
	return ctx(simValue(s, replacement));
}

function statusOf(sig) {
	const st = statuses.get(sig);
	if (!st)
		return null;
	const age = slot() - st.slot;
	const fin = age >= FINALIZE;
	return { confirmationStatus: fin ? 'finalized' : 'confirmed',
	    confirmations: fin ? null : Number(age), err: st.err,
	    slot: Number(st.slot),
	    status: st.err === null ? { Ok: null } : { Err: st.err } };
}

/* The lamports and SPL token balances of keys, in their order. */
function balancesOf(keys) {
	const lamports = [], tokens = [];
	keys.forEach((k, i) => {
		const a = svm.getAccount(k);
		lamports.push(a.exists ? Number(a.lamports) : 0);
		if (!a.exists || (a.programAddress !== TOKEN &&
		    a.programAddress !== TOKEN22))
			return;
		const d = a.data;
		if (d.length < 165 || (d.length > 165 && d[165] !== 2))
			return;
		const mint = addrDec.decode(d.subarray(0, 32));
		const dec = mintDecimals(mint);
		if (dec === null)
			return;
		tokens.push({ accountIndex: i, mint,
		    owner: addrDec.decode(d.subarray(32, 64)),
		    programId: a.programAddress,
		    uiTokenAmount: uiAmount(Buffer.from(d).readBigUInt64LE(64),
			dec) });
	});
	return { lamports, tokens };
}

/* The "json" encoding of a landed transaction (legacy or v0). */
function txJson(st) {
	const m = st.msg;
	const message = { accountKeys: m.keys, header: m.header,
	    instructions: m.ixs.map((ix) => ({ accounts: ix.accounts,
		data: b58dec.decode(ix.data), programIdIndex: ix.programIdIndex,
		stackHeight: null })),
	    recentBlockhash: m.blockhash };
	if (m.version !== 'legacy')
		message.addressTableLookups = [];
	return { message, signatures: st.signatures };
}

function getTransaction([sig, cfg = {}]) {
	if (typeof sig !== 'string')
		throw invalidParams('Invalid param: signature');
	const st = statuses.get(sig);
	if (!st)
		return null;
	const enc = (typeof cfg === 'string' ? cfg : cfg.encoding) ?? 'json';
	if (enc !== 'json' && enc !== 'base64' && enc !== 'base58')
		throw invalidParams(`unsupported encoding: ${enc}`);
	const wire = Buffer.from(st.wire);
	const meta = { computeUnitsConsumed: 0, err: st.err,
	    fee: Number(st.fee), innerInstructions: [],
	    logMessages: st.logs, postBalances: st.post?.lamports ?? [],
	    postTokenBalances: st.post?.tokens ?? [],
	    preBalances: st.pre?.lamports ?? [],
	    preTokenBalances: st.pre?.tokens ?? [], rewards: [],
	    status: st.err === null ? { Ok: null } : { Err: st.err } };
	if (st.version !== 'legacy')
		meta.loadedAddresses = { readonly: [], writable: [] };
	return {
		blockTime: st.blockTime,
		meta,
		slot: Number(st.slot),
		transaction: enc === 'base58' ? [b58dec.decode(wire), 'base58'] :
		    enc === 'base64' ? [wire.toString('base64'), 'base64'] :
		    st.msg ? txJson(st) : null,
		version: st.version,
	};
}

function getSignaturesForAddress([a, cfg]) {
	const addr = address(a, 'address');
	cfg = cfgOf(cfg);
	const limit = cfg.limit === undefined ? 1000 : cfg.limit;
	if (!Number.isInteger(limit) || limit < 1 || limit > 1000)
		throw invalidParams('Invalid limit; max 1000');
	for (const k of ['before', 'until'])
		if (cfg[k] !== undefined && typeof cfg[k] !== 'string')
			throw invalidParams(`Invalid param: ${k}`);
	const all = [...statuses.entries()].filter(([, st]) =>
	    st.msg && st.msg.keys.includes(addr)).reverse();
	let i = 0;
	if (cfg.before !== undefined) {
		i = all.findIndex(([sig]) => sig === cfg.before);
		i = i < 0 ? all.length : i + 1;
	}
	const out = [];
	for (; i < all.length && out.length < limit; i++) {
		const [sig, st] = all[i];
		if (sig === cfg.until)
			break;
		const age = slot() - st.slot;
		out.push({ blockTime: st.blockTime, confirmationStatus:
		    age >= FINALIZE ? 'finalized' : 'confirmed', err: st.err,
		    memo: null, signature: sig, slot: Number(st.slot) });
	}
	return out;
}

function requestAirdrop([to, lamports]) {
	const r = svm.airdrop(address(to), u64(lamports, 'lamports'));
	if (!r || r instanceof internal.FailedTransactionMetadata ||
	    r instanceof FailedTransactionMetadata)
		throw new RpcError(-32600, 'airdrop request failed' +
		    (r ? ': ' + errText(errJson(r.err())) : ''));
	const sig = b58dec.decode(r.signature());
	statuses.set(sig, { slot: slot(), err: null, fee: 0n, logs: r.logs(),
	    wire: Buffer.alloc(0), version: 'legacy',
	    blockTime: Number(svm.getClock().unixTimestamp) });
	advance();
	return sig;
}

/* ---- SPL token helpers ---- */

function rent(n) {
	return svm.minimumBalanceForRentExemption(BigInt(n));
}

async function ataOf(owner, mint) {
	const [ata] = await token.findAssociatedTokenPda({ owner, mint,
	    tokenProgram: TOKEN });
	return ata;
}

function obj(params) {
	if (Array.isArray(params) && params[0] && typeof params[0] === 'object')
		return params[0];
	if (params && !Array.isArray(params) && typeof params === 'object')
		return params;
	throw invalidParams('Invalid params: expected [{...}]');
}

function createMint(params) {
	const o = obj(params);
	const decimals = Number(o.decimals ?? 0);
	if (!Number.isInteger(decimals) || decimals < 0 || decimals > 255)
		throw invalidParams('Invalid param: decimals');
	const mint = addrDec.decode(crypto.randomBytes(32));
	const data = token.getMintEncoder().encode({
		mintAuthority: address(o.mintAuthority, 'mintAuthority'),
		supply: 0n, decimals, isInitialized: true,
		freezeAuthority: o.freezeAuthority ?
		    address(o.freezeAuthority, 'freezeAuthority') : null,
	});
	svm.setAccount({ address: mint, data, executable: false,
	    lamports: rent(data.length), programAddress: TOKEN,
	    space: BigInt(data.length) });
	return mint;
}

async function mintTo(params) {
	const o = obj(params);
	const mint = address(o.mint, 'mint');
	const owner = address(o.owner, 'owner');
	const amount = u64(o.amount ?? 0, 'amount');
	const m = svm.getAccount(mint);
	if (!m.exists || m.programAddress !== TOKEN || m.data.length !== 82)
		throw invalidParams('Invalid param: not an SPL Token mint');
	const ata = await ataOf(owner, mint);
	const cur = svm.getAccount(ata);
	let old = 0n;
	let t = { mint, owner, amount: 0n, delegate: null,
	    state: token.AccountState.Initialized, isNative: null,
	    delegatedAmount: 0n, closeAuthority: null };
	if (cur.exists) {
		t = token.getTokenDecoder().decode(cur.data);
		old = t.amount;
	}
	const data = token.getTokenEncoder().encode({ ...t, amount });
	svm.setAccount({ address: ata, data, executable: false,
	    lamports: rent(data.length), programAddress: TOKEN,
	    space: BigInt(data.length) });
	const mi = token.getMintDecoder().decode(m.data);
	const mdata = token.getMintEncoder().encode({ ...mi,
	    supply: mi.supply - old + amount });
	svm.setAccount({ address: mint, data: mdata, executable: false,
	    lamports: m.lamports, programAddress: TOKEN, space: 82n });
	return ata;
}

function setAccount([addr, o]) {
	const a = address(addr);
	if (!o || typeof o !== 'object')
		throw invalidParams('Invalid params: expected [address, {...}]');
	const data = Buffer.from(o.data ?? '', 'base64');
	svm.setAccount({ address: a, data: new Uint8Array(data),
	    executable: !!o.executable,
	    lamports: u64(o.lamports ?? 0, 'lamports'),
	    programAddress: address(o.owner ?? SYSTEM, 'owner'),
	    space: BigInt(data.length) });
	return null;
}

/* ---- dispatch ---- */

function cfgOf(p) {
	return p && typeof p === 'object' && !Array.isArray(p) ? p : {};
}

const methods = {
	getHealth: () => 'ok',
	getVersion: () => ({ 'feature-set': 3294202862,
	    'solana-core': '2.2.0' }),
	/* The last slot whose transactions are all in: a transaction
	   lands in the open one (slot()), which then closes, as a
	   confirmed slot on a real node is complete. */
	getSlot: () => Number(slot() - 1n),
	getBlockHeight: () => Number(slot()),
	getSignaturesForAddress,
	getBalance: ([a]) => ctx(Number(svm.getBalance(address(a)) ?? 0n)),
	getLatestBlockhash: () => {
		const bh = svm.latestBlockhash();
		return ctx({ blockhash: bh,
		    lastValidBlockHeight: Number(blockhashes.get(bh)) });
	},
	isBlockhashValid: ([bh]) => {
		if (typeof bh !== 'string')
			throw invalidParams('Invalid param: blockhash');
		return ctx(blockhashValid(bh));
	},
	getAccountInfo: ([a, cfg]) => ctx(encodeAccount(
	    svm.getAccount(address(a)), cfgOf(cfg).encoding)),
	getMultipleAccounts: ([list, cfg]) => {
		if (!Array.isArray(list) || list.length > 100)
			throw invalidParams('Invalid params: expected up to ' +
			    '100 addresses');
		const as = list.map((a) => address(a));
		return ctx(as.map((a) => encodeAccount(svm.getAccount(a),
		    cfgOf(cfg).encoding)));
	},
	getTokenAccountsByOwner: ([o, filter, cfg]) => {
		const owner = address(o, 'owner');
		filter = cfgOf(filter);
		let prog = TOKEN, mint = null;
		if (filter.mint) {
			mint = address(filter.mint, 'mint');
			const m = svm.getAccount(mint);
			if (!m.exists || (m.programAddress !== TOKEN &&
			    m.programAddress !== TOKEN22))
				throw invalidParams('Invalid param: could not ' +
				    'find mint');
			prog = m.programAddress;
		} else if (filter.programId) {
			prog = address(filter.programId, 'programId');
			if (prog !== TOKEN && prog !== TOKEN22)
				throw invalidParams('Invalid param: ' +
				    'unrecognized Token program id');
		} else {
			throw invalidParams('Invalid params: expected mint ' +
			    'or programId filter');
		}
		const out = [];
		for (const acct of svm.getProgramAccounts(prog)) {
			const d = acct.data;
			if (d.length < 165 || (d.length > 165 && d[165] !== 2))
				continue;
			if (addrDec.decode(d.subarray(32, 64)) !== owner)
				continue;
			if (mint && addrDec.decode(d.subarray(0, 32)) !== mint)
				continue;
			out.push({ account: encodeAccount({ ...acct,
			    exists: true }, cfgOf(cfg).encoding),
			    pubkey: acct.address });
		}
		return ctx(out);
	},
	getTokenAccountBalance: ([a]) => {
		const acct = svm.getAccount(address(a));
		const p = acct.exists ? parseToken(acct) : null;
		if (!p || p.parsed.type !== 'account')
			throw invalidParams('Invalid param: not a Token account');
		return ctx(p.parsed.info.tokenAmount);
	},
	getMinimumBalanceForRentExemption: ([n]) =>
	    Number(rent(u64(n ?? 0, 'data length'))),
	getFeeForMessage: ([m]) => {
		let msg;
		try {
			msg = parseMessage(Buffer.from(m, 'base64'));
		} catch (e) {
			throw invalidParams('invalid message');
		}
		return ctx(blockhashValid(msg.blockhash) ?
		    Number(msg.fee) : null);
	},
	sendTransaction,
	simulateTransaction,
	getSignatureStatuses: ([sigs]) => {
		if (!Array.isArray(sigs) || sigs.length > 256)
			throw invalidParams('Invalid params: expected up to ' +
			    '256 signatures');
		return ctx(sigs.map(statusOf));
	},
	getTransaction,
	requestAirdrop,
	waiaas_setAccount: setAccount,
	waiaas_createMint: createMint,
	waiaas_mintTo: mintTo,
	waiaas_expireBlockhash: () => {
		for (const bh of blockhashes.keys())
			blockhashes.set(bh, -1n);
		advance();
		return svm.latestBlockhash();
	},
	waiaas_warp: ([n]) => {
		const k = u64(n ?? 1, 'slots');
		if (k > 0n)
			advance(k);
		return Number(slot());
	},
};

async function call(req) {
	if (!req || typeof req !== 'object' || Array.isArray(req) ||
	    req.jsonrpc !== '2.0' || typeof req.method !== 'string')
		return { jsonrpc: '2.0', error: { code: -32600,
		    message: 'Invalid request' }, id: req?.id ?? null };
	const id = req.id ?? null;
	const fn = Object.hasOwn(methods, req.method) ? methods[req.method] :
	    null;
	if (!fn)
		return { jsonrpc: '2.0', error: { code: -32601,
		    message: 'Method not found' }, id };
	const params = req.params === undefined ? [] : req.params;
	if (typeof params !== 'object' || params === null)
		return { jsonrpc: '2.0', error: { code: -32602,
		    message: 'Invalid params' }, id };
	try {
		const result = await fn(params);
		return { jsonrpc: '2.0', result, id };
	} catch (e) {
		if (e instanceof RpcError) {
			const error = { code: e.code, message: e.message };
			if (e.data !== undefined)
				error.data = e.data;
			return { jsonrpc: '2.0', error, id };
		}
		console.error('svm_rpc: ' + req.method + ': ' +
		    (e.stack || e));
		return { jsonrpc: '2.0', error: { code: -32603,
		    message: 'Internal error: ' + e.message }, id };
	}
}

function reply(res, status, body) {
	const s = typeof body === 'string' ? body : JSON.stringify(body)
	    .replaceAll(`"${U64_MAX}"`, '18446744073709551615');
	res.writeHead(status, { 'Content-Type': 'application/json',
	    'Content-Length': Buffer.byteLength(s) });
	res.end(s);
}

function refuse(req, res) {
	let dropped = 0;

	req.on('data', (c) => {
		if ((dropped += c.length) > 16 * MAX_BODY)
			req.destroy();
	});
	req.on('end', () => {
		res.writeHead(413, { Connection: 'close' });
		res.end();
	});
}

async function handle(req, res) {
	if (req.method !== 'POST') {
		res.writeHead(405, { Allow: 'POST' });
		res.end();
		return;
	}
	/*
	 * Too big: read and drop the body (up to 16 MiB), then answer 413.
	 * Destroying the socket with input unread makes the kernel reset
	 * the connection, and a client may never see the answer.
	 */
	if (Number(req.headers['content-length'] ?? 0) > MAX_BODY) {
		refuse(req, res);
		return;
	}
	const chunks = [];
	let size = 0;
	let tooBig = false;
	for await (const c of req) {
		size += c.length;
		if (size > 16 * MAX_BODY) {
			req.destroy();
			return;
		}
		if (size > MAX_BODY)
			tooBig = true;
		else
			chunks.push(c);
	}
	if (tooBig) {
		res.writeHead(413, { Connection: 'close' });
		res.end();
		return;
	}
	let body;
	try {
		body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
	} catch (e) {
		reply(res, 200, { jsonrpc: '2.0', error: { code: -32700,
		    message: 'Parse error' }, id: null });
		return;
	}
	if (Array.isArray(body)) {
		if (body.length === 0) {
			reply(res, 200, { jsonrpc: '2.0', error: { code: -32600,
			    message: 'Invalid request' }, id: null });
			return;
		}
		const out = [];
		for (const r of body)
			out.push(await call(r));
		reply(res, 200, out);
	} else {
		reply(res, 200, await call(body));
	}
}

function main() {
	const argv = process.argv.slice(2);
	let port = 0;
	for (let i = 0; i < argv.length; i++) {
		if (argv[i] === '--port' && i + 1 < argv.length)
			port = Number(argv[++i]);
		else
			throw new Error('usage: svm_rpc.js [--port PORT]');
	}
	if (!Number.isInteger(port) || port < 0 || port > 65535)
		throw new Error('bad port');
	const server = http.createServer((req, res) => {
		handle(req, res).catch((e) => {
			console.error('svm_rpc: ' + (e.stack || e));
			if (!res.headersSent)
				reply(res, 500, '');
			else
				res.destroy();
		});
	});
	server.listen(port, '127.0.0.1', () => {
		process.stdout.write(`listening ${server.address().port}\n`);
	});
	for (const sig of ['SIGTERM', 'SIGINT'])
		process.on(sig, () => process.exit(0));
}

try {
	main();
} catch (e) {
	console.error('svm_rpc.js: ' + e.message);
	process.exit(2);
}
