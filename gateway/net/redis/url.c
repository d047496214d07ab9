/* KAIZEN_REDIS_URL: redis[s]://, redis[s]-sentinel://, redis[s]-cluster:// and unix:// URLs; targets. */
#include "gateway/net/redis/url.h"

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

/* host:port or [v6]:port, default port def_port, into ep. */
static int
parse_endpoint(const char *p, size_t len, int def_port, struct gw_redis_endpoint *ep, char *err,
               size_t errlen)
{
    char *hostport = strndup(p, len), *colon;
    long port = def_port;

    if (hostport == NULL)
        return gw_fail(err, errlen, "out of memory");
    colon = strrchr(hostport, ':');
    if (colon != NULL && strchr(hostport, ']') < colon) {
        *colon = '\0';
        if (gw_parse_long(colon + 1, 1, 65535, &port) != 0) {
            free(hostport);
            return gw_fail(err, errlen, "bad port");
        }
    }
    ep->port = (int)port;
    if (hostport[0] == '[') { /* [::1] */
        size_t n = strlen(hostport);
        if (n < 3 || hostport[n - 1] != ']') {
            free(hostport);
            return gw_fail(err, errlen, "bad IPv6 host");
        }
        ep->host = strndup(hostport + 1, n - 2);
        free(hostport);
    } else {
        ep->host = hostport;
    }
    if (ep->host == NULL || ep->host[0] == '\0')
        return gw_fail(err, errlen, "missing host");
    return 0;
}

static const struct {
    const char *scheme;
    enum gw_redis_kind kind;
    int tls;
    int default_port;
} schemes[] = {
    {"redis://", GW_REDIS_TCP, 0, 6379},
    {"redis-sentinel://", GW_REDIS_SENTINEL, 0, 26379},
    {"redis-cluster://", GW_REDIS_CLUSTER, 0, 6379},
    {"rediss://", GW_REDIS_TCP, 1, 6379},
    {"rediss-sentinel://", GW_REDIS_SENTINEL, 1, 26379},
    {"rediss-cluster://", GW_REDIS_CLUSTER, 1, 6379},
};

/* user:password, :password or password (before the '@'), each part %-escaped. */
static int
parse_userinfo(const char *p, size_t len, struct gw_redis_auth *auth, char *err, size_t errlen)
{
    const char *colon = memchr(p, ':', len);
    const char *pw = colon != NULL ? colon + 1 : p;

    if (colon != NULL && colon > p &&
        (auth->username = url_unescape(p, (size_t)(colon - p))) == NULL)
        return gw_fail(err, errlen, "bad %%-escape in the user name");
    if ((auth->password = url_unescape(pw, len - (size_t)(pw - p))) == NULL)
        return gw_fail(err, errlen, "bad %%-escape in the password");
    if (auth->password[0] == '\0')
        return gw_fail(err, errlen, "empty password before '@'");
    return 0;
}

