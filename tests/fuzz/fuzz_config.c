/*
 * config_parse() on arbitrary bytes, and, for short inputs, the same bytes
 * as the value (or the whole text) of a WAIAAS_* environment variable.
 * A configuration that parses goes through config_check() too (the price
 * tables).  Besides the sanitizers, a result that breaks the table's
 * bounds or an error without a message aborts.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "log.h"

#define ENV_INPUT_MAX	(CONFIG_URL_MAX + 64)

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static const char *const env_names[] = {
	"WAIAAS_DAEMON_HOSTNAME=",
	"WAIAAS_DAEMON_PORT=",
	"WAIAAS_DAEMON_LOG_LEVEL=",
	"WAIAAS_SECURITY_API_USER=",
	"WAIAAS_RPC_SOLANA_MAINNET=",
	"WAIAAS_SECURITY_PRICE_STATIC=",
	"WAIAAS_SECURITY_PRICE_IDS=",
	"WAIAAS_SECURITY_PRICE_UNPRICED=",
	"WAIAAS_RPC_PUBLIC_DEFAULTS=",
	"WAIAAS_SECURITY_PRICE_URL=",
	"WAIAAS_SECURITY_METRICS_TOKEN=",
};

static struct config	cf;

static void
check_bounded(const char *s, size_t size)
{
	if (memchr(s, '\0', size) == NULL)
		abort();
}

/* What a successful parse may leave behind. */
static void
check_config(void)
{
	char	err[256];
	size_t	i;

	if (cf.port < 1 || cf.port > 65535)
		abort();
	if (cf.log_level < LOGL_ERROR || cf.log_level > LOGL_TRACE)
		abort();
	if (cf.max_connections < 4 || cf.request_timeout < 1 ||
	    cf.header_timeout < 1 ||
	    cf.max_body_size < 1024 || cf.max_header_size < 1024)
		abort();
	check_bounded(cf.hostname, sizeof(cf.hostname));
	if (cf.hostname[0] == '\0')
		abort();
	for (i = 0; i < PROC_MAX; i++) {
		check_bounded(cf.user[i], sizeof(cf.user[i]));
		if (cf.user[i][0] == '\0' || strcmp(cf.user[i], "0") == 0)
			abort();
	}
	for (i = 0; i < RPC_MAX; i++) {
		check_bounded(cf.rpc[i], sizeof(cf.rpc[i]));
		if (cf.rpc[i][0] != '\0' &&
		    strncmp(cf.rpc[i], "http://", 7) != 0 &&
		    strncmp(cf.rpc[i], "https://", 8) != 0)
			abort();
	}
	check_bounded(cf.price_static, sizeof(cf.price_static));
	check_bounded(cf.price_ids, sizeof(cf.price_ids));
	check_bounded(cf.price_url, sizeof(cf.price_url));
	if (cf.price_refresh < 5 || cf.price_max_age < 10 ||
	    cf.price_max_change_pct < 1 || cf.price_unpriced_deny < 0 ||
	    cf.price_unpriced_deny > 1)
		abort();
	err[0] = '\0';
	if (config_check(&cf, err, sizeof(err)) == -1 && err[0] == '\0')
		abort();
	if (cf.rpc_public_defaults != 0 && cf.rpc_public_defaults != 1)
		abort();
	/* The built-in endpoints: only where no key was given. */
	config_apply_defaults(&cf);
	for (i = 0; i < RPC_MAX; i++) {
		if (cf.rpc_default[i] && (cf.rpc_set[i] ||
		    !cf.rpc_public_defaults ||
		    strcmp(cf.rpc[i], config_rpc_default((int)i)) != 0))
			abort();
		if (!cf.rpc_default[i] && !cf.rpc_set[i] && cf.rpc[i][0] !=
		    '\0')
			abort();
	}
	if (cf.price_default && (cf.price_url_set || !cf.rpc_public_defaults))
		abort();
	err[0] = '\0';
	if (config_check(&cf, err, sizeof(err)) == -1 && err[0] == '\0')
		abort();
}

static void
check_result(int r, const char *err)
{
	if (r == 0)
		check_config();
	else if (r != -1 || err[0] == '\0')
		abort();
}

static void
fuzz_env(const uint8_t *data, size_t size)
{
	static char	 var[64 + ENV_INPUT_MAX + 1];
	char		*envp[3], err[256];
	size_t		 i, n;
	int		 r;

	for (i = 0; i < sizeof(env_names) / sizeof(env_names[0]); i++) {
		n = strlen(env_names[i]);
		memcpy(var, env_names[i], n);
		memcpy(var + n, data, size);
		var[n + size] = '\0';
		envp[0] = var;
		envp[1] = NULL;
		config_defaults(&cf);
		err[0] = '\0';
		r = config_apply_env(&cf, envp, err, sizeof(err));
		check_result(r, err);
	}

	/* The input as a whole NAME=VALUE string, after an ignored one. */
	memcpy(var, data, size);
	var[size] = '\0';
	envp[0] = (char *)(uintptr_t)"WAIAAS_DATA_DIR=/nonexistent";
	envp[1] = var;
	envp[2] = NULL;
	config_defaults(&cf);
	err[0] = '\0';
	r = config_apply_env(&cf, envp, err, sizeof(err));
	check_result(r, err);

	/* The same string as a name: the daemon's warning about it. */
	if (config_env_unknown(var)) {
		config_env_closest(var, err, sizeof(err));
		if (strncmp(err, "WAIAAS_", 7) != 0)
			abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char	err[512];
	int	r;

	config_defaults(&cf);
	err[0] = '\0';
	r = config_parse(&cf, (const char *)data, size, "fuzz.toml", err,
	    sizeof(err));
	check_result(r, err);

	if (size <= ENV_INPUT_MAX)
		fuzz_env(data, size);
	return 0;
}
