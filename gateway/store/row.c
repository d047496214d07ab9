#include "gateway/store/row.h"

#include <stdlib.h>
#include <string.h>

char *
gw_row_join(const char *const *fields, int n, size_t *len)
{
    size_t total = 0, at = 0;
    char *row;

    for (int i = 0; i < n; i++)
        total += strlen(fields[i] != NULL ? fields[i] : "") + 1;
    if ((row = malloc(total)) == NULL)
        return NULL;
    for (int i = 0; i < n; i++) {
        const char *f = fields[i] != NULL ? fields[i] : "";
        size_t flen = strlen(f);
        memcpy(row + at, f, flen);
        at += flen;
        row[at++] = '\0';
    }
    *len = total - 1; /* the last NUL terminates, it does not separate */
    return row;
}

int
gw_row_split(char *row, size_t len, char **fields, int n)
{
    char *p = row, *end = row + len;
    int got = 0;

    while (got < n) {
        fields[got++] = p;
        char *nul = memchr(p, '\0', (size_t)(end - p));
        if (nul == NULL)
            break;
        p = nul + 1;
    }
    /* The last field runs to the end. */
    return got == n && memchr(fields[n - 1], '\0', (size_t)(end - fields[n - 1])) == NULL ? 0 : -1;
}
