/* KAIZEN_REDIS_URL: redis:// and unix:// URLs. */
#include "gateway/net/redis.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gateway/util/parse.h"

/* Percent-decodes src[0..len) into a new string; NULL on a bad escape. */
static char *
url_unescape(const char *src, size_t len)
{
    char *out = malloc(len + 1), *o = out;
    if (out == NULL)
        return NULL;
    for (size_t i = 0; i < len; i++) {
        if (src[i] == '%') {
            if (i + 2 >= len || !isxdigit((unsigned char)src[i + 1]) || !isxdigit((unsigned char)src[i + 2])) {
                free(out);
                return NULL;
            }
            char hex[3] = {src[i + 1], src[i + 2], '\0'};
            *o++ = (char)strtol(hex, NULL, 16);
            i += 2;
        } else {
            *o++ = src[i];
        }
    }
    *o = '\0';
    return out;
}

int
gw_redis_url_parse(const char *url, struct gw_redis_target *t, char *err, size_t errlen)
{
    memset(t, 0, sizeof(*t));
    if (strncmp(url, "unix://", 7) == 0) {
        const char *path = url + 7;
        if (*path != '/')
            return gw_fail(err, errlen, "unix:// URL needs an absolute socket path");
        t->kind = GW_REDIS_UNIX;
        const char *q = strchr(path, '?');
        t->path = q != NULL ? strndup(path, (size_t)(q - path)) : strdup(path);
        if (q != NULL && strncmp(q, "?db=", 4) == 0) {
            long db;
            if (gw_parse_long(q + 4, 0, 100000, &db) != 0)
                return gw_fail(err, errlen, "bad db number in unix:// URL");
            t->db = (int)db;
        }
        return 0;
    }
    if (strncmp(url, "redis://", 8) != 0)
        return gw_fail(err, errlen, "must start with redis:// or unix://");
    const char *p = url + 8;
    const char *at = strrchr(p, '@');
    const char *slash;
    if (at != NULL) {
        const char *colon = memchr(p, ':', (size_t)(at - p));
        /* redis://:password@host or redis://user:password@host (user ignored) */
        const char *pw = colon != NULL ? colon + 1 : p;
        t->password = url_unescape(pw, (size_t)(at - pw));
        if (t->password == NULL)
            return gw_fail(err, errlen, "bad %%-escape in password");
        p = at + 1;
    }
    slash = strchr(p, '/');
    size_t hostport_len = slash != NULL ? (size_t)(slash - p) : strlen(p);
    if (hostport_len == 0)
        return gw_fail(err, errlen, "missing host");
    char *hostport = strndup(p, hostport_len);
    char *colon = strrchr(hostport, ':');
    t->port = 6379;
    if (colon != NULL && strchr(hostport, ']') < colon) {
        long port;
        *colon = '\0';
        if (gw_parse_long(colon + 1, 1, 65535, &port) != 0) {
            free(hostport);
            return gw_fail(err, errlen, "bad port");
        }
        t->port = (int)port;
    }
    if (hostport[0] == '[') { /* [::1] */
        size_t n = strlen(hostport);
        if (n < 3 || hostport[n - 1] != ']') {
            free(hostport);
            return gw_fail(err, errlen, "bad IPv6 host");
        }
        t->host = strndup(hostport + 1, n - 2);
        free(hostport);
    } else {
        t->host = hostport;
    }
    if (t->host[0] == '\0')
        return gw_fail(err, errlen, "missing host");
    t->kind = GW_REDIS_TCP;
    if (slash != NULL && slash[1] != '\0') {
        long db;
        if (gw_parse_long(slash + 1, 0, 100000, &db) != 0)
            return gw_fail(err, errlen, "bad db number");
        t->db = (int)db;
    }
    return 0;
}

void
gw_redis_target_clear(struct gw_redis_target *t)
{
    free(t->host);
    free(t->path);
    free(t->password);
    memset(t, 0, sizeof(*t));
}
