/* rewrite/helpers.h — the helper objects `tombstone install` creates in a database; their
 * SQL, and why they exist, are in rewrite/helpers.sql. */
#ifndef RW_HELPERS_H
#define RW_HELPERS_H

/* The version the rewriter's statements call; the snapshot checks the installed one. */
#define RW_HELPERS_VERSION "5" /* as in the COMMENT ON SCHEMA of rewrite/helpers.sql */

/* The pattern the names of key f's triggers start with, in SQL (a printf format: `%%`), as
 * tombstone.ensure() names them: the kind, then a hash of the key's table and name, which a
 * dump and its restore keep (tombstone.fk_key). */
#define RW_FK_TRIGGER_PATTERN                                                                      \
    "('^[$]?tombstone_[a-z]_' || (SELECT left(md5(format('%%I.%%I.%%I', kn.nspname, kc.relname, "  \
    "f.conname)), 12) FROM pg_class kc JOIN pg_namespace kn ON kn.oid = kc.relnamespace "          \
    "WHERE kc.oid = f.conrelid) || '_')"

/* The SQL script that creates (or replaces) the helpers. */
const char *rw_helpers_install_sql(void);

#endif
