/* proxy/log.h — one-line logs to stderr: time, level, message. */
#ifndef PROXY_LOG_H
#define PROXY_LOG_H

#include <stdbool.h>

#include "conf/conf.h"

void log_set_level(conf_log_level level);
bool log_enabled(conf_log_level level);
__attribute__((format(printf, 2, 3))) void log_msg(conf_log_level level, const char *fmt, ...);

#define log_error(...) log_msg(CONF_LOG_ERROR, __VA_ARGS__)
#define log_warning(...) log_msg(CONF_LOG_WARNING, __VA_ARGS__)
#define log_info(...) log_msg(CONF_LOG_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(CONF_LOG_DEBUG, __VA_ARGS__)

#endif
