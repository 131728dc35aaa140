/* admin/command.c — the console's commands: the table of them, parsing, who may run what
 * (see admin.h). */
#include "admin/admin.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

typedef struct {
    const char *words; /* lower case, one space apart */
    adm_kind kind;
    bool arg;    /* takes an optional database name */
    bool writes; /* changes something: admin_users only */
    const char *syntax, *what;
} command;

static const command commands[] = {
    {"show help", ADM_SHOW_HELP, false, false, "SHOW HELP", "this list"},
    {"show stats", ADM_SHOW_STATS, false, false, "SHOW STATS",
     "per database: statements, rewrites by kind, refusals, cache hits, bytes, query time"},
    {"show clients", ADM_SHOW_CLIENTS, false, false, "SHOW CLIENTS", "every client connection"},
    {"show servers", ADM_SHOW_SERVERS, false, false, "SHOW SERVERS",
     "every server connection (one per logged-in client)"},
    {"show databases", ADM_SHOW_DATABASES, false, false, "SHOW DATABASES",
     "the [databases] entries, their clients, paused or not"},
    {"show tables", ADM_SHOW_TABLES, true, false, "SHOW TABLES [db]",
     "soft-delete tables of the catalog snapshots: marker, foreign-key actions, unique "
     "indexes"},
    {"show cache", ADM_SHOW_CACHE, false, false, "SHOW CACHE",
     "the rewrite cache: size, hits, misses, evictions, cold rewrite time"},
    {"show config", ADM_SHOW_CONFIG, false, false, "SHOW CONFIG", "every setting and its value"},
    {"show version", ADM_SHOW_VERSION, false, false, "SHOW VERSION", "tombstone's version"},
    {"reload", ADM_RELOAD, false, true, "RELOAD", "read the configuration file again (SIGHUP)"},
    {"refresh schema", ADM_REFRESH_SCHEMA, true, true, "REFRESH SCHEMA [db]",
     "read the catalog again before the next statement [of one database]"},
    {"pause", ADM_PAUSE, true, true, "PAUSE [db]",
     "start no new statement [of one database]; answers once running ones ended"},
    {"resume", ADM_RESUME, true, true, "RESUME [db]", "undo PAUSE"},
    {"shutdown", ADM_SHUTDOWN, false, true, "SHUTDOWN",
     "stop as on SIGTERM: no new clients, sessions end within shutdown_timeout"},
};

enum { NCOMMANDS = sizeof commands / sizeof *commands, MAX_TOKENS = 4 };

typedef struct {
    bool quoted;
    char text[ADM_NAME_MAX];
} token;

/* Skips white space and SQL comments. */
static const char *skip_space(const char *p)
{
    for (;;) {
        while (isspace((unsigned char)*p))
            p++;
        if (p[0] == '-' && p[1] == '-') {
            p += strcspn(p, "\n");
        } else if (p[0] == '/' && p[1] == '*') {
            const char *end = strstr(p + 2, "*/");
            p = end ? end + 2 : p + strlen(p);
        } else {
            return p;
        }
    }
}

/* A word (folded to lower case, as PostgreSQL folds unquoted names) or a "quoted" name.
 * Returns the end, or NULL when the text is neither. */
static const char *read_token(const char *p, token *t)
{
    size_t n = 0;
    t->quoted = *p == '"';
    if (t->quoted) {
        for (p++; *p && !(p[0] == '"' && p[1] != '"'); p++) {
            p += p[0] == '"'; /* "" is one quote */
            if (n + 1 < sizeof t->text)
                t->text[n++] = *p;
        }
        if (*p != '"' || n == 0 || n + 1 >= sizeof t->text)
            return NULL;
        t->text[n] = 0;
        return p + 1;
    }
    while (isalnum((unsigned char)*p) || *p == '_' || *p == '$') {
        if (n + 1 >= sizeof t->text)
            return NULL;
        t->text[n++] = (char)tolower((unsigned char)*p++);
    }
    t->text[n] = 0;
    return n ? p : NULL;
}

/* Splits text into at most MAX_TOKENS tokens; -1 when it is not a list of them. */
static int tokenize(const char *text, token *toks)
{
    int n = 0;
    const char *p = skip_space(text);
    while (*p && *p != ';') {
        if (n == MAX_TOKENS || !(p = read_token(p, &toks[n++])))
            return -1;
        p = skip_space(p);
    }
    while (*p == ';')
        p = skip_space(p + 1);
    return *p ? -1 : n;
}

/* How many tokens the command's words take from the start of toks (0: it does not match). */
static int match_words(const command *c, const token *toks, int n)
{
    char words[32];
    snprintf(words, sizeof words, "%s", c->words);
    int used = 0;
    for (char *w = strtok(words, " "); w; w = strtok(NULL, " "), used++)
        if (used == n || toks[used].quoted || strcmp(toks[used].text, w) != 0)
            return 0;
    return used;
}

static bool fail(adm_error *err, const char *sqlstate, const char *what, const char *text)
{
    err->sqlstate = sqlstate;
    snprintf(err->message, sizeof err->message, "%s \"%.100s\"; SHOW HELP lists the commands", what,
             text);
    return false;
}

bool adm_parse(const char *text, adm_command *out, adm_error *err)
{
    token toks[MAX_TOKENS];
    int n = tokenize(text, toks);
    *out = (adm_command){.kind = ADM_EMPTY};
    if (n == 0)
        return true;
    if (n < 0)
        return fail(err, "42601", "not a console command:", text);
    for (int i = 0; i < NCOMMANDS; i++) {
        int used = match_words(&commands[i], toks, n);
        if (!used)
            continue;
        if (n > used + commands[i].arg)
            return fail(err, "42601",
                        commands[i].arg ? "too many arguments:" : "no argument taken:", text);
        out->kind = commands[i].kind;
        if (n > used)
            snprintf(out->arg, sizeof out->arg, "%s", toks[used].text);
        return true;
    }
    return fail(err, "42601", "unrecognized console command", text);
}

static const command *command_of(adm_kind kind)
{
    for (int i = 0; i < NCOMMANDS; i++)
        if (commands[i].kind == kind)
            return &commands[i];
    return NULL;
}

bool adm_is_show(adm_kind kind)
{
    return kind >= ADM_SHOW_HELP && kind <= ADM_SHOW_VERSION;
}

bool adm_allowed(adm_kind kind, adm_role role, adm_error *err)
{
    const command *c = command_of(kind);
    if (role == ADM_ROLE_ADMIN || !c || !c->writes)
        return true;
    err->sqlstate = "42501";
    snprintf(err->message, sizeof err->message,
             "permission denied: %s needs a user of admin_users (stats_users may run SHOW "
             "commands only)",
             c->syntax);
    return false;
}

const char *adm_tag(adm_kind kind)
{
    static const char *const tags[ADM_KINDS] = {
        [ADM_RELOAD] = "RELOAD", [ADM_REFRESH_SCHEMA] = "REFRESH", [ADM_PAUSE] = "PAUSE",
        [ADM_RESUME] = "RESUME", [ADM_SHUTDOWN] = "SHUTDOWN",
    };
    return adm_is_show(kind) ? "SHOW" : tags[kind] ? tags[kind] : "";
}

bool adm_help_line(int i, const char **syntax, const char **what)
{
    if (i < 0 || i >= NCOMMANDS)
        return false;
    *syntax = commands[i].syntax;
    *what = commands[i].what;
    return true;
}
