/*
 * Rows: a record stored as one hash field, its fields joined by NUL bytes
 * (fields never hold NUL: they come from C strings). Internal to gateway/store/.
 */
#ifndef GW_STORE_ROW_H
#define GW_STORE_ROW_H

#include <hiredis/hiredis.h>
#include <stddef.h>

struct gw_ticket;

/* fields[0..n) (NULL reads as "") joined; malloc'd, length in *len; NULL on OOM. */
char *gw_row_join(const char *const *fields, int n, size_t *len);

/*
 * Splits row[0..len) (NUL-terminated at len, as hiredis replies are) in
 * place into exactly n fields. Returns 0, or -1 if it does not hold n.
 */
int gw_row_split(char *row, size_t len, char **fields, int n);

/*
 * The ticket rows (store/lua/lib/ticket.lua) of an array reply from element
 * first on, decoded in place (the tickets point into reply; nil and
 * malformed rows are left out): a calloc'd array of *n (NULL when none)
 * that the caller frees. In store/tickets.c.
 */
struct gw_ticket *gw_ticket_rows_decode(const redisReply *reply, size_t first, size_t *n);

#endif
