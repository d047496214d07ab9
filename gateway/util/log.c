#include "gateway/util/log.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

static enum gw_log_level min_level = GW_LOG_INFO;
static const char *const level_names[] = {"debug", "info", "warn", "error"};

void
gw_log_set_level(enum gw_log_level level)
{
    min_level = level;
}

int
gw_log_level_parse(const char *s, enum gw_log_level *out)
{
    for (int i = 0; i <= GW_LOG_ERROR; i++) {
        if (strcmp(s, level_names[i]) == 0) {
            *out = (enum gw_log_level)i;
            return 0;
        }
    }
    return -1;
}

void
gw_log(enum gw_log_level level, const char *msg, ...)
{
    char ts[64];
    struct timeval tv;
    struct tm tm;
    json_t *line;
    char *text;
    va_list ap;

    if (level < min_level)
        return;
    gettimeofday(&tv, NULL);
    gmtime_r(&tv.tv_sec, &tm);
    snprintf(ts, sizeof(ts), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
             tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
             (int)(tv.tv_usec / 1000));

    line = json_object();
    json_object_set_new(line, "ts", json_string(ts));
    json_object_set_new(line, "level", json_string(level_names[level]));
    json_object_set_new(line, "msg", json_string(msg));
    va_start(ap, msg);
    for (;;) {
        const char *key = va_arg(ap, const char *);
        if (key == NULL)
            break;
        const char *value = va_arg(ap, const char *);
        if (value != NULL)
            json_object_set_new(line, key, json_string(value));
    }
    va_end(ap);

    /* json_string() rejects invalid UTF-8 and yields NULL; set_new ignores it. */
    text = json_dumps(line, JSON_COMPACT | JSON_PRESERVE_ORDER);
    if (text != NULL) {
        fprintf(stderr, "%s\n", text);
        free(text);
    }
    json_decref(line);
}
