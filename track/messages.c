/* track/messages.c — the track's handling of each message (see track.h): SQL is rewritten
 * in Query (on_query) and Parse (on_parse), and the CommandComplete of a DELETE turned into
 * an UPDATE says "DELETE n" again (fix_tag). Which statement, portal and answer is which is
 * kept in track/prepared.c and track/expect.c. */
#include "track/internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/mem.h"

/* The answers of a Query's statements, kept on the stack up to this many. */
enum { ANSWERS_ON_STACK = 64 };

void track_init(track *t, rw_cache *cache, const track_observer *observer, void *owner)
{
    *t = (track){.cache = cache, .observer = observer, .owner = owner, .tx_status = 'I'};
    t->standard_strings = true;
    strcpy(t->client_encoding, "UTF8"); /* until the server says */
    strcpy(t->server_encoding, "UTF8");
    track_ns_init(&t->names, NULL, "", (rw_mode){0});
}

void track_free(track *t)
{
    track_split_free(t);
    track_ns_free(&t->names);
    track_names_clear(&t->statements);
    track_names_clear(&t->portals);
    track_expect_free(&t->expect);
}

void track_reread(track *t, const char *search_path, const char *role, rw_mode mode)
{
    static const char *const visibilities[] = {"live", "all", "deleted"};
    track_ns_set_user(&t->names, role);
    track_ns_set(&t->names, search_path, false);
    track_ns_set_mode(&t->names, "visibility", visibilities[mode.visibility], false);
    track_ns_set_mode(&t->names, "deletes", mode.hard_deletes ? "hard" : "soft", false);
}

void track_start_names(track *t, const char *setting, const char *user, rw_mode mode)
{
    track_ns_free(&t->names);
    track_ns_init(&t->names, setting, user, mode);
}

bool track_idle(const track *t, bool in_tx)
{
    /* between two parts of a Query, the server owes nothing though the client waits */
    return t->syncs_pending == t->split.due && !t->unsynced &&
           (t->tx_status == 'I' || (in_tx && t->tx_status == 'T'));
}

track_ddl track_take_ddl(track *t)
{
    track_ddl d = {t->ddl, t->alters, t->undo, t->ends_tx};
    t->ddl = t->alters = t->undo = t->ends_tx = false;
    return d;
}

/* ---- Query ----------------------------------------------------------------------------- */

/* What to do with the CommandComplete of each statement of a Query: the first `added` are
 * the proxy's own. Sets *any when one is not a plain pass. */
static void query_answers(track *t, const rw_result *r, const char *sql, int added,
                          uint8_t *answers, bool *any)
{
    *any = added > 0;
    for (int i = 0; i < r->nstmts; i++) {
        track_apply(t, &r->stmts[i], sql, TRACK_AT_QUERY);
        answers[i] = i < added ? TRACK_DROP : track_answer_of(t, &r->stmts[i]);
        *any |= answers[i] != TRACK_PASS;
    }
}

static proto_verdict on_query(track *t, const proto_msg *m, proto_out *out)
{
    const char *sql = (const char *)m->data + PROTO_HDR_LEN;
    size_t len = m->len - PROTO_HDR_LEN - 1;
    if (m->len <= PROTO_HDR_LEN || sql[len] != '\0' || memchr(sql, '\0', len))
        return PROTO_FORWARD; /* malformed: the server says so */
    const rw_result *r = track_rewrite(t, sql, len);
    track_count(t, r, true);
    int cut = track_split_point(r);
    if (cut >= 0)
        return track_split_start(t, sql, len, r, cut, out);
    int added;
    char *prefixed = track_reprepare_in_query(t, r, sql, &added);
    if (prefixed)
        r = track_rewrite(t, sql = prefixed, strlen(prefixed));
    uint8_t stack[ANSWERS_ON_STACK];
    uint8_t *answers = r->nstmts <= ANSWERS_ON_STACK ? stack : mem_alloc((size_t)r->nstmts);
    bool any;
    query_answers(t, r, sql, added, answers, &any);
    track_expect_query(&t->expect, any ? answers : NULL, r->nstmts);
    /* positions in errors: the proxy's own statements come first, the client's text after */
    if (t->chars != RW_CHARS_UNKNOWN && (r->edits || prefixed))
        track_expect_edited(
            &t->expect, r->edits, r->nedits,
            prefixed ? rw_chars_count(prefixed, (int)(strlen(prefixed) - len), t->chars) : 0);
    if (answers != stack)
        free(answers);
    proto_verdict v = PROTO_FORWARD;
    if (r->sql || prefixed) {
        proto_build_query(&out->buf, r->sql ? r->sql : prefixed);
        v = PROTO_CONSUMED;
    }
    free(prefixed);
    return v;
}

