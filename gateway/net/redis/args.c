/*
 * A script call: the script's SHA1 and the KEYS and ARGV (net/redis.h,
 * struct gw_redis_args), written straight into the Redis protocol.
 */
#include "gateway/net/redis/args.h"

#include <openssl/sha.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gateway/util/log.h"
#include "gateway/util/parse.h"

void
gw_redis_script_init(struct gw_redis_script *s, const char *name, const char *source)
{
    static const char hex[] = "0123456789abcdef";
    unsigned char digest[SHA_DIGEST_LENGTH];

    s->name = name;
    s->source = source;
    SHA1((const unsigned char *)s->source, strlen(s->source), digest);
    for (int i = 0; i < SHA_DIGEST_LENGTH; i++) {
        s->sha[2 * i] = hex[digest[i] >> 4];
        s->sha[2 * i + 1] = hex[digest[i] & 15];
    }
    s->sha[40] = '\0';
}

void
gw_redis_args_init(struct gw_redis_args *a)
{
    memset(a, 0, sizeof(*a));
}

static int
reserve(struct gw_redis_list *l, size_t more)
{
    if (l->len + more <= l->cap)
        return 0;
    size_t cap = l->cap ? l->cap : 256;
    while (cap < l->len + more)
        cap *= 2;
    char *grown = realloc(l->p, cap);
    if (grown == NULL)
        return -1;
    l->p = grown;
    l->cap = cap;
    return 0;
}

/* Appends "$<len>\r\n<bytes>\r\n". */
static void
list_add(struct gw_redis_args *a, struct gw_redis_list *l, const void *p, size_t len)
{
    char digits[GW_INT_TEXT], *d = gw_int_text((long long)len, digits);
    size_t dlen = strlen(d);

    if (reserve(l, 1 + dlen + 2 + len + 2) != 0) {
        a->oom = 1;
        return;
    }
    char *out = l->p + l->len;
    *out++ = '$';
    memcpy(out, d, dlen);
    out += dlen;
    *out++ = '\r';
    *out++ = '\n';
    memcpy(out, p, len);
    out += len;
    *out++ = '\r';
    *out++ = '\n';
    l->len = (size_t)(out - l->p);
    l->n++;
}

int
gw_redis_args_key(struct gw_redis_args *a, const char *key)
{
    list_add(a, &a->keys, key, strlen(key));
    return a->keys.n;
}

int
gw_redis_args_key_once(struct gw_redis_args *a, const char *key)
{
    size_t len = strlen(key), at = 0;

    /* Walks the "$<n>\r\n<key>\r\n" entries (not NUL-terminated: no str*()). */
    for (int i = 0; i < a->keys.n; i++) {
        const char *p = a->keys.p + at + 1;
        size_t n = 0;
        while (*p >= '0' && *p <= '9')
            n = n * 10 + (size_t)(*p++ - '0');
        const char *data = p + 2;
        if (n == len && memcmp(data, key, len) == 0)
            return i + 1;
        at = (size_t)(data - a->keys.p) + n + 2;
    }
    return gw_redis_args_key(a, key);
}

void
gw_redis_args_str(struct gw_redis_args *a, const char *s)
{
    list_add(a, &a->argv, s != NULL ? s : "", s != NULL ? strlen(s) : 0);
}

void
gw_redis_args_mem(struct gw_redis_args *a, const void *p, size_t len)
{
    list_add(a, &a->argv, p, len);
}

void
gw_redis_args_int(struct gw_redis_args *a, long long v)
{
    char buf[GW_INT_TEXT], *d = gw_int_text(v, buf);
    list_add(a, &a->argv, d, strlen(d));
}

int
gw_redis_args_count(const struct gw_redis_args *a)
{
    return a->argv.n;
}

void
gw_redis_args_clear(struct gw_redis_args *a)
{
    free(a->keys.p);
    free(a->argv.p);
    memset(a, 0, sizeof(*a));
}

char *
gw_redis_args_command(const struct gw_redis_script *script, const struct gw_redis_args *a,
                      size_t *len)
{
    char head[128], *cmd;
    int n = snprintf(head, sizeof(head), "*%d\r\n$7\r\nEVALSHA\r\n$%zu\r\n%s\r\n", 3 + a->keys.n +
                     a->argv.n, strlen(script->sha), script->sha);
    char digits[GW_INT_TEXT], *d = gw_int_text(a->keys.n, digits);
    size_t dlen = strlen(d);
    int oom = a->oom;

    if (n < 0 || (size_t)n + 16 >= sizeof(head)) {
        oom = 1;
    } else {
        /* numkeys, as a bulk string */
        head[n++] = '$';
        head[n++] = (char)('0' + dlen);
        head[n++] = '\r';
        head[n++] = '\n';
        memcpy(head + n, d, dlen);
        n += (int)dlen;
        head[n++] = '\r';
        head[n++] = '\n';
    }
    *len = (size_t)n + a->keys.len + a->argv.len;
    if (oom || (cmd = malloc(*len + 1)) == NULL) {
        gw_oom("building a Redis script call");
    }
    memcpy(cmd, head, (size_t)n);
    if (a->keys.len > 0)
        memcpy(cmd + n, a->keys.p, a->keys.len);
    if (a->argv.len > 0)
        memcpy(cmd + n + a->keys.len, a->argv.p, a->argv.len);
    cmd[*len] = '\0';
    return cmd;
}
