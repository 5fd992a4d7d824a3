/*
 * Names and texts of the error numbers (errno.h), from the one table: an
 * array indexed by value, with holes where Linux has no error (41, 58).
 */
#include "lib/errno.h"

#include <stddef.h>

static const struct {
	const char *name, *text;
} errnos[ERRNO_MAX + 1] = {
#define ERRNO_ENTRY(n, v, t) [v] = {#n, t},
	ERRNO_TABLE(ERRNO_ENTRY)
#undef ERRNO_ENTRY
};

static int index_of(int err)
{
	if (err < 0)
		err = -err;
	return err <= ERRNO_MAX && errnos[err].name ? err : 0;
}

const char *errno_name(int err)
{
	int i = index_of(err);
	return i ? errnos[i].name : "E?";
}

const char *errno_text(int err)
{
	int i = index_of(err);
	return i ? errnos[i].text : "Unknown error";
}