/* ---- the extended protocol: which portal runs which statement ---------------------------- */

enum { TEXTOID_ = 25 }; /* pg_type.h's TEXTOID; the core does not include server headers */

static proto_verdict on_parse(track *t, const proto_msg *m, proto_out *out)
{
    proto_parse_fields p;
    if (!proto_read_parse(m->data, m->len, &p))
        return PROTO_FORWARD;
    const rw_result *r = track_rewrite(t, p.query, p.query_len);
    track_count(t, r, false);
    if (track_reprepare_before_parse(t, r, out)) /* rare: it rewrote another text */
        r = track_rewrite(t, p.query, p.query_len);
    for (int i = 0; i < r->nstmts; i++)
        track_apply(t, &r->stmts[i], p.query, TRACK_AT_PARSE);
    /* what running it does, and for a named statement what it takes to rewrite it again */
    bool single = r->nstmts == 1;
    /* every named statement whose rewrite depends on the catalog keeps its text: the catalog
     * or search_path may change before it runs again, and PostgreSQL would then resolve it
     * anew (a SAVEPOINT or BEGIN never needs that) */
    bool keep = *p.name && single && (r->stmts[0].flags & RW_NEEDS_CATALOG);
    rw_stmt_facts none = {0};
    track_prepared e =
        track_prepared_of(t, single ? &r->stmts[0] : &none, keep ? m->data : NULL, m->len, false);
    track_names_put(&t->statements, p.name, &e);
    track_expect_parse(&t->expect);
    if (!r->sql)
        return PROTO_FORWARD;
    if (r->edits)
        track_expect_edited(&t->expect, r->edits, r->nedits, 0);
    /* a refused statement is a DO block that does not use the parameters: typed as text,
     * they do not make the Parse fail (42P18) before the refusal can say why */
    bool refused = single && (r->stmts[0].flags & RW_REFUSED);
    proto_build_parse_typed(&out->buf, m->data, m->len, r->sql, r->len, refused ? TEXTOID_ : 0);
    return PROTO_CONSUMED;
}

/* Could a statement kept with its text be out of date (prepared under another snapshot or
 * search_path)? Looked at again only when either changed since the last look. */
static bool sources_stale(track *t)
{
    uint64_t snapshot = t->snapshot ? rw_snapshot_version(t->snapshot) : 0;
    if (snapshot != t->sources_snapshot || t->names.version != t->sources_path) {
        t->sources_snapshot = snapshot;
        t->sources_path = t->names.version;
        t->sources_stale = track_names_any_stale(t);
    }
    return t->sources_stale;
}

/* While no statement needs anything at its execution, no portal is remembered and no kept
 * statement can be out of date, there is nothing to look up: Bind and Execute stream
 * through and every Execute is known to need nothing. */
static bool tracking(track *t)
{
    return t->statements.with_facts > 0 || track_names_count(&t->portals) > 0 ||
           (track_names_count(&t->statements) > 0 && sources_stale(t));
}

static void on_bind(track *t, const proto_msg *m, proto_out *out)
{
    const char *portal, *stmt;
    if (!proto_read_bind_names(m->data, m->len, &portal, &stmt))
        return;
    track_reprepare_before_bind(t, stmt, out);
    const track_prepared *e = track_names_find(&t->statements, stmt);
    track_prepared runs = {.facts = e ? e->facts : (rw_stmt_facts){0}};
    track_names_put(&t->portals, portal, e ? &runs : NULL);
}

