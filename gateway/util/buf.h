/* A growable NUL-terminated string. Pure. */
#ifndef GW_BUF_H
#define GW_BUF_H

#include <stddef.h>

struct gw_buf {
    char *p;          /* NULL until the first append */
    size_t len, cap;
};

/* Appends s[0..n) / s; -1 when out of memory (the buffer keeps what it had). */
int gw_buf_add(struct gw_buf *b, const char *s, size_t n);
int gw_buf_str(struct gw_buf *b, const char *s);

/* Hands the text over to the caller ("" when nothing was appended) and empties b; NULL on OOM. */
char *gw_buf_take(struct gw_buf *b);

#endif
