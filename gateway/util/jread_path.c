/* The C side of gateway/util/jread.h: lookups in a parsed tree. */
#include "gateway/util/jread.h"

#include <string.h>

static const struct gw_jval *
member(const struct gw_jval *obj, const char *key, size_t len)
{
    if (obj == NULL || obj->type != GW_JOBJECT)
        return NULL;
    for (uint32_t i = 0; i < obj->n; i++) {
        const struct gw_jval *m = &obj->v.items[i];
        if (m->key_len == len && memcmp(m->key, key, len) == 0)
            return m;
    }
    return NULL;
}

const struct gw_jval *
gw_jget(const struct gw_jval *obj, const char *key)
{
    return member(obj, key, strlen(key));
}

const struct gw_jval *
gw_jpath(const struct gw_jval *obj, const char *path)
{
    for (;;) {
        const char *dot = strchr(path, '.');
        size_t n = dot != NULL ? (size_t)(dot - path) : strlen(path);
        if ((obj = member(obj, path, n)) == NULL || dot == NULL)
            return obj;
        path = dot + 1;
    }
}

const char *
gw_jstr(const struct gw_jval *v)
{
    return v != NULL && v->type == GW_JSTRING ? v->v.s : NULL;
}

int
gw_jis_null(const struct gw_jval *v)
{
    return v != NULL && v->type == GW_JNULL;
}