static void on_execute(track *t, const proto_msg *m)
{
    const char *portal;
    uint32_t max_rows;
    const track_prepared *e = proto_read_execute(m->data, m->len, &portal, &max_rows)
                                  ? track_names_find(&t->portals, portal)
                                  : NULL;
    track_expect_execute(&t->expect, e ? track_answer_of(t, &e->facts) : TRACK_PASS);
    if (e)
        track_apply(t, &e->facts, NULL, TRACK_AT_EXECUTE);
}

/* set_config(text, text, boolean), F_SET_CONFIG in PostgreSQL's fmgroids.h: FunctionCall
 * names functions by oid */
enum { SET_CONFIG_OID = 2078 };

/* A FunctionCall of set_config, or of a function that may set the search_path: the settings
 * are read again after it, as after a statement that calls one. */
static void on_function_call(track *t, const proto_msg *m)
{
    uint32_t oid;
    if (proto_read_function_oid(m->data, m->len, &oid) &&
        (oid == SET_CONFIG_OID || (t->snapshot && rw_snapshot_sets_path_oid(t->snapshot, oid))))
        t->reread = true;
}

static void on_close(track *t, const proto_msg *m)
{
    char kind;
    const char *name;
    if (proto_read_target(m->data, m->len, &kind, &name))
        track_names_put(kind == 'S' ? &t->statements : &t->portals, name, NULL);
}

/* ---- the client's messages ------------------------------------------------------------- */

/* Sync points: each Query, Sync or FunctionCall gets one ReadyForQuery back. */
static void note_sync_points(track *t, uint8_t type)
{
    switch (type) {
    case PROTO_FE_QUERY:
    case PROTO_FE_SYNC:
    case PROTO_FE_FUNCTION_CALL:
        t->syncs_pending++;
        t->unsynced = false;
        break;
    case PROTO_FE_PARSE:
    case PROTO_FE_BIND:
    case PROTO_FE_EXECUTE:
    case PROTO_FE_DESCRIBE:
    case PROTO_FE_CLOSE:
    case PROTO_FE_FLUSH:
        t->unsynced = true;
        break;
    case PROTO_FE_TERMINATE:
        t->terminated = true;
        break;
    }
}

proto_policy track_client_policy(track *t, uint8_t type)
{
    note_sync_points(t, type);
    switch (type) {
    case PROTO_FE_QUERY: /* rewritten */
    case PROTO_FE_PARSE: /* rewritten */
        return PROTO_WHOLE;
    case PROTO_FE_BIND: /* its portal and statement names */
        return tracking(t) ? PROTO_PEEK : PROTO_PASS;
    case PROTO_FE_EXECUTE: /* which portal runs, for the tag fix */
    case PROTO_FE_CLOSE:   /* statements and portals that go away */
        t->stats->queries += type == PROTO_FE_EXECUTE;
        if (tracking(t))
            return PROTO_WHOLE;
        if (type == PROTO_FE_EXECUTE)
            track_expect_execute(&t->expect, TRACK_PASS);
        return PROTO_PASS;
    case PROTO_FE_SYNC: /* answered by a ReadyForQuery */
        track_expect_sync(&t->expect);
        return PROTO_PASS;
    case PROTO_FE_FUNCTION_CALL: /* answered by FunctionCallResponse and ReadyForQuery */
        t->stats->queries++;
        track_expect_query(&t->expect, NULL, 0);
        return PROTO_PEEK; /* which function it calls */
    default:
        return PROTO_PASS;
    }
}

proto_verdict track_client_message(track *t, const proto_msg *m, proto_out *out)
{
    proto_verdict v = PROTO_FORWARD;
    switch (m->type) {
    case PROTO_FE_QUERY:
        v = on_query(t, m, out);
        break;
    case PROTO_FE_PARSE:
        v = on_parse(t, m, out);
        break;
    case PROTO_FE_BIND:
        on_bind(t, m, out);
        break;
    case PROTO_FE_EXECUTE:
        on_execute(t, m);
        break;
    case PROTO_FE_CLOSE:
        on_close(t, m);
        break;
    case PROTO_FE_FUNCTION_CALL:
        on_function_call(t, m);
        break;
    }
    rw_cache_trim(t->cache); /* the rewrite is used: a huge one's memory goes now */
    return v;
}

