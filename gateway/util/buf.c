#include "gateway/util/buf.h"

#include <stdlib.h>
#include <string.h>

int
gw_buf_add(struct gw_buf *b, const char *s, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap != 0 ? b->cap : 64;
        while (cap < b->len + n + 1)
            cap *= 2;
        char *p = realloc(b->p, cap);
        if (p == NULL)
            return -1;
        b->p = p;
        b->cap = cap;
    }
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
