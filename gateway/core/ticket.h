/*
 * Tickets: the unit the gateway tracks (a GitHub issue or an Alertmanager
 * alert), with severity, component and SLA deadline. Pure functions only.
 */
#ifndef GW_TICKET_H
#define GW_TICKET_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

enum gw_severity {
    GW_SEV_CRITICAL = 0,
    GW_SEV_HIGH,
    GW_SEV_MEDIUM,
    GW_SEV_LOW,
    GW_SEV_COUNT,
    GW_SEV_NONE = -1
};

enum gw_ticket_state { GW_TICKET_OPEN = 0, GW_TICKET_RESOLVED };

/* A ticket as stored in Redis. Strings are owned by whoever fills the
 * struct; gw_ticket_clear() frees them when they came from gw_ticket_*
 * constructors (malloc'd). Times are Unix seconds; 0 means "none". */
struct gw_ticket {
    char *id;
    char *source;      /* "github" | "alertmanager" */
    char *title;
    char *url;
    char *component;
    enum gw_severity severity;
    enum gw_ticket_state state;
    int64_t created_at;
    int64_t resolved_at;
    int64_t sla_deadline;
    int64_t updated_at;   /* last change: ordering key for stale detection and feeds */
    char *acked_by;       /* "@name" who acknowledged it from Slack; NULL: nobody */
    int64_t acked_at;
    int64_t reopened;     /* times it was opened again after a resolution */
};

/* 1 when id can name a ticket (an Acknowledge click's value): UTF-8, no controls, short. */
#define GW_TICKET_ID_MAX 512
int gw_ticket_id_valid(const char *id);

/* Releases the strings of t (free(NULL) safe) and zeroes it. */
void gw_ticket_clear(struct gw_ticket *t);

/* "critical" etc.; NULL for GW_SEV_NONE. */
const char *gw_severity_name(enum gw_severity s);
/* Parses a canonical severity name exactly; GW_SEV_NONE if unknown. */
enum gw_severity gw_severity_parse(const char *s);
const char *gw_ticket_state_name(enum gw_ticket_state s);

/*
 * Severity from one GitHub label: severity:X, severity/X, sev:X, sev/X,
 * priority:X (X = critical|high|medium|low, or p0..p3). Case-insensitive.
 * Returns GW_SEV_NONE when the label says nothing about severity.
 */
enum gw_severity gw_severity_from_label(const char *label);

/*
 * Component from one GitHub label: component:X, component/X, area:X, area/X.
 * Returns a pointer into label (the X part) and its length in *len, or NULL.
 */
const char *gw_component_from_label(const char *label, size_t *len);

/*
 * Severity from an Alertmanager `severity` label value: critical;
 * error/high/major -> high; warning/medium -> medium; info/low/minor -> low.
 */
enum gw_severity gw_severity_from_alert(const char *value);

enum gw_ticket_op {
    GW_OP_NONE = 0,     /* valid event the gateway does not use: "ignored" */
    GW_OP_UPSERT,       /* create or update the ticket from the snapshot */
    GW_OP_DROP,         /* no longer a ticket (label filter); may come back */
    GW_OP_REMOVE        /* deleted/transferred: remove and remember (tombstone) */
};

struct gw_ticket_change {
    enum gw_ticket_op op;
    struct gw_ticket ticket;    /* owned; id and updated_at always set for ops != NONE */
    /*
     * ticket.sla_deadline runs from created_at; this one from updated_at,
     * where a reopening restarts the SLA (core/sla.h). The store keeps the
     * deadline a ticket has unless the change is a severity change (then
     * ticket.sla_deadline) or a reopening (then this). 0: ticket.sla_deadline.
     */
    int64_t sla_restart;
};

/* Releases the ticket of change and sets op to NONE. */
void gw_ticket_change_clear(struct gw_ticket_change *change);

/* SLA seconds per severity (KAIZEN_SLA). */
struct gw_sla {
    int64_t seconds[GW_SEV_COUNT];
};

/* deadline = created + sla[severity]. */
int64_t gw_sla_deadline(const struct gw_sla *sla, enum gw_severity sev, int64_t created_at);

/* Remaining seconds at `now` (negative once breached). */
int64_t gw_sla_remaining(int64_t deadline, int64_t now);

enum gw_sla_colour { GW_SLA_GREEN, GW_SLA_ORANGE, GW_SLA_RED };
/* 🟢 remaining > warn >= 🟠 > crit >= 🔴 */
enum gw_sla_colour gw_sla_colour(int64_t remaining, int64_t warn, int64_t crit);

/* Which tickets a listing shows (/api/tickets, the tickets feed, the digest). */
enum gw_state_filter { GW_STATE_DEFAULT, GW_STATE_OPEN, GW_STATE_RESOLVED, GW_STATE_ALL };

struct gw_ticket_filter {
    const char *component;          /* NULL: any */
    enum gw_severity severity;      /* GW_SEV_NONE: any */
    enum gw_state_filter state;     /* DEFAULT: open + resolved ones changed within recent_seconds */
    int64_t recent_seconds;         /* 7 days */
    long limit;                     /* a page's size */
    const char *cursor;             /* where the page starts (opaque bytes), NULL: the first */
    size_t cursor_len;
    int64_t now;
};

/* Ticket -> JSON (docs/api.md "Ticket JSON"; sla_remaining_seconds at now). New reference. */
json_t *gw_ticket_json(const struct gw_ticket *t, int64_t now);

#endif