/* ---- the server's messages ------------------------------------------------------------- */

proto_policy track_server_policy(track *t, uint8_t type)
{
    switch (type) {
    case PROTO_BE_COMMAND_COMPLETE: /* "UPDATE 3" may have to read "DELETE 3" */
        t->answer = track_expect_command_complete(&t->expect);
        return t->answer == TRACK_PASS ? PROTO_PASS : PROTO_WHOLE;
    case PROTO_BE_EMPTY_QUERY:
    case PROTO_BE_PORTAL_SUSPENDED:
        track_expect_execute_done(&t->expect);
        return PROTO_PASS;
    case PROTO_BE_COPY_IN: /* Syncs the client sent during copy-in get no answer */
        t->syncs_pending -= track_expect_copy_in(&t->expect);
        return PROTO_PASS;
    case PROTO_BE_PARSE_COMPLETE:
    case PROTO_BE_BIND_COMPLETE:
    case PROTO_BE_CLOSE_COMPLETE: /* any may answer a message the proxy sent itself */
        return track_expect_drop_reply(&t->expect, type) ? PROTO_WHOLE : PROTO_PASS;
    case PROTO_BE_READY:
    case PROTO_BE_ERROR:
    case PROTO_BE_PARAMETER_STATUS:
        return PROTO_WHOLE;
    default:
        return PROTO_PASS;
    }
}

static proto_verdict fix_tag(const proto_msg *m, proto_out *out)
{
    const char *tag;
    if (!proto_read_command_complete(m->data, m->len, &tag) || strncmp(tag, "UPDATE ", 7) != 0)
        return PROTO_FORWARD;
    char fixed[64];
    snprintf(fixed, sizeof fixed, "DELETE %s", tag + 7);
    proto_build_command_complete(&out->buf, fixed);
    return PROTO_CONSUMED;
}

/* Errors about a rewritten text look like PostgreSQL's own about the text the client sent:
 * the position (a character index) points into the client's text; the few messages that
 * name the command ("cannot execute UPDATE in a read-only transaction") say DELETE for the
 * client's DELETE; and the context of the helper function or DO block that raised a
 * foreign-key error or a refusal is left out (PostgreSQL's own foreign-key errors have
 * none). */
static proto_verdict fix_error(const proto_msg *m, track_answer answer, const track_text *text,
                               proto_out *out)
{
    static const char update[] = "cannot execute UPDATE ";
    proto_error_change changes[3];
    int n = 0;
    char position[16], message[512];
    const char *pos = proto_error_field(m->data, m->len, 'P');
    if (pos && text->edits) {
        int p = rw_original_position(text->edits, text->nedits, atoi(pos));
        snprintf(position, sizeof position, "%d", p > text->skip ? p - text->skip : p);
        changes[n++] = (proto_error_change){'P', position};
    }
    const char *msg = proto_error_field(m->data, m->len, 'M');
    const char *context = proto_error_field(m->data, m->len, 'W');
    bool helper = context && strstr(context, "PL/pgSQL function tombstone.");
    bool refusal = answer == TRACK_REFUSED || (msg && strncmp(msg, "tombstone:", 10) == 0 &&
                                               strstr(context ? context : "", "inline_code_block"));
    if (helper || (context && refusal))
        changes[n++] = (proto_error_change){'W', NULL};
    if (answer == TRACK_FIX && msg && strncmp(msg, update, sizeof update - 1) == 0) {
        snprintf(message, sizeof message, "cannot execute DELETE %s", msg + sizeof update - 1);
        changes[n++] = (proto_error_change){'M', message};
    }
    if (!n || !proto_build_error_edit(&out->buf, m->data, m->len, changes, n))
        return PROTO_FORWARD;
    return PROTO_CONSUMED;
}

