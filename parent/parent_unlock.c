/*
 * The keystore opened through the signer: its files and the master
 * password read before any child starts, the password handed to the
 * signer (its only copy from then on) once all are ready, every sealed
 * key loaded; then the keys the signer seals (a new wallet, a master
 * password change) written for it.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "log.h"
#include "parent.h"
#include "proc.h"
#include "secret.h"
#include "util.h"

/*
 * Before anything starts: the keystore's meta and blobs and the master
 * password (hashed for policyd later, in unlock_send()).
 */
void
keystore_prepare(int provision)
{
	char		 path[PATH_MAX];
	const char	*file;
	int		 dfd, fd;

	if ((dfd = fcntl(P.ddir, F_DUPFD_CLOEXEC, 0)) == -1)
		fatal("dup");
	if ((size_t)snprintf(path, sizeof(path), "%s/keystore",
	    P.cf.datadir) >= sizeof(path))
		fatalx("data directory path too long");
	if ((P.kfd = openat(dfd, "keystore", O_RDONLY | O_DIRECTORY |
	    O_NOFOLLOW | O_CLOEXEC)) == -1)
		fatal("%s", path);
	P.have_meta = keystore_read_meta(P.kfd, &P.meta);
	P.nfiles = keystore_scan(P.kfd, &P.files);
	if (!P.have_meta && P.nfiles > 0)
		fatalx("keystore/keystore.meta is missing but %zu sealed keys "
		    "exist: restore it from a backup", P.nfiles);
	if (!P.have_meta) {
		P.meta.kdf_mem_kib = (uint32_t)P.cf.kdf_memory_kib;
		P.meta.kdf_passes = (uint32_t)P.cf.kdf_passes;
		P.meta.kdf_lanes = (uint32_t)P.cf.kdf_lanes;
	}
	if ((P.pw = sodium_malloc(KS_PASSWORD_MAX + 1)) == NULL)
		fatal("sodium_malloc");
	/*
	 * A password file only root may read (a systemd credential, a
	 * root-owned Docker secret) is read as root; any other as us.
	 */
	file = getenv("WAIAAS_MASTER_PASSWORD_FILE");
	if (P.privsep && file != NULL && file[0] != '\0') {
		if ((fd = open(file, O_RDONLY | O_NOFOLLOW | O_CLOEXEC |
		    O_NONBLOCK)) != -1)
			close(fd);
		else if (errno == EACCES)
			fs_as(0, 0);
	}
	master_password(dfd, P.cf.datadir, !P.have_meta, provision, P.pw,
	    &P.pwlen);
	fs_as_parent();
	P.dfd = dfd;	/* kept: set-master switches keystore/ in it */
}

/*
 * Hand the master password to the signer (its only copy from now on) and
 * the hash policyd checks operators against.  The hash is made here, once
 * the signer has the password and derives its key on the other core: made
 * before the children started, as it was, it put a second key derivation
 * of the keystore's cost in front of every start.  The password is held
 * no longer than then (from the start to this hash, as then to the
 * unlock), and by a parent that no longer has any privilege.  policyd
 * answers no health check until it has the hash.
 */
void
unlock_send(void)
{
	struct ctl_unlock	*u;
	struct ctl_master_hash	 h;

	if ((u = sodium_malloc(sizeof(*u))) == NULL)
		fatal("sodium_malloc");
	memset(u, 0, sizeof(*u));
	u->have_meta = (uint32_t)P.have_meta;
	u->meta = P.meta;
	u->pwlen = (uint32_t)P.pwlen;
	memcpy(u->pw, P.pw, P.pwlen);
	/* Written through at once (imsgev_compose): the signer starts now. */
	if (imsgev_compose(&P.child[PROC_SIGNER].iev, IMSG_CTL_UNLOCK, 0, -1,
	    u, sizeof(*u)) == -1)
		fatal("IMSG_CTL_UNLOCK");
	sodium_free(u);
	/* policyd checks X-Master-Password against this, never the text. */
	if (crypto_pwhash_str(P.master_hash, P.pw, P.pwlen,
	    P.meta.kdf_passes, (size_t)P.meta.kdf_mem_kib * 1024) != 0)
		fatalx("crypto_pwhash_str: out of memory");
	sodium_free(P.pw);
	P.pw = NULL;
	P.pwlen = 0;

	memset(&h, 0, sizeof(h));
	strlcpy(h.hash, P.master_hash, sizeof(h.hash));
	if (imsgev_compose(&P.child[PROC_POLICYD].iev, IMSG_CTL_MASTER_HASH,
	    0, -1, &h, sizeof(h)) == -1)
		fatal("IMSG_CTL_MASTER_HASH");
}

