/* rewrite/search_path.h — a search_path setting as the server applies it to relation names. */
#ifndef RW_SEARCH_PATH_H
#define RW_SEARCH_PATH_H

#include <stddef.h>

/* Splits a setting as written ("archive, \"$user\", public") into schema names, in the
 * order relations are looked up: pg_catalog first unless it is listed, "$user" replaced by
 * the user's name. Items point into buf; those that do not fit in buflen bytes or max
 * items are dropped. Returns the number of items. */
int rw_search_path_split(const char *value, const char *user, const char **items, int max,
                         char *buf, size_t buflen);

#endif
