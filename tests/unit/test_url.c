/*
 * common/url.c: what the settings' URLs may be.  The providers' shapes
 * (an API key in the path or the query, a user and password), local
 * nodes by address and name, and each refusal with the reason it gives:
 * the forms libcurl would read as another host or port than the text
 * says (numbers for a name, a long IPv6 form, a port with a leading
 * zero), and what a URL of ours never needs (a fragment, a bad escape).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "url.h"

static void
ok(const char *s, const char *host, unsigned port, const char *path)
{
	struct url	 u;
	const char	*why = NULL;

	assert_int_equal(url_parse(s, &u, &why), 0);
	assert_string_equal(u.host, host);
	assert_int_equal(u.port, port);
	assert_string_equal(u.path, path);
}

static void
bad(const char *s, const char *why_part)
{
	struct url	 u;
	const char	*why = NULL;

	assert_int_equal(url_parse(s, &u, &why), -1);
	assert_non_null(why);
	assert_non_null(strstr(why, why_part));
}

static void
test_accepted(void **state)
{
	struct url	 u;
	const char	*why;

	(void)state;
	ok("https://eth-mainnet.g.alchemy.com/v2/Ab_c-1", "eth-mainnet.g."
	    "alchemy.com", 443, "/v2/Ab_c-1");
	ok("https://mainnet.helius-rpc.com/?api-key=1b2c-3d", "mainnet."
	    "helius-rpc.com", 443, "/?api-key=1b2c-3d");
	ok("https://lb.drpc.org/ogrpc?network=ethereum&dkey=K", "lb.drpc.org",
	    443, "/ogrpc?network=ethereum&dkey=K");
	ok("https://user:p%40ss@nd-1.p2pify.com/abc", "nd-1.p2pify.com", 443,
	    "/abc");
	ok("http://127.0.0.1:8545", "127.0.0.1", 8545, "");
	ok("http://[::1]:8899/", "[::1]", 8899, "/");
	ok("http://[::ffff:127.0.0.1]:1/x", "[::ffff:127.0.0.1]", 1, "/x");
	ok("http://anvil:8545/", "anvil", 8545, "/");
	ok("http://my_node.local:65535/rpc?x=1", "my_node.local", 65535,
	    "/rpc?x=1");
	ok("http://h?x", "h", 80, "?x");
	ok("https://Example.COM:443/", "Example.COM", 443, "/");
	assert_int_equal(url_parse("http://h:80/", &u, &why), 0);
	assert_int_equal(u.port_given, 1);
	assert_int_equal(url_parse("http://[::1]/", &u, &why), 0);
	assert_int_equal(u.ipv6, 1);
}

static void
test_refused(void **state)
{
	char	long_url[URL_MAX + 8];

	(void)state;
	bad("ftp://h/", "not http or https");
	bad("HTTP://h/", "not http or https");
	bad("http:/h/", "not http or https");
	bad("http:///h", "no usable host");
	bad("http://127.1/", "no usable host");
	bad("http://0x7f.1/", "no usable host");
	bad("http://1.2.3.04/", "no usable host");
	bad("http://256.1.1.1/", "no usable host");
	bad("http://[0:0::1]/", "no usable host");
	bad("http://[::ABCD]/", "no usable host");
	bad("http://[fe80::1%25eth0]/", "no usable host");
	bad("http://[::1]x/", "bad port");
	bad("http://h./", "no usable host");
	bad("http://a..b/", "no usable host");
	bad("http://h\\x/", "no usable host");
	bad("http://u@p@h/", "no usable host");
	bad("http://@h/", "user name or password");
	bad("http://u[@h/", "user name or password");
	bad("http://h:/", "bad port");
	bad("http://h:0/", "bad port");
	bad("http://h:0080/", "bad port");
	bad("http://h:65536/", "bad port");
	bad("http://h/#f", "fragment");
	bad("http://h/a b", "a space");
	bad("https://x/%zz", "escape");
	bad("https://x/%4", "escape");
	memset(long_url, 'a', sizeof(long_url) - 1);
	memcpy(long_url, "http://h/", 9);
	long_url[sizeof(long_url) - 1] = '\0';
	bad(long_url, "too long");
}

static void
test_domain(void **state)
{
	char	d[300];

	(void)state;
	assert_int_equal(url_domain("https://Owner.Example:8443/w/", d,
	    sizeof(d)), 0);
	assert_string_equal(d, "owner.example:8443");
	assert_int_equal(url_domain("https://a.example:443/", d, sizeof(d)),
	    0);
	assert_string_equal(d, "a.example");
	assert_int_equal(url_domain("http://[::1]:80", d, sizeof(d)), 0);
	assert_string_equal(d, "[::1]");
	assert_int_equal(url_domain("http://x.example:443", d, sizeof(d)), 0);
	assert_string_equal(d, "x.example:443");
	assert_int_equal(url_domain("http://x.example", d, 4), -1);
	assert_int_equal(url_domain("http://127.1/", d, sizeof(d)), -1);
}

static void
masked(const char *s, int want, const char *shown)
{
	char	out[URL_MAX];

	assert_int_equal(url_mask(s, out, sizeof(out)), want);
	assert_string_equal(out, shown);
}

/* What an operator is shown of an RPC or notification URL. */
static void
test_mask(void **state)
{
	char	small[24];

	(void)state;
	masked("http://127.0.0.1:8545", 0, "http://127.0.0.1:8545");
	masked("https://rpc.hyperliquid.xyz/evm", 0,
	    "https://rpc.hyperliquid.xyz/evm");
	masked("https://u:p%40ss@node.example:8443/rpc", 1,
	    "https://***@node.example:8443/rpc");
	masked("https://mainnet.infura.io/v3/9aa3d95b3bc440fa88ea12eaa4456161",
	    1, "https://mainnet.infura.io/v3/***");
	masked("https://x.quiknode.pro/0123456789abcdef0123/", 1,
	    "https://x.quiknode.pro/***/");
	masked("https://api.example/simple/price?x_cg_demo_api_key=K&a=&b", 1,
	    "https://api.example/simple/price?x_cg_demo_api_key=***&a=&b");
	masked("https://h.example?apikey=secret", 1,
	    "https://h.example?apikey=***");
	masked("https://[::1]:8899/short-path", 0,
	    "https://[::1]:8899/short-path");
	masked("ftp://h.example/", -1, "");
	/* a result that does not fit is no result */
	assert_int_equal(url_mask("https://node.example/0123456789abcdef0",
	    small, sizeof(small)), -1);
	assert_string_equal(small, "");
}

