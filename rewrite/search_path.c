/* rewrite/search_path.c — splitting a search_path setting. */
#include "rewrite/search_path.h"

#include <ctype.h>
#include <stdbool.h>
#include <string.h>

static const char *add(char **buf, char *end, const char *s, size_t n)
{
    if ((size_t)(end - *buf) < n + 1)
        return NULL;
    char *item = *buf;
    memcpy(item, s, n);
    item[n] = '\0';
    *buf += n + 1;
    return item;
}

int rw_search_path_split(const char *value, const char *user, const char **items, int max,
                         char *buf, size_t buflen)
{
    char *end = buf + buflen;
    int n = 0;
    bool has_catalog = false;
    if (max < 1)
        return 0;
    n = 1; /* slot 0 is for pg_catalog, dropped below if the setting lists it */
    for (const char *p = value; *p && n < max;) {
        while (*p == ',' || isspace((unsigned char)*p))
            p++;
        const char *start = p;
        while (*p && *p != ',')
            p++;
        const char *stop = p;
        while (stop > start && isspace((unsigned char)stop[-1]))
            stop--;
        size_t len = (size_t)(stop - start);
        if (len >= 2 && *start == '"' && stop[-1] == '"') {
            start++;
            len -= 2;
        }
        if (len == 0)
            continue;
        const char *item = (len == 5 && memcmp(start, "$user", 5) == 0)
                               ? add(&buf, end, user, strlen(user))
                               : add(&buf, end, start, len);
        if (!item)
            break;
        has_catalog |= strcmp(item, "pg_catalog") == 0;
        items[n++] = item;
    }
    if (has_catalog) {
        memmove(items, items + 1, (size_t)(n - 1) * sizeof *items);
        return n - 1;
    }
    items[0] = "pg_catalog";
    return n;
}
