/* conf/ini.c — a small INI reader: [section] headers, key = value lines, comments. It knows
 * nothing of tombstone's settings; the callback judges each line. */
#include "conf/conf.h"

#include "common/mem.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *trim(char *s)
{
    while (isspace((unsigned char)*s))
        s++;
    char *end = s + strlen(s);
    while (end > s && isspace((unsigned char)end[-1]))
        *--end = 0;
    return s;
}

/* Cuts a comment off: ';' or '#' at the start or after white space. */
static void strip_comment(char *line)
{
    for (char *p = line; *p; p++) {
        if ((*p == ';' || *p == '#') && (p == line || isspace((unsigned char)p[-1]))) {
            *p = 0;
            return;
        }
    }
}

/* Handles one line; returns false with err set. *section is updated by headers. */
static bool parse_line(char *line, char *section, size_t section_len, conf_ini_fn fn, void *ctx,
                       char *err, size_t errlen)
{
    strip_comment(line);
    char *s = trim(line);
    if (*s == 0)
        return true;
    if (*s == '[') {
        char *close = strchr(s, ']');
        if (!close || close[1] != 0) {
            snprintf(err, errlen, "malformed section header");
            return false;
        }
        *close = 0;
        snprintf(section, section_len, "%s", trim(s + 1));
        return fn(ctx, section, NULL, NULL, err, errlen);
    }
    char *eq = strchr(s, '=');
    if (!eq) {
        snprintf(err, errlen, "expected 'key = value'");
        return false;
    }
    if (!*section) {
        snprintf(err, errlen, "setting outside of any [section]");
        return false;
    }
    *eq = 0;
    char *key = trim(s);
    if (!*key) {
        snprintf(err, errlen, "missing key before '='");
        return false;
    }
    return fn(ctx, section, key, trim(eq + 1), err, errlen);
}

bool conf_ini_parse(const char *name, const char *text, conf_ini_fn fn, void *ctx, char *err,
                    size_t errlen)
{
    char *copy = mem_strdup(text);
    char section[128] = "";
    char msg[CONF_ERR_MAX] = "";
    bool ok = true;
    int lineno = 1;
    for (char *line = copy; line && ok; lineno++) {
        char *next = strchr(line, '\n');
        if (next)
            *next++ = 0;
        ok = parse_line(line, section, sizeof section, fn, ctx, msg, sizeof msg);
        if (!ok)
            snprintf(err, errlen, "%s:%d: %s", name, lineno, msg);
        line = next;
    }
    free(copy);
    return ok;
}
