/*
 * JSON-lines logging on stderr: {"ts":..., "level":..., "msg":..., ...}.
 * Callers pass structured fields as key/value string pairs; values are JSON
 * escaped. Never log a secret or a request body.
 */
#ifndef GW_LOG_H
#define GW_LOG_H

enum gw_log_level { GW_LOG_DEBUG = 0, GW_LOG_INFO, GW_LOG_WARN, GW_LOG_ERROR };

void gw_log_set_level(enum gw_log_level level);
/* Parses "debug"|"info"|"warn"|"error"; returns -1 if unknown. */
int gw_log_level_parse(const char *s, enum gw_log_level *out);

/*
 * Writes one line. The variadic part is a NULL-terminated list of
 * (const char *key, const char *value) pairs; a NULL value is skipped.
 *   gw_log(GW_LOG_INFO, "webhook applied", "delivery", id, "event", ev, NULL);
 */
void gw_log(enum gw_log_level level, const char *msg, ...);

/*
 * The out-of-memory policy (docs/architecture.md): a request handler that
 * cannot allocate answers 500; everywhere else the process logs one line
 * ("out of memory", where) and aborts, as Redis does: a half-done change is
 * worse than a restart. gw_bug is the same for a broken invariant.
 */
__attribute__((noreturn)) void gw_oom(const char *where);
__attribute__((noreturn)) void gw_bug(const char *what);

#endif
