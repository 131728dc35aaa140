/* proxy/log.h — the process's log: one line per event (common/logline.h formats it), written
 * with one write(2) to stderr or to `logfile`, in `log_format`, at `log_level` and above.
 * What a line may hold is a rule of the whole proxy: at info and above never a password,
 * a Bind parameter value or a statement's text (those appear at debug only: the rewrites). */
#ifndef PROXY_LOG_H
#define PROXY_LOG_H

#include <stdbool.h>
#include <stddef.h>

#include "common/logline.h"
#include "conf/conf.h"

void log_set_level(conf_log_level level);
void log_set_format(conf_log_format format);
bool log_enabled(conf_log_level level);

/* Writes to the file at path from now on (appending, created if missing), or to stderr when
 * path is NULL. Called again with the same path it reopens the file: after logrotate renamed
 * it (SIGHUP), lines go to a new file of that name. False with err set when the file cannot
 * be opened; the log then stays where it was. */
bool log_open(const char *path, char *err, size_t errlen);

__attribute__((format(printf, 2, 3))) void log_msg(conf_log_level level, const char *fmt, ...);
/* A line about one session: its client, database and user are fields of their own. */
__attribute__((format(printf, 3, 4))) void
log_session(conf_log_level level, const logline_session *session, const char *fmt, ...);

#define log_error(...) log_msg(CONF_LOG_ERROR, __VA_ARGS__)
#define log_warning(...) log_msg(CONF_LOG_WARNING, __VA_ARGS__)
#define log_info(...) log_msg(CONF_LOG_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(CONF_LOG_DEBUG, __VA_ARGS__)

#endif
