#include <string.h>

#include "msg.h"

static const char *const type_names[] = {
#define IMSG_NAME(n)	#n,
	IMSG_TYPES(IMSG_NAME)
#undef IMSG_NAME
};

const char *
imsg_type_name(uint32_t type)
{
	if (type >= IMSG_TYPE_MAX)
		return "IMSG_UNKNOWN";
	return type_names[type];
}

static const char *const proc_names[PROC_MAX] = {
	"parent", "api", "policyd", "signer", "relay",
	"fetch"
};

const char *
proc_name(int id)
{
	if (id < 0 || id >= PROC_MAX)
		return "?";
	return proc_names[id];
}

int
proc_parse(const char *s)
{
	int	i;

	for (i = 0; i < PROC_MAX; i++)
		if (strcmp(s, proc_names[i]) == 0)
			return i;
	return -1;
}

static const char *const notify_names[NOTIFY_MAX] = {
	"webhook", "ntfy", "telegram"
};

const char *
notify_channel_name(int ch)
{
	if (ch < 0 || ch >= NOTIFY_MAX)
		return "?";
	return notify_names[ch];
}

int
notify_channel_parse(const char *s)
{
	int	i;

	for (i = 0; i < NOTIFY_MAX; i++)
		if (strcmp(s, notify_names[i]) == 0)
			return i;
	return -1;
}