int
gw_redis_url_parse(const char *url, struct gw_redis_target *t, char *err, size_t errlen)
{
    const char *p = NULL, *at, *end, *query;
    int def_port = 0;

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
    for (size_t i = 0; i < sizeof(schemes) / sizeof(schemes[0]); i++) {
        size_t n = strlen(schemes[i].scheme);
        if (strncmp(url, schemes[i].scheme, n) == 0) {
            p = url + n;
            t->kind = schemes[i].kind;
            t->tls.on = schemes[i].tls;
            def_port = schemes[i].default_port;
        }
    }
    if (p == NULL)
        return gw_fail(err, errlen, "must start with redis://, rediss://, redis-sentinel://, "
                                    "rediss-sentinel://, redis-cluster://, rediss-cluster:// "
                                    "or unix://");
    query = strchr(p, '?');
    end = query != NULL ? query : p + strlen(p);
    at = NULL;
    for (const char *c = p; c < end; c++)
        if (*c == '@')
            at = c;
    if (at != NULL) {
        if (parse_userinfo(p, (size_t)(at - p), &t->auth, err, errlen) != 0)
            return -1;
        p = at + 1;
    }
    const char *slash = memchr(p, '/', (size_t)(end - p));
    const char *hosts_end = slash != NULL ? slash : end;
    if (hosts_end == p)
        return gw_fail(err, errlen, "missing host");
    /* host:port[,host:port...]: one for redis://, Sentinels or seeds for the others */
    for (const char *h = p; h < hosts_end;) {
        const char *comma = memchr(h, ',', (size_t)(hosts_end - h));
        const char *h_end = comma != NULL ? comma : hosts_end;
        struct gw_redis_endpoint *grown;
        if (t->nendpoints == 8)
            return gw_fail(err, errlen, "at most 8 hosts");
        if (t->kind == GW_REDIS_TCP && t->nendpoints == 1)
            return gw_fail(err, errlen, "redis:// takes one host (use redis-sentinel:// or "
                                        "redis-cluster:// for several)");
        grown = realloc(t->endpoints, (t->nendpoints + 1) * sizeof(*grown));
        if (grown == NULL)
            return gw_fail(err, errlen, "out of memory");
        t->endpoints = grown;
        memset(&t->endpoints[t->nendpoints], 0, sizeof(*grown));
        if (parse_endpoint(h, (size_t)(h_end - h), def_port, &t->endpoints[t->nendpoints++], err,
                           errlen) != 0)
            return -1;
        h = comma != NULL ? comma + 1 : hosts_end;
    }
    if (slash != NULL && slash + 1 < end) {
        long db;
        char *db_s = strndup(slash + 1, (size_t)(end - slash - 1));
        int rc = db_s != NULL ? gw_parse_long(db_s, 0, 100000, &db) : -1;
        free(db_s);
        if (rc != 0)
            return gw_fail(err, errlen, "bad db number");
        t->db = (int)db;
    }
    if (t->kind == GW_REDIS_CLUSTER && t->db != 0)
        return gw_fail(err, errlen, "a Redis Cluster has only db 0");
    if (query != NULL) {
        if (t->kind != GW_REDIS_SENTINEL || strncmp(query, "?master=", 8) != 0 ||
            query[8] == '\0' || strchr(query + 8, '&') != NULL)
            return gw_fail(err, errlen, "the only query is ?master=NAME, for redis-sentinel://");
        t->master = strdup(query + 8);
    }
    if (t->kind == GW_REDIS_SENTINEL && t->master == NULL)
        return gw_fail(err, errlen, "redis-sentinel:// needs ?master=NAME");
    return 0;
}

void
gw_redis_target_clear(struct gw_redis_target *t)
{
    for (size_t i = 0; i < t->nendpoints; i++)
        free(t->endpoints[i].host);
    free(t->endpoints);
    free(t->path);
    free(t->auth.username);
    free(t->auth.password);
    free(t->sentinel_auth.username);
    free(t->sentinel_auth.password);
    free(t->tls.ca_file);
    free(t->tls.cert_file);
    free(t->tls.key_file);
    free(t->tls.server_name);
    free(t->master);
    memset(t, 0, sizeof(*t));
}

/* A copy of s (NULL stays NULL) into *d; -1 when out of memory. */
static int
copy_str(char **d, const char *s)
{
    *d = s != NULL ? strdup(s) : NULL;
    return s != NULL && *d == NULL ? -1 : 0;
}

int
gw_redis_target_copy(struct gw_redis_target *dst, const struct gw_redis_target *src)
{
    memset(dst, 0, sizeof(*dst));
    dst->kind = src->kind;
    dst->db = src->db;
    dst->tls.on = src->tls.on;
    if (copy_str(&dst->path, src->path) != 0 || copy_str(&dst->master, src->master) != 0 ||
        copy_str(&dst->auth.username, src->auth.username) != 0 ||
        copy_str(&dst->auth.password, src->auth.password) != 0 ||
        copy_str(&dst->sentinel_auth.username, src->sentinel_auth.username) != 0 ||
        copy_str(&dst->sentinel_auth.password, src->sentinel_auth.password) != 0 ||
        copy_str(&dst->tls.ca_file, src->tls.ca_file) != 0 ||
        copy_str(&dst->tls.cert_file, src->tls.cert_file) != 0 ||
        copy_str(&dst->tls.key_file, src->tls.key_file) != 0 ||
        copy_str(&dst->tls.server_name, src->tls.server_name) != 0)
        return -1;
    if (src->nendpoints > 0 &&
        (dst->endpoints = calloc(src->nendpoints, sizeof(*dst->endpoints))) == NULL)
        return -1;
    for (size_t i = 0; i < src->nendpoints; i++) {
        dst->endpoints[i].port = src->endpoints[i].port;
        if ((dst->endpoints[i].host = strdup(src->endpoints[i].host)) == NULL)
            return -1;
    }
    dst->nendpoints = src->nendpoints;
    return 0;
}
