/* common/logline.h — formatting one log line, pure code: the time, the process, the level,
 * the session it is about (if any) and the message, as readable text or as one JSON object
 * (log_format). Whatever the message holds, the result is exactly one line: control
 * characters are escaped (JSON) or replaced (text), and invalid UTF-8 never reaches JSON.
 *
 * Text:  2025-01-10 12:00:00.123 [4242] LOG: 127.0.0.1:51234 shop/alice: closed: ...
 * JSON:  {"time":"2025-01-10T12:00:00.123+01:00","level":"info","pid":4242,
 *         "client":"127.0.0.1:51234","database":"shop","user":"alice","message":"closed: ..."}
 * The JSON keys are stable: time, level, pid and message always, in that order around the
 * session's client, database and user, which appear only on lines about a session. */
#ifndef COMMON_LOGLINE_H
#define COMMON_LOGLINE_H

#include <stddef.h>
#include <time.h>

#include "conf/conf.h"

/* The session a line is about; a NULL field is written "-" (text) or null (JSON). */
typedef struct {
    const char *client, *database, *user;
} logline_session;

typedef struct {
    struct tm time; /* local time, with tm_gmtoff */
    int msec;
    int pid;
    conf_log_level level;
    const logline_session *session; /* NULL: not about a session */
    const char *message;
} logline_event;

/* The longest line written, newline included (longer messages are cut). */
#define LOGLINE_MAX 4096

/* Writes the line, ending with '\n', into out (at least LOGLINE_MAX bytes); returns its
 * length. */
size_t logline_format(char *out, conf_log_format format, const logline_event *e);

#endif
