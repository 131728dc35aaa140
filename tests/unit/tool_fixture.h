/* tests/unit/tool_fixture.h — catalog snapshots for the tools' cores (purge, audit, explain),
 * built from rows as the tools build them from the catalog query: each row lists its fields
 * up to the last non-NULL one, the rest (to RW_CATALOG_FIELDS) are NULL. */
#ifndef TOOL_FIXTURE_H
#define TOOL_FIXTURE_H

#include "rewrite/snapshot.h"

#include <stdlib.h>

typedef const char *fixture_row[RW_CATALOG_FIELDS];

static rw_snapshot *snapshot_of(const fixture_row *rows, size_t n)
{
    rw_snapshot *s = rw_snapshot_new();
    for (size_t i = 0; i < n; i++) {
        rw_catalog_row row = {RW_CATALOG_FIELDS, rows[i]};
        const char *err;
        if (!rw_snapshot_add_row(s, &row, &err))
            abort();
    }
    rw_snapshot_finish(s);
    return s;
}

#define SNAPSHOT_OF(rows) snapshot_of(rows, sizeof(rows) / sizeof(rows)[0])

#endif
