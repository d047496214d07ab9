/* A list of strings parsed from a comma-separated value. Pure. */
#ifndef GW_STRLIST_H
#define GW_STRLIST_H

#include <stddef.h>

struct gw_strlist {
    char **items;
    size_t n;
};

/* Splits a comma-separated list, trimming spaces, dropping empty items. */
int gw_strlist_split(const char *s, struct gw_strlist *out);
void gw_strlist_free(struct gw_strlist *l);
/* Case-sensitive membership. */
int gw_strlist_contains(const struct gw_strlist *l, const char *s);

#endif
