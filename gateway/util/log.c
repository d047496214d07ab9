#include "gateway/util/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "gateway/util/utf8.h"

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

/* A line is built in one stack buffer and written with one write(2): no allocation. */
#define LINE_MAX_BYTES 4096

struct line {
    char buf[LINE_MAX_BYTES];
    size_t len;
    int full;
};

static void
put(struct line *l, const char *s, size_t n)
{
    if (l->full || l->len + n > LINE_MAX_BYTES - 8) {   /* room for the closing "…"} */
        l->full = 1;
        return;
    }
    memcpy(l->buf + l->len, s, n);
    l->len += n;
}

/* s as a JSON string; invalid UTF-8 becomes U+FFFD (the rare path allocates). */
static void
put_string(struct line *l, const char *s)
{
    static const char hex[] = "0123456789abcdef";
    size_t n = strlen(s);
    char *clean = NULL;

    if (!gw_utf8_valid(s, n) && (clean = gw_utf8_sanitize(s, n)) != NULL) {
        s = clean;
        n = strlen(s);
    }
    put(l, "\"", 1);
    for (size_t i = 0, run = 0; i <= n; i++) {
        unsigned char c = i < n ? (unsigned char)s[i] : 0;
        if (i < n && c >= 0x20 && c != '"' && c != '\\')
            continue;
        put(l, s + run, i - run);   /* the plain bytes before this one */
        run = i + 1;
        if (i == n)
            break;
        char esc[6] = {'\\', (char)c, 0, 0, 0, 0};
        if (c == '\n' || c == '\r' || c == '\t') {
            esc[1] = c == '\n' ? 'n' : c == '\r' ? 'r' : 't';
            put(l, esc, 2);
        } else if (c < 0x20) {
            esc[1] = 'u';
            esc[2] = '0';
            esc[3] = '0';
            esc[4] = hex[c >> 4];
            esc[5] = hex[c & 15];
            put(l, esc, 6);
        } else {
            put(l, esc, 2);
        }
    }
    put(l, "\"", 1);
    free(clean);
}

static void
put_field(struct line *l, const char *key, const char *value)
{
    size_t before = l->len;
    put(l, ",", 1);
    put_string(l, key);
    put(l, ":", 1);
    put_string(l, value);
    if (l->full) {
        l->len = before;   /* a field that does not fit is left out whole; later ones may */
        l->full = 0;
    }
}

/* "YYYY-MM-DDTHH:MM:SS" of the current second, formatted once per second. */
static void
timestamp(char out[32])
{
    static time_t cached_sec = -1;
    static char cached[24];
    struct timeval tv;
    struct tm tm;

    gettimeofday(&tv, NULL);
    if (tv.tv_sec != cached_sec) {
        gmtime_r(&tv.tv_sec, &tm);
        strftime(cached, sizeof(cached), "%Y-%m-%dT%H:%M:%S", &tm);
        cached_sec = tv.tv_sec;
    }
    snprintf(out, 32, "%s.%03dZ", cached, (int)(tv.tv_usec / 1000));
}

void
gw_log(enum gw_log_level level, const char *msg, ...)
{
    struct line l;
    char ts[32];
    va_list ap;

    if (level < min_level)
        return;
    l.len = 0;
    l.full = 0;
    timestamp(ts);
    put(&l, "{\"ts\":\"", 7);
    put(&l, ts, strlen(ts));
    put(&l, "\",\"level\":\"", 11);
    put(&l, level_names[level], strlen(level_names[level]));
    put(&l, "\"", 1);
    put_field(&l, "msg", msg);
    va_start(ap, msg);
    for (;;) {
        const char *key = va_arg(ap, const char *);
        if (key == NULL)
            break;
        const char *value = va_arg(ap, const char *);
        if (value != NULL)
            put_field(&l, key, value);
    }
    va_end(ap);
    l.full = 0;
    put(&l, "}\n", 2);
    (void)!write(STDERR_FILENO, l.buf, l.len);
}

void
gw_oom(const char *where)
{
    gw_log(GW_LOG_ERROR, "out of memory", "where", where, NULL);
    abort();
}

void
gw_bug(const char *what)
{
    gw_log(GW_LOG_ERROR, "internal error", "what", what, NULL);
    abort();
}
