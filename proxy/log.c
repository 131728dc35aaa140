/* proxy/log.c — where log lines go (see log.h). One write(2) per line, appending, so lines of
 * several processes sharing a file never interleave. */
#include "proxy/log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static struct {
    conf_log_level level;
    conf_log_format format;
    int fd;
} sink = {CONF_LOG_INFO, CONF_LOG_TEXT, STDERR_FILENO};

void log_set_level(conf_log_level level)
{
    sink.level = level;
}

void log_set_format(conf_log_format format)
{
    sink.format = format;
}

bool log_enabled(conf_log_level level)
{
    return level <= sink.level;
}

bool log_open(const char *path, char *err, size_t errlen)
{
    int fd = STDERR_FILENO;
    if (path && (fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640)) < 0) {
        snprintf(err, errlen, "cannot open logfile %s: %s", path, strerror(errno));
        return false;
    }
    if (sink.fd != STDERR_FILENO)
        close(sink.fd);
    sink.fd = fd;
    return true;
}

static void emit(conf_log_level level, const logline_session *session, const char *fmt, va_list ap)
{
    char message[LOGLINE_MAX], line[LOGLINE_MAX];
    vsnprintf(message, sizeof message, fmt, ap);
    struct timeval tv;
    gettimeofday(&tv, NULL);
    logline_event e = {.msec = (int)(tv.tv_usec / 1000),
                       .pid = (int)getpid(),
                       .level = level,
                       .session = session,
                       .message = message};
    localtime_r(&tv.tv_sec, &e.time);
    size_t n = logline_format(line, sink.format, &e);
    (void)!write(sink.fd, line, n);
}

void log_msg(conf_log_level level, const char *fmt, ...)
{
    if (!log_enabled(level))
        return;
    va_list ap;
    va_start(ap, fmt);
    emit(level, NULL, fmt, ap);
    va_end(ap);
}

void log_session(conf_log_level level, const logline_session *session, const char *fmt, ...)
{
    if (!log_enabled(level))
        return;
    va_list ap;
    va_start(ap, fmt);
    emit(level, session, fmt, ap);
    va_end(ap);
}
