/* proxy/log.c — readable one-line logs on stderr, written with a single write(2) per line so
 * lines never interleave. */
#include "proxy/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static conf_log_level current = CONF_LOG_INFO;

static const char *const labels[] = {"ERROR", "WARNING", "LOG", "DEBUG"};

void log_set_level(conf_log_level level)
{
    current = level;
}

bool log_enabled(conf_log_level level)
{
    return level <= current;
}

void log_msg(conf_log_level level, const char *fmt, ...)
{
    if (!log_enabled(level))
        return;
    char line[2048];
    struct timeval tv;
    gettimeofday(&tv, NULL);
    struct tm tm;
    localtime_r(&tv.tv_sec, &tm);
    size_t n = strftime(line, sizeof line, "%Y-%m-%d %H:%M:%S", &tm);
    n += (size_t)snprintf(line + n, sizeof line - n, ".%03d [%d] %s: ", (int)(tv.tv_usec / 1000),
                          (int)getpid(), labels[level]);
    va_list ap;
    va_start(ap, fmt);
    int m = vsnprintf(line + n, sizeof line - n - 1, fmt, ap);
    va_end(ap);
    n = m < 0 ? n : n + (size_t)m < sizeof line - 1 ? n + (size_t)m : sizeof line - 2;
    line[n++] = '\n';
    ssize_t ignored = write(STDERR_FILENO, line, n);
    (void)ignored;
}
