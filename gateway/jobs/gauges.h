/*
 * The families read from Redis (identical on every replica): open and
 * breached tickets, the Kaizen measures of tickets, outbox pending and dead,
 * active canaries' start times and budgets. A failed read keeps the last
 * known values.
 */
#ifndef GW_GAUGES_H
#define GW_GAUGES_H

struct gw_tickets;
struct gw_outbox;
struct gw_canaries;
struct gw_telemetry;

/* Everything is borrowed and outlives the job. */
struct gw_gauges_deps {
    struct gw_tickets *tickets;
    struct gw_outbox *outbox;
    struct gw_canaries *canaries;
    struct gw_telemetry *telemetry;   /* the gauges and Redis-derived families it sets */
};

void gw_gauges_refresh(const struct gw_gauges_deps *d);

#endif
