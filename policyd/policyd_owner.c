/*
 * ownerAuth: the fund owner's signature over a single-use nonce.  No
 * route needs it yet; one that does must not reach this point.
 */
#include "log.h"
#include "policyd.h"

int
owner_check(struct pd_ctx *c)
{
	fatalx("route %d needs ownerAuth, which policyd does not serve yet",
	    c->route);
}
