#include "gateway/util/buf.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

void *
gw_grow(void *p, size_t *cap, size_t need, size_t elem)
{
    size_t n = *cap > 0 ? *cap : 64;
    void *q;

    if (need <= *cap)
        return p;
    while (n < need) {
        if (n > SIZE_MAX / 2 / elem)
            return NULL;
        n *= 2;
    }
    if ((q = realloc(p, n * elem)) == NULL)
        return NULL;
    *cap = n;
    return q;
}

int
gw_buf_reserve(struct gw_buf *b, size_t n)
{
    char *p;

    if (n > SIZE_MAX - 1 - b->len)
        return -1;
    if ((p = gw_grow(b->p, &b->cap, b->len + n + 1, 1)) == NULL)
        return -1;
    b->p = p;
    b->p[b->len] = '\0';
    return 0;
}

int
gw_buf_add(struct gw_buf *b, const char *s, size_t n)
{
    if (n >= b->cap - b->len && gw_buf_reserve(b, n) < 0)
        return -1;
    if (n > 0)      /* s may be NULL then */
        memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
    return 0;
}

int
gw_buf_str(struct gw_buf *b, const char *s)
{
    return gw_buf_add(b, s, strlen(s));
}

char *
gw_buf_take(struct gw_buf *b)
{
    char *p;

    if (b->p == NULL && gw_buf_add(b, "", 0) < 0)
        return NULL;
    p = b->p;
    memset(b, 0, sizeof(*b));
    return p;
}
