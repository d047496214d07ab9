/*
 * Host names to addresses without blocking the loop (resolve.c): evdns,
 * with /etc/resolv.conf and /etc/hosts. For the client's parts in
 * gateway/net/redis/ only.
 */
#ifndef GW_REDIS_RESOLVE_H
#define GW_REDIS_RESOLVE_H

struct event_base;
struct evdns_base;
struct gw_resolve;

/* ip: a numeric address, valid during the call; or NULL, with error (valid during the call). */
typedef void (*gw_resolve_cb)(const char *ip, const char *error, void *arg);

/*
 * Resolves host (a numeric address answers itself). cb runs exactly once,
 * from the loop and never inside this call, unless gw_resolve_cancel comes
 * first; the resolution frees itself after cb. host need not outlive the
 * call; base and dns must outlive the resolution. Out of memory aborts.
 */
struct gw_resolve *gw_resolve_start(struct event_base *base, struct evdns_base *dns,
                                    const char *host, gw_resolve_cb cb, void *arg);

/* Stops q before its callback (which then never runs) and frees it. NULL is a no-op. */
void gw_resolve_cancel(struct gw_resolve *q);

#endif
