/* A growable NUL-terminated string, and the growth of any malloc'd array. Pure. */
#ifndef GW_BUF_H
#define GW_BUF_H

#include <stddef.h>

struct gw_buf {
    char *p;          /* NULL until the first append; else NUL-terminated at len */
    size_t len, cap;
};

/* Appends s[0..n) / s; -1 when out of memory (the buffer keeps what it had). */
int gw_buf_add(struct gw_buf *b, const char *s, size_t n);
int gw_buf_str(struct gw_buf *b, const char *s);

/* Makes room now for n more bytes, so appending them needs no allocation; -1 on OOM. */
int gw_buf_reserve(struct gw_buf *b, size_t n);

/* Hands the text over to the caller ("" when nothing was appended) and empties b; NULL on OOM. */
char *gw_buf_take(struct gw_buf *b);

/*
 * Returns p (an array of *cap elements of elem bytes) grown geometrically to
 * hold `need` elements, updating *cap: p itself when it already does, NULL
 * on overflow or out of memory with p and *cap untouched.
 */
void *gw_grow(void *p, size_t *cap, size_t need, size_t elem);

#endif
