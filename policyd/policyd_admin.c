/*
 * Operator maintenance: changing the master password (set-master), the
 * database snapshot a backup is made of, and the list of backups.
 *
 * set-master: policyd hashes the new password (for masterAuth), hands it
 * to the signer, which seals every key again under a key derived from it
 * and has the parent switch the keystore on disk in one step.  Only when
 * the signer says the new keystore is in place does policyd take the new
 * hash.  The hash is never stored: at every start the parent derives it
 * from the password that unlocked the keystore, so the keystore is the
 * one truth and the two cannot disagree across a crash.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "backup.h"
#include "log.h"
#include "policyd.h"
#include "version.h"

#define MASTER_PASSWORD_MIN	8

static struct {
	int		 busy;
	uint32_t	 peerid;	/* the api request waiting */
	char		*hash;		/* guarded: the new one */
} SM;

/* PUT (and POST) /v1/admin/master-password; the api named it password. */
void
admin_master_password(struct pd_ctx *c)
{
	struct signer_rekey	*rk;
	json_t			*v;
	size_t			 len;

	v = json_object_get(c->body, "password");
	if (v == NULL || !json_is_string(v) ||
	    (len = json_string_length(v)) > KS_PASSWORD_MAX)
		fatalx("master-password: malformed body from the api");
	if (len < MASTER_PASSWORD_MIN) {
		pd_fail(c->peerid, 400, "VALIDATION_FAILED", "newPassword: at "
		    "least 8 characters", 0);
		return;
	}
	if (SM.busy) {
		pd_fail(c->peerid, 409, "MASTER_PASSWORD_CHANGING", "a master "
		    "password change is already under way", 0);
		return;
	}
	if (SM.hash == NULL && (SM.hash = sodium_malloc(MASTER_HASH_MAX)) ==
	    NULL)
		fatal("sodium_malloc");
	if (auth_master_newhash(json_string_value(v), len, SM.hash) == -1) {
		pd_fail(c->peerid, 500, "INTERNAL_ERROR", "cannot hash the "
		    "new password", 1);
		return;
	}
	if ((rk = sodium_malloc(sizeof(*rk))) == NULL)
		fatal("sodium_malloc");
	memset(rk, 0, sizeof(*rk));
	rk->pwlen = (uint32_t)len;
	memcpy(rk->pw, json_string_value(v), len);
	if (imsgev_compose(&pd.signer, IMSG_SIGNER_REKEY, 1, -1, rk,
	    sizeof(*rk)) == -1)
		fatal("IMSG_SIGNER_REKEY");
	sodium_free(rk);
	SM.busy = 1;
	SM.peerid = c->peerid;
}

void
admin_rekeyed(struct imsgchan *ch, struct imsg *imsg, void *arg)
{
	struct ks_status	r;
	long long		now = (long long)time(NULL);

	(void)ch;
	(void)arg;
	memcpy(&r, imsg->data, sizeof(r));
	if (!SM.busy)
		fatalx("IMSG_SIGNER_REKEYED without a change under way");
	SM.busy = 0;
	switch (r.status) {
	case KS_OK:
		auth_master_replace(SM.hash);
		audit_event(now, "master.password_changed", "operator", NULL,
		    NULL);
		log_info("master password changed");
		/* No setting here is sealed with the master password. */
		pd_reply_json(SM.peerid, 200, json_pack("{s:b, s:s, s:I, s:i}",
		    "changed", 1, "message", "master password changed",
		    "walletsReEncrypted", (json_int_t)r.count,
		    "settingsReEncrypted", 0));
		break;
	case KS_BUSY:
		pd_fail(SM.peerid, 409, "MASTER_PASSWORD_CHANGING", "keys are "
		    "being created; try again", 1);
		break;
	case KS_LOCKED:
		pd_fail(SM.peerid, 503, "KEYSTORE_LOCKED", "the keystore is "
		    "not unlocked yet", 1);
		break;
	default:
		pd_fail(SM.peerid, 500, "INTERNAL_ERROR", "the new keystore "
		    "could not be written; the old password stays", 1);
		break;
	}
	sodium_memzero(SM.hash, MASTER_HASH_MAX);
}

