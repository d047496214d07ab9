/* The KEYS and ARGV of a script call (net/redis.h, struct gw_redis_args). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gateway/net/redis.h"
#include "gateway/net/redis_internal.h"
#include "gateway/util/log.h"

void
gw_redis_args_init(struct gw_redis_args *a)
{
    memset(a, 0, sizeof(*a));
}

static void
list_add(struct gw_redis_args *a, struct gw_redis_list *l, const void *p, size_t len)
{
    char *copy;

    if (l->n == l->cap) {
        int cap = l->cap ? 2 * l->cap : 16;
        char **v = realloc(l->v, (size_t)cap * sizeof(*v));
        size_t *lens = v != NULL ? realloc(l->len, (size_t)cap * sizeof(*lens)) : NULL;
        if (v != NULL)
            l->v = v;
        if (lens == NULL) {
            a->oom = 1;
            return;
        }
        l->len = lens;
        l->cap = cap;
    }
    if ((copy = malloc(len + 1)) == NULL) {
        a->oom = 1;
        return;
    }
    memcpy(copy, p, len);
    copy[len] = '\0';
    l->v[l->n] = copy;
    l->len[l->n++] = len;
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
    size_t len = strlen(key);
    for (int i = 0; i < a->keys.n; i++)
        if (a->keys.len[i] == len && memcmp(a->keys.v[i], key, len) == 0)
            return i + 1;
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
    char buf[24];
    int n = snprintf(buf, sizeof(buf), "%lld", v);
    list_add(a, &a->argv, buf, (size_t)n);
}

int
gw_redis_args_count(const struct gw_redis_args *a)
{
    return a->argv.n;
}

static void
list_clear(struct gw_redis_list *l)
{
    for (int i = 0; i < l->n; i++)
        free(l->v[i]);
    free(l->v);
    free(l->len);
    memset(l, 0, sizeof(*l));
}

void
gw_redis_args_clear(struct gw_redis_args *a)
{
    list_clear(&a->keys);
    list_clear(&a->argv);
    a->oom = 0;
    a->durable = 0;
}

void
gw_redis_eval_args(struct gw_redis *r, const struct gw_redis_script *script,
                   struct gw_redis_args *a, gw_redis_cb cb, void *privdata)
{
    int argc = a->keys.n + a->argv.n;
    const char **argv = calloc((size_t)argc + 1, sizeof(char *));
    size_t *lens = calloc((size_t)argc + 1, sizeof(size_t));

    if (a->oom || argv == NULL || lens == NULL) {
        gw_log(GW_LOG_ERROR, "out of memory building a Redis script call", NULL);
        abort();
    }
    for (int i = 0; i < a->keys.n; i++) {
        argv[i] = a->keys.v[i];
        lens[i] = a->keys.len[i];
    }
    for (int i = 0; i < a->argv.n; i++) {
        argv[a->keys.n + i] = a->argv.v[i];
        lens[a->keys.n + i] = a->argv.len[i];
    }
    gw_redis_eval_write(r, script, a->durable, cb, privdata, a->keys.n, argc, argv, lens);
    free(argv);
    free(lens);
    gw_redis_args_clear(a);
}
