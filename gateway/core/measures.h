/*
 * The Kaizen measures of tickets, per component and severity: time to
 * acknowledge (MTTA) and to resolve (MTTR) as histograms, SLA outcomes at
 * each resolution, and reopens. The store counts them once, in Redis, in the
 * script that applies the change; every replica exports the same totals
 * (kaizen_ticket_seconds, kaizen_ticket_ack_seconds, kaizen_ticket_sla_total,
 * kaizen_ticket_reopened_total).
 *
 * GW_TICKET_BUCKETS is the one list of the histograms' upper bounds, in
 * seconds: 5m, 15m, 30m, 1h, 2h, 4h, 8h, 24h, 72h, 168h (+Inf implied), so
 * that they bracket the SLAs. The store's Lua scripts get the same list
 * (cmake/embed_lua.cmake writes it from this header); anything that keeps
 * other aggregates of these times (per week, say) buckets them with it too.
 */
#ifndef GW_MEASURES_H
#define GW_MEASURES_H

#define GW_TICKET_BUCKETS(X)                                                    \
    X(300)                                                                      \
    X(900)                                                                      \
    X(1800)                                                                     \
    X(3600)                                                                     \
    X(7200)                                                                     \
    X(14400)                                                                    \
    X(28800)                                                                    \
    X(86400)                                                                    \
    X(259200)                                                                   \
    X(604800)

#define GW_BUCKET_ONE(bound) +1
enum { GW_TICKET_NBUCKETS = 0 GW_TICKET_BUCKETS(GW_BUCKET_ONE) };
#undef GW_BUCKET_ONE

/* The bounds of GW_TICKET_BUCKETS, in order. */
extern const double gw_ticket_bucket_bounds[GW_TICKET_NBUCKETS];

/* A histogram of times: totals, and the count of each bucket (not cumulative;
 * observations above the last bound are in count only). */
struct gw_time_histogram {
    long long sum, count;
    long long buckets[GW_TICKET_NBUCKETS];
};

/* The totals of one component and severity, all replicas together. Strings
 * are borrowed from whoever filled the struct. */
struct gw_ticket_measures {
    const char *component;
    const char *severity;
    struct gw_time_histogram resolve;   /* created (or reopened) -> resolved */
    struct gw_time_histogram ack;       /* created (or reopened) -> first acknowledgement */
    long long sla_met, sla_breached;    /* resolutions at or before the deadline, after it */
    long long reopened;                 /* resolved tickets opened again */
};

#endif