/*
 * Sealed keys handed to the signer at a time.  Its answers pace the
 * rest: all at once, 10 k wallets' blobs (1.6 MB) overran the channel's
 * write queue (CHAN_CTL_WMAX) whenever the signer was slower to read
 * them than we were to send, and the start failed.  The window is
 * filled again once half of it is answered, in one write, not one
 * write a key.
 */
#define KS_LOAD_WINDOW	256

/* The next sealed keys to the signer, up to the window. */
static void
ks_load_more(void)
{
	struct imsgev	*iev = &P.child[PROC_SIGNER].iev;
	struct ks_file	*f;
	struct ks_blob	 b;

	imsgev_hold(iev);
	while (P.load_next < P.nfiles && P.load_inflight < KS_LOAD_WINDOW) {
		f = &P.files[P.load_next++];
		if (f->len != sizeof(b) ||
		    memcmp(f->data, KS_BLOB_MAGIC, 8) != 0) {
			log_warnx("wallet %s: keystore file is not a sealed "
			    "key; wallet unusable (file kept)", f->id);
			P.nbad++;
			continue;
		}
		memcpy(&b, f->data, sizeof(b));
		/* The file name is the wallet: a blob must say the same. */
		if (memcmp(b.id, f->id, KS_ID_LEN) != 0)
			memset(b.id, 0, KS_ID_LEN);
		if (imsgev_compose(iev, IMSG_KS_LOAD, 0, -1, &b,
		    sizeof(b)) == -1)
			fatal("IMSG_KS_LOAD");
		sodium_memzero(&b, sizeof(b));
		P.load_inflight++;
	}
	imsgev_release(iev);
}

void
ctl_unlocked(struct imsgchan *ch, struct imsg *imsg, void *arg)
{
	struct ctl_unlocked	r;

	(void)ch;
	(void)arg;
	memcpy(&r, imsg->data, sizeof(r));
	if (r.status == UNLOCK_WRONG) {
		log_at(LOGL_ERROR, "wrong master password: it does not open "
		    "this keystore; refusing to start (nothing was changed)");
		parent_stop(1, CRASH_GRACE_MS);
		return;
	}
	if (r.status != UNLOCK_OK) {
		log_warnx("the signer could not unlock the keystore");
		parent_stop(1, CRASH_GRACE_MS);
		return;
	}
	if (!P.have_meta) {
		if (memcmp(r.meta.magic, KS_META_MAGIC, 8) != 0 ||
		    keystore_write(P.kfd, "keystore.meta", &r.meta,
		    sizeof(r.meta), 0) == -1)
			fatal("keystore/keystore.meta");
		P.have_meta = 1;
		log_info("new keystore created");
	}
	ks_load_more();
	if (P.nloaded + P.nbad == P.nfiles)
		parent_serving();
}

void
ks_loaded(struct imsgchan *ch, struct imsg *imsg, void *arg)
{
	struct ks_status	r;

	(void)ch;
	(void)arg;
	memcpy(&r, imsg->data, sizeof(r));
	r.id[KS_ID_LEN] = '\0';
	if (P.load_inflight == 0)
		fatalx("IMSG_KS_LOADED for no key handed to the signer");
	P.load_inflight--;
	if (r.status == KS_OK)
		P.nloaded++;
	else {
		log_warnx("wallet %s: its sealed key does not open "
		    "(corrupted, or not of this keystore); the wallet is "
		    "unusable and its file is kept", r.id);
		P.nbad++;
	}
	if (P.load_inflight <= KS_LOAD_WINDOW / 2)
		ks_load_more();
	if (P.nloaded + P.nbad == P.nfiles)
		parent_serving();
}