/*
 * POST /v1/admin/backup: an encrypted archive in backups/.  policyd
 * makes a consistent copy of the database beside it
 * (data/backup-snapshot.db) with VACUUM INTO, which reads one snapshot
 * of the WAL database without stopping writers, opens it and unlinks it
 * at once (nothing of it stays behind, whatever happens next), and sends
 * it with the master password to the parent, whose keystore/ and
 * backups/ are and which seals the archive (parent_backup.c).  The
 * password goes over the parent channel only and is wiped here when
 * sent.  One backup at a time: a second request meanwhile gets 409.
 */
#define SNAPSHOT_NAME	"backup-snapshot.db"

static struct {
	int		 busy;
	uint32_t	 id;		/* the parent's request id */
	uint32_t	 peerid;	/* the api request waiting */
	int		 fd;		/* the snapshot, unlinked */
	int64_t		 left;		/* bytes still to send */
	long long	 now;
	int		 schema;
} BS = { .fd = -1 };

void
admin_backup_create(struct pd_ctx *c)
{
	struct ctl_backup_seal	*s;
	const struct api_cred	*cred = &c->req->cred;
	sqlite3_stmt		*st;
	struct stat		 sb;
	long long		 wallets = 0;
	int			 schema = 0, fd;
	char			*err = NULL;

	if (BS.busy) {
		pd_fail(c->peerid, 409, "BACKUP_IN_PROGRESS", "a backup is "
		    "being made; try again when it is done", 1);
		return;
	}
	if (cred->kind != CRED_MASTER || cred->len == 0 ||
	    cred->len > CRED_VALUE_MAX)
		fatalx("backup: no master password");
	if (unlink(SNAPSHOT_NAME) == -1 && errno != ENOENT) {
		log_warn("%s", SNAPSHOT_NAME);
		pd_fail(c->peerid, 500, "INTERNAL_ERROR", "cannot remove an "
		    "old snapshot", 1);
		return;
	}
	/* VACUUM runs outside any transaction: the open group first. */
	store_sync();
	if (sqlite3_exec(pd.db, "VACUUM INTO '" SNAPSHOT_NAME "'", NULL,
	    NULL, &err) != SQLITE_OK) {
		log_warnx("backup snapshot: %s", err != NULL ? err : "?");
		sqlite3_free(err);
		(void)unlink(SNAPSHOT_NAME);
		pd_fail(c->peerid, 500, "INTERNAL_ERROR", "the database "
		    "snapshot failed", 1);
		return;
	}
	fd = open(SNAPSHOT_NAME, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	(void)unlink(SNAPSHOT_NAME);
	if (fd == -1 || fstat(fd, &sb) == -1 || sb.st_size <= 0 ||
	    sb.st_size > BK_FILE_MAX) {
		log_warn("%s", SNAPSHOT_NAME);
		if (fd != -1)
			close(fd);
		pd_fail(c->peerid, 500, "INTERNAL_ERROR", "the database "
		    "snapshot is missing or too large", 1);
		return;
	}
	if (sqlite3_prepare_v2(pd.db, "SELECT count(*) FROM wallets", -1,
	    &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
		wallets = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	if (sqlite3_prepare_v2(pd.db, "PRAGMA user_version", -1, &st,
	    NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
		schema = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);

	BS.busy = 1;
	BS.id++;
	BS.peerid = c->peerid;
	BS.fd = fd;
	BS.left = (int64_t)sb.st_size;
	BS.now = c->now;
	BS.schema = schema;
	if ((s = sodium_malloc(sizeof(*s))) == NULL)
		fatal("sodium_malloc");
	memset(s, 0, sizeof(*s));
	s->pwlen = cred->len;
	memcpy(s->pw, cred->value, cred->len);
	s->size = (int64_t)sb.st_size;
	s->schema = schema;
	s->wallets = wallets;
	s->now = c->now;
	if (imsgev_compose(&pd.parent, IMSG_CTL_BACKUP_SEAL, BS.id, -1, s,
	    sizeof(*s)) == -1)
		fatal("IMSG_CTL_BACKUP_SEAL");
	sodium_free(s);
}

/* The parent takes one more piece of the snapshot. */
void
admin_backup_more(struct imsgchan *ch, struct imsg *imsg, void *arg)
{
	static uint8_t	buf[CTL_BACKUP_CHUNK];
	size_t		want, got = 0;
	ssize_t		n;

	(void)ch;
	(void)arg;
	if (!BS.busy || imsg->hdr.peerid != BS.id)
		fatalx("IMSG_CTL_BACKUP_MORE: unexpected");
	if (BS.left == 0)
		return;		/* the window's credit past the end */
	want = BS.left < (int64_t)sizeof(buf) ? (size_t)BS.left : sizeof(buf);
	while (got < want) {
		if ((n = read(BS.fd, buf + got, want - got)) == -1 &&
		    errno == EINTR)
			continue;
		/* A file of ours, open and of known size: cannot shrink. */
		if (n <= 0)
			fatal("backup snapshot: read");
		got += (size_t)n;
	}
	BS.left -= (int64_t)want;
	if (imsgev_compose(&pd.parent, IMSG_CTL_BACKUP_DATA, BS.id, -1, buf,
	    want) == -1)
		fatal("IMSG_CTL_BACKUP_DATA");
	sodium_memzero(buf, want);
	if (BS.left == 0) {
		close(BS.fd);
		BS.fd = -1;
	}
}

void
admin_backup_sealed(struct imsgchan *ch, struct imsg *imsg, void *arg)
{
	struct ctl_backup_sealed	r;
	char				path[CTL_PATH_MAX + 128];

	(void)ch;
	(void)arg;
	memcpy(&r, imsg->data, sizeof(r));
	if (!BS.busy || imsg->hdr.peerid != BS.id ||
	    memchr(r.name, '\0', sizeof(r.name)) == NULL ||
	    memchr(r.created, '\0', sizeof(r.created)) == NULL ||
	    memchr(r.err, '\0', sizeof(r.err)) == NULL ||
	    memchr(r.datadir, '\0', sizeof(r.datadir)) == NULL)
		fatalx("IMSG_CTL_BACKUP_SEALED: unexpected or malformed");
	BS.busy = 0;
	if (BS.fd != -1) {
		close(BS.fd);
		BS.fd = -1;
	}
	if (r.status != 0) {
		audit_event(BS.now, "backup.failed", "operator", NULL,
		    json_pack("{s:s}", "error", r.err));
		if (r.status == EBUSY)
			pd_fail(BS.peerid, 409, "MASTER_PASSWORD_CHANGING",
			    "a master password change is under way; try "
			    "again", 1);
		else
			pd_fail(BS.peerid, 500, "INTERNAL_ERROR", "the "
			    "backup could not be made", 1);
		return;
	}
	audit_event(BS.now, "backup.created", "operator", NULL, json_pack(
	    "{s:s, s:I, s:i}", "filename", r.name, "size", (json_int_t)r.size,
	    "fileCount", (int)r.nfiles));
	snprintf(path, sizeof(path), "%s/backups/%s", r.datadir, r.name);
	pd_reply_json(BS.peerid, 200, json_pack("{s:s, s:s, s:I, s:s, s:s, "
	    "s:I, s:i}", "path", path, "filename", r.name, "size",
	    (json_int_t)r.size, "created_at", r.created, "daemon_version",
	    WAIAAS_VERSION, "schema_version", (json_int_t)BS.schema,
	    "file_count", (int)r.nfiles));
}

/*
 * GET /v1/admin/backups: the archives of backups/, which the parent owns
 * (policyd, chrooted in data/, cannot see it, and is not given it):
 * the parent sends each archive's name, size, time and metadata bytes,
 * and policyd parses the metadata here, in its sandbox.  What the
 * metadata says is the archive's own word, not verified: only the
 * master password checks its MAC (waiaas backup inspect).  One list at
 * a time.
 */
static struct {
	int		 busy;
	uint32_t	 id;		/* the parent's request id */
	uint32_t	 peerid;	/* the api request waiting */
	json_t		*list;
} BL;

void
admin_backups(struct pd_ctx *c)
{
	if (BL.busy) {
		pd_fail(c->peerid, 503, "SERVICE_UNAVAILABLE", "a backup list "
		    "is being read; try again", 1);
		return;
	}
	if ((BL.list = json_array()) == NULL)
		fatalx("json_array");
	BL.busy = 1;
	BL.id++;
	BL.peerid = c->peerid;
	if (imsgev_compose(&pd.parent, IMSG_CTL_BACKUP_LIST, BL.id, -1, NULL,
	    0) == -1)
		fatal("IMSG_CTL_BACKUP_LIST");
}

static void
iso_time(long long t, char *out, size_t len)
{
	struct tm	tm;
	time_t		tt = (time_t)t;

	if (gmtime_r(&tt, &tm) == NULL || strftime(out, len,
	    "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		strlcpy(out, "1970-01-01T00:00:00Z", len);
}

void
admin_backup_entry(struct imsgchan *ch, struct imsg *imsg, void *arg)
{
	struct ctl_backup_entry	 e;
	json_t			*m = NULL, *v, *files;
	char			 at[32];
	const char		*created = NULL, *version = "unknown";
	json_int_t		 schema = 0, nfiles = 0;

	(void)ch;
	(void)arg;
	memcpy(&e, imsg->data, sizeof(e));
	if (!BL.busy || imsg->hdr.peerid != BL.id ||
	    memchr(e.name, '\0', sizeof(e.name)) == NULL ||
	    e.metalen > CTL_BACKUP_META_MAX ||
	    imsg->len != sizeof(e) + e.metalen)
		fatalx("IMSG_CTL_BACKUP_ENTRY: unexpected or malformed");
	if (e.metalen > 0 && (m = json_loadb((const char *)imsg->data +
	    sizeof(e), e.metalen, JSON_REJECT_DUPLICATES, NULL)) != NULL &&
	    json_is_object(m)) {
		if (json_is_string(v = json_object_get(m, "created")))
			created = json_string_value(v);
		if (json_is_string(v = json_object_get(m, "version")))
			version = json_string_value(v);
		if (json_is_integer(v = json_object_get(m, "schemaVersion")))
			schema = json_integer_value(v);
		if (json_is_array(files = json_object_get(m, "files")))
			nfiles = (json_int_t)json_array_size(files);
	}
	/* Without a readable metadata: the file's time. */
	if (created == NULL) {
		iso_time(e.mtime, at, sizeof(at));
		created = at;
	}
	/* path is completed with the data directory at the end */
	if (json_array_append_new(BL.list, json_pack("{s:s, s:s, s:I, s:s, "
	    "s:s, s:I, s:I}", "path", e.name, "filename", e.name, "size",
	    (json_int_t)e.size, "created_at", created, "daemon_version",
	    version, "schema_version", schema, "file_count", nfiles)) == -1)
		fatalx("json_array_append");
	json_decref(m);
}

/* Newest first: the ISO times sort as text; then by name. */
static int
backup_cmp(const void *a, const void *b)
{
	json_t	*x = *(json_t *const *)a, *y = *(json_t *const *)b;
	int	 r;

	r = strcmp(json_string_value(json_object_get(y, "created_at")),
	    json_string_value(json_object_get(x, "created_at")));
	if (r == 0)
		r = strcmp(json_string_value(json_object_get(y, "filename")),
		    json_string_value(json_object_get(x, "filename")));
	return r;
}

void
admin_backup_end(struct imsgchan *ch, struct imsg *imsg, void *arg)
{
	struct ctl_backup_end	 end;
	json_t			**v, *sorted, *e;
	char			 path[CTL_PATH_MAX + CTL_BACKUP_NAME_MAX + 16];
	size_t			 i, n;

	(void)ch;
	(void)arg;
	memcpy(&end, imsg->data, sizeof(end));
	if (!BL.busy || imsg->hdr.peerid != BL.id ||
	    memchr(end.datadir, '\0', sizeof(end.datadir)) == NULL ||
	    end.count != json_array_size(BL.list))
		fatalx("IMSG_CTL_BACKUP_END: unexpected or malformed");
	BL.busy = 0;
	if (end.status != 0) {
		json_decref(BL.list);
		pd_fail(BL.peerid, 500, "INTERNAL_ERROR", "the backups "
		    "directory cannot be read", 1);
		return;
	}
	n = json_array_size(BL.list);
	if ((v = calloc(n + 1, sizeof(*v))) == NULL)
		fatal("calloc");
	json_array_foreach(BL.list, i, e)
		v[i] = e;
	qsort(v, n, sizeof(*v), backup_cmp);
	if ((sorted = json_array()) == NULL)
		fatalx("json_array");
	for (i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/backups/%s", end.datadir,
		    json_string_value(json_object_get(v[i], "filename")));
		json_object_set_new(v[i], "path", json_string(path));
		json_array_append(sorted, v[i]);
	}
	free(v);
	json_decref(BL.list);
	if (end.more > 0)
		log_warnx("backups: %u archives past the first %u not listed",
		    end.more, (unsigned)CTL_BACKUPS_MAX);
	/* No retention is configured: archives are kept until removed. */
	pd_reply_json(BL.peerid, 200, json_pack("{s:o, s:I, s:i}", "backups",
	    sorted, "total", (json_int_t)(n + end.more), "retention_count",
	    0));
}