/* A webhook's target: an address literal, public unless allowed. */
static void
hook(const char *s, int allow, int want, const char *resolve)
{
	char		 r[300];
	const char	*why = NULL;

	assert_int_equal(url_hook_target(s, allow, r, sizeof(r), &why), want);
	if (want == -1)
		assert_non_null(why);
	else if (resolve != NULL)
		assert_string_equal(r, resolve);
}

static void
test_hook_target(void **state)
{
	static const char *const private[] = {
		"http://127.0.0.1/", "http://10.1.2.3/", "http://172.16.0.1/",
		"http://172.31.255.255/", "http://192.168.1.1/",
		"http://169.254.169.254/latest", "http://0.0.0.0/",
		"http://100.64.0.1/", "http://224.0.0.1/",
		"http://255.255.255.255/", "http://[::1]/", "http://[::]/",
		"http://[fe80::1]/", "http://[fd00::1]/", "http://[ff02::1]/",
		"http://[::ffff:127.0.0.1]/", "http://[::ffff:10.0.0.1]/",
		"http://192.0.2.1/", "http://[2001:db8::1]/",
	};
	size_t	i;

	(void)state;
	for (i = 0; i < sizeof(private) / sizeof(private[0]); i++) {
		hook(private[i], 0, -1, NULL);
		hook(private[i], 1, 0, NULL);
	}
	hook("https://8.8.8.8/hook", 0, 0, "8.8.8.8:443:8.8.8.8");
	hook("http://172.32.0.1:8080/x", 0, 0, "172.32.0.1:8080:172.32.0.1");
	hook("http://[2606:4700::1111]:81/", 0, 0,
	    "[2606:4700::1111]:81:2606:4700::1111");
	hook("http://[::ffff:8.8.8.8]/", 0, 0,
	    "[::ffff:8.8.8.8]:80:::ffff:8.8.8.8");
	hook("http://127.0.0.1:9/", 1, 0, "127.0.0.1:9:127.0.0.1");
	hook("http://hooks.example.com/", 1, -1, NULL);
	hook("http://localhost/", 1, -1, NULL);
	hook("ftp://8.8.8.8/", 1, -1, NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_accepted),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_domain),
		cmocka_unit_test(test_mask),
		cmocka_unit_test(test_hook_target),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
