/* common/logline.c — one log line, as text or JSON (see logline.h). */
#include "common/logline.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* Session fields are cut at this length, so that the message always has room. */
enum { FIELD_MAX = 256 };

/* A line being written: the room left always keeps `reserve` bytes for what closes it. */
typedef struct {
    char *p;
    size_t len, cap;
} line;

static void put(line *l, const char *s, size_t n)
{
    if (n > l->cap - l->len)
        n = l->cap - l->len;
    memcpy(l->p + l->len, s, n);
    l->len += n;
}

static void puts_(line *l, const char *s)
{
    put(l, s, strlen(s));
}

/* The length of the valid UTF-8 sequence at s (1 to 4), or 0 when it is not one. */
static size_t utf8_length(const unsigned char *s)
{
    size_t n = s[0] < 0x80             ? 1
               : (s[0] & 0xe0) == 0xc0 ? 2
               : (s[0] & 0xf0) == 0xe0 ? 3
               : (s[0] & 0xf8) == 0xf0 ? 4
                                       : 0;
    if (n == 2 && s[0] < 0xc2)
        return 0; /* overlong */
    for (size_t i = 1; i < n; i++)
        if ((s[i] & 0xc0) != 0x80)
            return 0;
    if (n == 3 && ((s[0] == 0xe0 && s[1] < 0xa0) || (s[0] == 0xed && s[1] >= 0xa0)))
        return 0; /* overlong, or a surrogate */
    if (n == 4 && ((s[0] == 0xf0 && s[1] < 0x90) || s[0] > 0xf4 || (s[0] == 0xf4 && s[1] >= 0x90)))
        return 0;
    return n;
}

/* A JSON string of at most `limit` bytes between its quotes; stops before a character that
 * would not fit whole, so the closing quote always does. */
static void put_json_string(line *l, const char *s, size_t limit)
{
    static const char hex[] = "0123456789abcdef";
    put(l, "\"", 1);
    size_t end = l->len + limit < l->cap - 1 ? l->len + limit : l->cap - 1;
    for (const unsigned char *u = (const unsigned char *)s; *u;) {
        char esc[8];
        size_t n = 0, take = 1;
        const char *out = esc;
        if (*u == '"' || *u == '\\') {
            esc[0] = '\\', esc[1] = (char)*u, n = 2;
        } else if (*u == '\n' || *u == '\r' || *u == '\t') {
            esc[0] = '\\', esc[1] = *u == '\n' ? 'n' : *u == '\r' ? 'r' : 't', n = 2;
        } else if (*u < 0x20 || *u == 0x7f) {
            memcpy(esc, "\\u00", 4);
            esc[4] = hex[*u >> 4], esc[5] = hex[*u & 15], n = 6;
        } else if ((take = utf8_length(u)) == 0) {
            out = "\xef\xbf\xbd", n = 3, take = 1; /* U+FFFD for a byte that is not UTF-8 */
        } else {
            out = (const char *)u, n = take;
        }
        if (n > end - l->len)
            break;
        put(l, out, n);
        u += take;
    }
    put(l, "\"", 1);
}

/* Text of at most `limit` bytes on one line, control characters turned into spaces. */
static void put_text(line *l, const char *s, size_t limit)
{
    size_t start = l->len, n = strlen(s);
    put(l, s, n < limit ? n : limit);
    for (size_t i = start; i < l->len; i++)
        if ((unsigned char)l->p[i] < 0x20 || l->p[i] == 0x7f)
            l->p[i] = ' ';
}

static const char *or_dash(const char *s)
{
    return s ? s : "-";
}

static size_t format_text(line *l, const logline_event *e)
{
    static const char *const labels[] = {"ERROR", "WARNING", "LOG", "DEBUG"};
    char head[96];
    size_t n = strftime(head, sizeof head, "%Y-%m-%d %H:%M:%S", &e->time);
    snprintf(head + n, sizeof head - n, ".%03d [%d] %s: ", e->msec, e->pid, labels[e->level]);
    puts_(l, head);
    if (e->session) {
        put_text(l, or_dash(e->session->client), FIELD_MAX);
        put(l, " ", 1);
        put_text(l, or_dash(e->session->database), FIELD_MAX);
        put(l, "/", 1);
        put_text(l, or_dash(e->session->user), FIELD_MAX);
        put(l, ": ", 2);
    }
    put_text(l, e->message, LOGLINE_MAX);
    return l->len;
}

static void put_json_field(line *l, const char *key, const char *value, size_t limit)
{
    put(l, ",\"", 2);
    puts_(l, key);
    put(l, "\":", 2);
    if (value)
        put_json_string(l, value, limit);
    else
        puts_(l, "null");
}

static size_t format_json(line *l, const logline_event *e)
{
    char head[160], date[32];
    strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%S", &e->time);
    long off = e->time.tm_gmtoff / 60;
    snprintf(head, sizeof head, "{\"time\":\"%s.%03d%c%02ld:%02ld\",\"level\":\"%s\",\"pid\":%d",
             date, e->msec, off < 0 ? '-' : '+', (off < 0 ? -off : off) / 60,
             (off < 0 ? -off : off) % 60, conf_log_level_name(e->level), e->pid);
    puts_(l, head);
    if (e->session) {
        put_json_field(l, "client", e->session->client, FIELD_MAX);
        put_json_field(l, "database", e->session->database, FIELD_MAX);
        put_json_field(l, "user", e->session->user, FIELD_MAX);
    }
    put_json_field(l, "message", e->message, LOGLINE_MAX);
    return l->len;
}

size_t logline_format(char *out, conf_log_format format, const logline_event *e)
{
    /* room is kept for what closes the line: the newline, and JSON's `"}` */
    line l = {out, 0, LOGLINE_MAX - 1};
    if (format == CONF_LOG_JSON) {
        l.cap -= 2;
        format_json(&l, e);
        l.cap += 2;
        put(&l, "}", 1);
    } else {
        format_text(&l, e);
    }
    out[l.len++] = '\n';
    return l.len;
}