static proto_verdict on_error(track *t, const proto_msg *m, proto_out *out)
{
    track_ns_error(&t->names);
    t->split.failed = t->split.active;
    t->batch_failed = t->unsynced;
    track_text text;
    track_answer answer = track_expect_error(&t->expect, &text);
    proto_verdict v = fix_error(m, answer, &text, out);
    free(text.edits);
    return v;
}

/* Returns true when the ReadyForQuery is the proxy's (between two parts of a Query). */
static bool on_ready(track *t, const proto_msg *m)
{
    char status;
    if (!proto_read_ready(m->data, m->len, &status))
        return false;
    t->tx_status = status;
    t->batch_failed = false;
    track_expect_ready(&t->expect);
    track_ns_ready(&t->names, status);
    /* protocol portals end with their transaction */
    if (status == 'I' && track_names_count(&t->portals))
        track_names_clear(&t->portals);
    if (t->split.active && track_split_ready(t, status))
        return true;
    if (t->syncs_pending > 0)
        t->syncs_pending--;
    return false;
}

/* Encodings in which a character is a byte (PostgreSQL's names, as ParameterStatus gives
 * them); UTF8 is counted as UTF-8, the other multi-byte ones are not counted. */
static bool single_byte(const char *encoding)
{
    static const char *const prefixes[] = {"LATIN", "ISO_8859_", "WIN", "KOI8", NULL};
    for (const char *const *p = prefixes; *p; p++)
        if (strncmp(encoding, *p, strlen(*p)) == 0)
            return true;
    return false;
}

/* An error's position counts characters of the text as the server holds it: in the server
 * encoding, after conversion from the client's (which keeps characters), or bytes when the
 * server's is SQL_ASCII; a SQL_ASCII client's bytes are taken as they are. */
static rw_chars chars_of(const char *client, const char *server)
{
    const char *text = strcmp(client, "SQL_ASCII") == 0 ? server : client;
    if (strcmp(server, "SQL_ASCII") == 0)
        return RW_CHARS_BYTES;
    if (strcmp(text, "UTF8") == 0)
        return RW_CHARS_UTF8;
    return single_byte(text) ? RW_CHARS_BYTES : RW_CHARS_UNKNOWN;
}

void track_parameter_status(track *t, const proto_msg *m)
{
    proto_reader r = proto_reader_init(m->data, m->len);
    const char *name = proto_read_str(&r), *value = proto_read_str(&r);
    if (r.bad)
        return;
    if (strcmp(name, "standard_conforming_strings") == 0)
        t->standard_strings = strcmp(value, "on") == 0;
    else if (strcmp(name, "client_encoding") == 0)
        snprintf(t->client_encoding, sizeof t->client_encoding, "%s", value);
    else if (strcmp(name, "server_encoding") == 0)
        snprintf(t->server_encoding, sizeof t->server_encoding, "%s", value);
    t->chars = chars_of(t->client_encoding, t->server_encoding);
}

proto_verdict track_server_message(track *t, const proto_msg *m, proto_out *out)
{
    switch (m->type) {
    case PROTO_BE_COMMAND_COMPLETE:
        if (t->answer == TRACK_DROP)
            return PROTO_CONSUMED; /* the proxy's own statement */
        return t->answer == TRACK_FIX ? fix_tag(m, out) : PROTO_FORWARD;
    case PROTO_BE_PARSE_COMPLETE:
    case PROTO_BE_BIND_COMPLETE:
    case PROTO_BE_CLOSE_COMPLETE:
        return PROTO_CONSUMED; /* the reply to the proxy's own message: dropped */
    case PROTO_BE_READY:
        return on_ready(t, m) ? PROTO_CONSUMED : PROTO_FORWARD;
    case PROTO_BE_ERROR:
        return on_error(t, m, out);
    case PROTO_BE_PARAMETER_STATUS:
        track_parameter_status(t, m);
        break;
    }
    return PROTO_FORWARD;
}
