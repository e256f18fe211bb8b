/*
 * The one catalogue of internal message types.  Every process names the
 * types it accepts, from which peer and at which length, in its own table
 * (see imsg_dispatch()); anything else on an internal channel is fatal.
 */
#ifndef WAIAAS_MSG_H
#define WAIAAS_MSG_H

#include <stdint.h>

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
	X(IMSG_HEALTH_PONG)

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
	PROC_MAX
};

const char	*proc_name(int);
int		 proc_parse(const char *);

/* Payloads.  Fixed-size structs; strings are NUL-terminated in place. */
#define CTL_PATH_MAX	1024

#define CTL_F_PRIVSEP	0x01	/* started as root: uid drop and chroot */
#define CTL_F_FOREGROUND 0x02

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
	int64_t		start_time;	/* parent's start, unix seconds */
	char		chroot[CTL_PATH_MAX];	/* empty: no chroot */
};

struct ctl_peer {
	uint32_t	peer;		/* enum proc_id at the other end */
};

struct health_pong {
	uint32_t	policyd_pid;
	uint32_t	signer_pid;
};

#endif
