/*
 * Logging: level filter, text or JSON lines on stderr, UTC timestamps with milliseconds.
 */
#include "core/common.h"
#include "core/log.h"
#include "core/strbuf.h"

#include <sys/time.h>

static enum log_level log_level_min = LOG_INFO;
static bool log_json;
static _Thread_local char log_reqid[64];

static const char *const level_names[] = { "debug", "info", "warn", "error" };

void log_set_level(enum log_level lvl)
{
    log_level_min = lvl;
}
void log_set_json(bool json)
{
    log_json = json;
}

int log_level_parse(const char *s)
{
    for (size_t i = 0; i < ARRAY_SIZE(level_names); i++)
        if (!strcmp(s, level_names[i]))
            return (int)i;
    return -1;
}

void log_set_request_id(const char *id)
{
    snprintf(log_reqid, sizeof(log_reqid), "%s", id ? id : "");
}

void log_msg(enum log_level lvl, const char *fmt, ...)
{
    if (lvl < log_level_min)
        return;
    struct timeval tv;
    struct tm tm;
    gettimeofday(&tv, NULL);
    gmtime_r(&tv.tv_sec, &tm);
    char ts[64];
    snprintf(ts, sizeof(ts), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
             tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (int)(tv.tv_usec / 1000));

    struct strbuf msg = STRBUF_INIT, line = STRBUF_INIT;
    va_list ap;
    va_start(ap, fmt);
    strbuf_vaddf(&msg, fmt, ap);
    va_end(ap);
    if (log_json) {
        strbuf_addf(&line, "{\"ts\":\"%s\",\"level\":\"%s\"", ts, level_names[lvl]);
        if (log_reqid[0]) {
            strbuf_addstr(&line, ",\"request_id\":");
            strbuf_add_json_str(&line, log_reqid);
        }
        strbuf_addstr(&line, ",\"msg\":");
        strbuf_add_json_str(&line, msg.buf);
        strbuf_addstr(&line, "}\n");
    } else {
        strbuf_addf(&line, "%s %-5s %s%s%s%s\n", ts, level_names[lvl], log_reqid[0] ? "[" : "",
                    log_reqid, log_reqid[0] ? "] " : "", msg.buf);
    }
    fwrite(line.buf, 1, line.len, stderr);
    strbuf_release(&msg);
    strbuf_release(&line);
}
