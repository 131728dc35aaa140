/* proxy/reprepare.h — prepared statements rewritten under another search_path or catalog.
 *
 * PostgreSQL resolves the names of a prepared statement again when the search_path or the
 * catalog changes, so a statement the proxy rewrote for `authors` = public.authors would
 * now run its added predicates against another table. Before such a statement runs, the
 * proxy prepares it again, rewritten for how names resolve now, and hides the answers to
 * its own messages from the client (proxy/expect.c). */
#ifndef PROXY_REPREPARE_H
#define PROXY_REPREPARE_H

#include "protocol/protocol.h"
#include "rewrite/rewrite.h"

typedef struct session session;

/* Bind of a protocol-level statement: Close and Parse it again first. */
void reprepare_before_bind(session *s, const char *stmt, proto_out *out);

/* A Query with SQL EXECUTE p: "DEALLOCATE p; PREPARE p AS ...;" goes in front. Returns the
 * new text (malloc'd) or NULL, and in *added how many statements it put in front. */
char *reprepare_in_query(session *s, const rw_result *r, const char *text, int *added);

/* A Parse of "EXECUTE p": the DEALLOCATE and PREPARE run first as statements of the proxy's
 * own (unnamed Parse, Bind, Execute). */
void reprepare_before_parse(session *s, const char *query, size_t len, proto_out *out);

#endif