/* The signer sealed a new key: write it, then tell the signer. */
void
ks_store(struct imsgchan *ch, struct imsg *imsg, void *arg)
{
	struct ks_blob		b;
	struct ks_status	r;
	char			name[KS_ID_LEN + 8];

	(void)arg;
	if (rekey_active())
		fatalx("IMSG_KS_STORE during a master password change");
	memcpy(&b, imsg->data, sizeof(b));
	memset(&r, 0, sizeof(r));
	memcpy(r.id, b.id, KS_ID_LEN);
	if (memcmp(b.magic, KS_BLOB_MAGIC, 8) != 0 ||
	    !ks_valid_id(b.id, KS_ID_LEN))
		fatalx("IMSG_KS_STORE: not a sealed key");
	snprintf(name, sizeof(name), "%.36s.enc", b.id);
	if (keystore_write(P.kfd, name, &b, sizeof(b), 1) == -1) {
		log_warn("keystore/%s", name);
		r.status = KS_ERROR;
	} else
		r.status = KS_OK;
	if (imsgchan_compose(ch, IMSG_KS_STORED, 0, -1, &r, sizeof(r)) == -1)
		fatal("IMSG_KS_STORED");
}

/*
 * A purged wallet's sealed key: unlinked and the directory synced, then
 * the signer told.  No file is not an error (a retried purge).
 */
void
ks_remove(struct imsgchan *ch, struct imsg *imsg, void *arg)
{
	struct ks_status	r;
	char			name[KS_ID_LEN + 8];

	(void)arg;
	if (rekey_active())
		fatalx("IMSG_KS_REMOVE during a master password change");
	memcpy(&r, imsg->data, sizeof(r));
	if (memchr(r.id, '\0', sizeof(r.id)) != r.id + KS_ID_LEN ||
	    !ks_valid_id(r.id, KS_ID_LEN))
		fatalx("IMSG_KS_REMOVE: a malformed wallet id");
	snprintf(name, sizeof(name), "%.36s.enc", r.id);
	if ((unlinkat(P.kfd, name, 0) == -1 && errno != ENOENT) ||
	    fsync(P.kfd) == -1) {
		log_warn("keystore/%s: cannot remove", name);
		r.status = KS_ERROR;
	} else {
		log_info("keystore/%s removed (wallet purged)", name);
		r.status = KS_OK;
	}
	if (imsgchan_compose(ch, IMSG_KS_REMOVED, 0, -1, &r, sizeof(r)) == -1)
		fatal("IMSG_KS_REMOVED");
}

/*
 * set-master: the signer sends the new meta, every key sealed under the
 * new password, then the commit; parent_keystore.c writes them beside
 * the keystore and switches (see rekey_commit()).
 */
void
ks_rekey_begin(struct imsgchan *ch, struct imsg *imsg, void *arg)
{
	struct ks_rekey_begin	rb;

	(void)ch;
	(void)arg;
	memcpy(&rb, imsg->data, sizeof(rb));
	rekey_begin(P.dfd, &rb.meta, rb.count);
}

void
ks_rekey_blob(struct imsgchan *ch, struct imsg *imsg, void *arg)
{
	struct ks_blob	b;

	(void)ch;
	(void)arg;
	memcpy(&b, imsg->data, sizeof(b));
	rekey_blob(&b);
}

void
ks_rekey_commit(struct imsgchan *ch, struct imsg *imsg, void *arg)
{
	struct ks_status	r;

	(void)imsg;
	(void)arg;
	memset(&r, 0, sizeof(r));
	if (rekey_commit(P.dfd, &P.kfd) == -1) {
		log_warnx("master password change: the new keystore could "
		    "not be written; the old one stays");
		r.status = KS_ERROR;
	} else {
		log_info("master password changed: keystore switched");
		r.status = KS_OK;
	}
	if (imsgchan_compose(ch, IMSG_KS_REKEYED, 0, -1, &r, sizeof(r)) == -1)
		fatal("IMSG_KS_REKEYED");
}
