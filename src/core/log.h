/*
 * Logging to stderr: one line per event, plain text on a terminal or JSON (`log_set_json`).
 * The level and format are set once at start-up from configuration; the request id, when a
 * thread is serving a request, comes from log_set_request_id() (thread-local).
 */
#ifndef PMIS_LOG_H
#define PMIS_LOG_H

#include "core/common.h"

enum log_level { LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR };

void log_set_level(enum log_level lvl);
void log_set_json(bool json);
/** Parse "debug|info|warn|error"; returns -1 on an unknown name. */
int log_level_parse(const char *s);
/** Thread-local request id included in every line; NULL clears it. */
void log_set_request_id(const char *id);

void log_msg(enum log_level lvl, const char *fmt, ...) PMIS_PRINTF(2, 3);
#define log_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)
#define log_info(...) log_msg(LOG_INFO, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_WARN, __VA_ARGS__)
#define log_error(...) log_msg(LOG_ERROR, __VA_ARGS__)

#endif
