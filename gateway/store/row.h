/*
 * Rows: a record stored as one hash field, its fields joined by NUL bytes
 * (fields never hold NUL: they come from C strings). Internal to gateway/store/.
 */
#ifndef GW_STORE_ROW_H
#define GW_STORE_ROW_H

#include <stddef.h>

/* fields[0..n) (NULL reads as "") joined; malloc'd, length in *len; NULL on OOM. */
char *gw_row_join(const char *const *fields, int n, size_t *len);

/*
 * Splits row[0..len) (NUL-terminated at len, as hiredis replies are) in
 * place into exactly n fields. Returns 0, or -1 if it does not hold n.
 */
int gw_row_split(char *row, size_t len, char **fields, int n);

#endif
