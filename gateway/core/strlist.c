#include "gateway/core/strlist.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

int
gw_strlist_split(const char *s, struct gw_strlist *out)
{
    out->items = NULL;
    out->n = 0;
    if (s == NULL)
        return 0;
    const char *p = s;
    while (*p != '\0') {
        const char *end = strchr(p, ',');
        size_t len = end != NULL ? (size_t)(end - p) : strlen(p);
        const char *b = p, *e = p + len;
        while (b < e && isspace((unsigned char)*b))
            b++;
        while (e > b && isspace((unsigned char)e[-1]))
            e--;
        if (e > b) {
            char **grown = realloc(out->items, (out->n + 1) * sizeof(char *));
            if (grown == NULL)
                return -1;
            out->items = grown;
            out->items[out->n++] = strndup(b, (size_t)(e - b));
        }
        if (end == NULL)
            break;
        p = end + 1;
    }
    return 0;
}

void
gw_strlist_free(struct gw_strlist *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->items[i]);
    free(l->items);
    l->items = NULL;
    l->n = 0;
}

int
gw_strlist_contains(const struct gw_strlist *l, const char *s)
{
    for (size_t i = 0; i < l->n; i++)
        if (strcmp(l->items[i], s) == 0)
            return 1;
    return 0;
}
