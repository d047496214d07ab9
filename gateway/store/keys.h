/*
 * The Redis key schema: every key name the gateway uses, in one place.
 *
 * Every key carries the hash tag {kz}, so all of the gateway's state lives
 * in one Redis Cluster slot and every script (which is passed all the keys
 * it touches in KEYS) is valid on a Cluster.
 *
 * Tickets
 *   {kz}:ticket                hash  id -> row (see store/lua/lib/ticket.lua)
 *   {kz}:ix:open, {kz}:ix:resolved         lex zsets, newest change first
 *   {kz}:ix:c:open, {kz}:ix:c:resolved     the same by component and severity
 *   {kz}:ix:s:open, {kz}:ix:s:resolved     the same by severity
 *   {kz}:ix:c:sla              lex zset  open tickets by component and deadline
 *   {kz}:sla                   zset  id -> sla_deadline, open tickets
 *   {kz}:sla_pending           zset  id -> sla_deadline, open, breach not yet notified
 *   {kz}:breach_notified       hash  id -> the deadline whose breach was notified
 *   {kz}:open_counts           hash  "component\0severity" -> open tickets
 *   {kz}:tickets:version       counter bumped by every real ticket change, and
 *   {kz}:tickets:changed_at    when (Unix seconds): the feeds' ETag and Last-Modified
 *   {kz}:mttr:sum, {kz}:mttr:count  hash "component\0severity" -> seconds to resolution and
 *                              resolutions (kaizen_ticket_seconds), recorded as tickets resolve;
 *                              a count field exists (at 0) from the pair's first ticket
 *   {kz}:measures              hash "component\0severity\0<measure>" -> the other Kaizen
 *                              totals (core/measures.h; lib/ticket.lua names the measures)
 *   {kz}:ticket_ack            hash  id -> "acked_by\0acked_at", acknowledged from Slack (cleared
 *                              on reopen, deleted with the ticket)
 *   {kz}:ticket_reopen         hash  id -> "<times reopened> <when last reopened>" (deleted
 *                              with the ticket)
 *   {kz}:ix:since              lex zset  open tickets by "component\0severity\0source" and
 *                              the start of their opening: open counts and the oldest open
 *   {kz}:ix:since:cursor       how far tickets stored before that index were added to it
 *   {kz}:ticket_timeline       hash  id -> its events (store/lua/lib/ticket.lua; at most 100,
 *                              deleted with the ticket)
 *   {kz}:tomb:<id>             updated_at of a deleted issue (TTL KAIZEN_DELIVERY_TTL)
 *   {kz}:delivery:<src>:<id>   a delivery applied (TTL KAIZEN_DELIVERY_TTL)
 * Canaries
 *   {kz}:canary                hash  id -> row (see store/lua/lib/canary.lua)
 *   {kz}:canaries              zset  id -> started_at
 *   {kz}:canary_due            zset  id -> started_at + budget, active and not paged
 *   {kz}:canary_sha            zset  "repo@sha\0id" (score 0), for promotions
 *   {kz}:canary_tomb:<id>      updated_at of an ended GitHub canary (TTL)
 *   {kz}:canary_ack            hash  id -> "<acked_at> <acked_by>", active canaries acknowledged
 *                              from Slack (removed with the canary)
 *   {kz}:canary_page           hash  id -> "<Slack destination>\n<routing key>" a paged
 *                              canary's page went to (removed with the canary)
 * Outbox
 *   {kz}:outbox:queue:<dest>:<kind>  zset  id -> enqueue order (kind: page, digest, breach)
 *   {kz}:outbox:dests          zset  destination -> earliest next send (ms), while it has
 *                              something to send: rate limit and backoff
 *   {kz}:outbox:body           hash  id -> payload (pending and dead messages)
 *   {kz}:outbox:attempts       hash  id -> attempts so far
 *   {kz}:outbox:error          hash  id -> last error
 *   {kz}:outbox:dead           zset  id -> when it was dead-lettered (ms)
 *   {kz}:outbox:pending        counter  messages in the queues
 *   {kz}:outbox:lock:<dest>    lease of the replica sending the destination's head
 *   {kz}:outbox:history        list  the last 200 outcomes (JSON), newest first
 *   {kz}:outbox:seq            counter ordering every queue
 *   {kz}:slack:posted:<id>     "channel ts" of a message posted with the Web API, for
 *                              later edits (TTL GW_SLACK_POSTED_TTL)
 *   {kz}:slack:thread:<channel>  ts of the channel's latest digest message: breach
 *                              notices go in its thread (TTL 24 h)
 *   {kz}:slack:edit_tier       when the next chat.update may go, any channel (ms; PX the spacing)
 * The weekly Kaizen report (store/lua/lib/report.lua)
 *   {kz}:report:week:<period>  hash  "component\0severity\0source\0<measure>" -> the
 *                              aggregates of one week (or KAIZEN_REPORT_EVERY period)
 *   {kz}:report:weeks          zset  period label -> its start: the periods kept
 *   {kz}:report:claim:<period> a period's report claimed (TTL past its grace)
 *   {kz}:reports:records       zset  the last 26 reports posted (JSON) by time (ms)
 *   {kz}:reports:version, {kz}:reports:changed_at   the reports feed's validators
 * Digests
 *   {kz}:digest:window:<id>    a digest window claimed (TTL two windows)
 *   {kz}:digests:records       zset  the last 30 digest records (JSON) by time (ms)
 *   {kz}:digests:version, {kz}:digests:changed_at   as for tickets
 * SLA-breach rounds (store/lua/breach_round.lua)
 *   {kz}:breach:round          hash  owner, lease, check time, id, next page of the round under way
 *   {kz}:breach:listed         list  the tickets the round's notice lists
 *   {kz}:breach:notice_of      hash  id -> the outbox id of the notice listing the open
 *                              ticket (Web API mode: its resolve and ack edit it)
 *   {kz}:breach:notices        hash  notice -> descriptor (JSON), notice# -> its tickets
 *                              still pointing at it (store/lua/lib/notice.lua)
 * Upgrade and readiness
 *   {kz}:migrate:lock          lease of the replica carrying old keys over
 *   {kz}:probe                 written after each connect: ready once a write succeeds
 *
 * The first release wrote the same data under "kz:" names without a hash
 * tag (store/migrate.c carries it over); GW_LEGACY_* name those.
 */
#ifndef GW_KEYS_H
#define GW_KEYS_H

#include <stddef.h>

#define GW_KEY(name) "{kz}:" name

#define GW_KEY_TICKET           GW_KEY("ticket")
#define GW_KEY_IX_OPEN          GW_KEY("ix:open")
#define GW_KEY_IX_RESOLVED      GW_KEY("ix:resolved")
#define GW_KEY_IX_C_OPEN        GW_KEY("ix:c:open")
#define GW_KEY_IX_C_RESOLVED    GW_KEY("ix:c:resolved")
#define GW_KEY_IX_S_OPEN        GW_KEY("ix:s:open")
#define GW_KEY_IX_S_RESOLVED    GW_KEY("ix:s:resolved")
#define GW_KEY_IX_C_SLA         GW_KEY("ix:c:sla")
#define GW_KEY_SLA              GW_KEY("sla")
#define GW_KEY_SLA_PENDING      GW_KEY("sla_pending")
#define GW_KEY_BREACH_NOTIFIED  GW_KEY("breach_notified")
#define GW_KEY_OPEN_COUNTS      GW_KEY("open_counts")
#define GW_KEY_TICKETS_VERSION  GW_KEY("tickets:version")
#define GW_KEY_TICKETS_CHANGED  GW_KEY("tickets:changed_at")
#define GW_KEY_MTTR_SUM         GW_KEY("mttr:sum")
#define GW_KEY_MTTR_COUNT       GW_KEY("mttr:count")
#define GW_KEY_TICKET_ACK       GW_KEY("ticket_ack")
#define GW_KEY_MEASURES         GW_KEY("measures")
#define GW_KEY_TICKET_REOPEN    GW_KEY("ticket_reopen")
#define GW_KEY_IX_SINCE         GW_KEY("ix:since")
#define GW_KEY_IX_SINCE_CURSOR  GW_KEY("ix:since:cursor")
#define GW_KEY_TICKET_TIMELINE  GW_KEY("ticket_timeline")
#define GW_KEY_REPORT_WEEKS     GW_KEY("report:weeks")
#define GW_KEY_REPORTS          GW_KEY("reports:records")
#define GW_KEY_REPORTS_VERSION  GW_KEY("reports:version")
#define GW_KEY_REPORTS_CHANGED  GW_KEY("reports:changed_at")
#define GW_KEY_CANARY           GW_KEY("canary")
#define GW_KEY_CANARIES         GW_KEY("canaries")
#define GW_KEY_CANARY_DUE       GW_KEY("canary_due")
#define GW_KEY_CANARY_SHA       GW_KEY("canary_sha")
#define GW_KEY_CANARY_ACK       GW_KEY("canary_ack")
#define GW_KEY_CANARY_PAGE      GW_KEY("canary_page")
#define GW_KEY_OUTBOX_BODY      GW_KEY("outbox:body")
#define GW_KEY_OUTBOX_ATTEMPTS  GW_KEY("outbox:attempts")
#define GW_KEY_OUTBOX_ERROR     GW_KEY("outbox:error")
#define GW_KEY_OUTBOX_DEAD      GW_KEY("outbox:dead")
#define GW_KEY_OUTBOX_HISTORY   GW_KEY("outbox:history")
#define GW_KEY_OUTBOX_SEQ       GW_KEY("outbox:seq")
#define GW_KEY_OUTBOX_DESTS     GW_KEY("outbox:dests")
#define GW_KEY_OUTBOX_PENDING   GW_KEY("outbox:pending")
#define GW_KEY_EDIT_TIER        GW_KEY("slack:edit_tier")
#define GW_KEY_BREACH_ROUND     GW_KEY("breach:round")
#define GW_KEY_BREACH_LISTED    GW_KEY("breach:listed")
#define GW_KEY_NOTICE_OF        GW_KEY("breach:notice_of")
#define GW_KEY_NOTICE_MSG       GW_KEY("breach:notices")
#define GW_KEY_DIGESTS          GW_KEY("digests:records")
#define GW_KEY_DIGESTS_VERSION  GW_KEY("digests:version")
#define GW_KEY_DIGESTS_CHANGED  GW_KEY("digests:changed_at")
#define GW_KEY_MIGRATE_LOCK     GW_KEY("migrate:lock")
#define GW_KEY_PROBE            GW_KEY("probe")

/* Keys with a variable part: "{kz}:<kind>:<rest>". */
enum gw_key_kind {
    GW_KEY_TOMB,            /* rest: ticket id */
    GW_KEY_DELIVERY,        /* rest: "<source>:<delivery id>" */
    GW_KEY_CANARY_TOMB,     /* rest: canary id */
    GW_KEY_OUTBOX_QUEUE,    /* rest: "<destination>:<kind>" */
    GW_KEY_OUTBOX_LOCK,     /* rest: destination */
    GW_KEY_DIGEST_WINDOW,   /* rest: window id */
    GW_KEY_SLACK_POSTED,    /* rest: outbox message id */
    GW_KEY_SLACK_THREAD,    /* rest: channel */
    GW_KEY_REPORT_WEEK,     /* rest: period label (core/period.h) */
    GW_KEY_REPORT_CLAIM     /* rest: period label */
};

/*
 * The keys every ticket script takes first (KEYS[1..GW_TICKET_NKEYS]), in
 * this order, each with the name lib/ticket.lua's ticket_keys() gives it.
 * The one list: cmake/embed_lua.cmake writes the Lua side from it.
 */
#define GW_TICKET_KEYS(X)                                                       \
    X(ticket, GW_KEY_TICKET)                                                    \
    X(open, GW_KEY_IX_OPEN)                                                     \
    X(resolved, GW_KEY_IX_RESOLVED)                                             \
    X(c_open, GW_KEY_IX_C_OPEN)                                                 \
    X(c_resolved, GW_KEY_IX_C_RESOLVED)                                         \
    X(s_open, GW_KEY_IX_S_OPEN)                                                 \
    X(s_resolved, GW_KEY_IX_S_RESOLVED)                                         \
    X(c_sla, GW_KEY_IX_C_SLA)                                                   \
    X(sla, GW_KEY_SLA)                                                          \
    X(pending, GW_KEY_SLA_PENDING)                                              \
    X(notified, GW_KEY_BREACH_NOTIFIED)                                         \
    X(counts, GW_KEY_OPEN_COUNTS)                                               \
    X(version, GW_KEY_TICKETS_VERSION)                                          \
    X(changed, GW_KEY_TICKETS_CHANGED)                                          \
    X(mttr_sum, GW_KEY_MTTR_SUM)                                                \
    X(mttr_count, GW_KEY_MTTR_COUNT)                                            \
    X(ack, GW_KEY_TICKET_ACK)                                                   \
    X(measures, GW_KEY_MEASURES)                                                \
    X(reopen, GW_KEY_TICKET_REOPEN)                                             \
    X(since, GW_KEY_IX_SINCE)                                                   \
    X(timeline, GW_KEY_TICKET_TIMELINE)

struct gw_redis_args;
/* Adds the ticket keys (GW_TICKET_KEYS), in order. */
void gw_ticket_keys(struct gw_redis_args *a);

/* A malloc'd key name, or NULL when out of memory. */
char *gw_key(enum gw_key_kind kind, const char *rest);

/* The key of a GitHub delivery applied, {kz}:delivery:github:<X-GitHub-Delivery>, in buf;
 * returns buf, or NULL when it does not fit (GW_KEY_DELIVERY_LEN always fits an id the
 * handler accepts). */
#define GW_KEY_DELIVERY_LEN 600
char *gw_key_github_delivery(char *buf, size_t len, const char *delivery_id);

/* The same in buf; returns buf, or NULL if it does not fit. */
char *gw_key_buf(char *buf, size_t len, enum gw_key_kind kind, const char *rest);

/* The first release's names (store/migrate.c). */
#define GW_LEGACY_PATTERN        "kz:*"
#define GW_LEGACY_TICKET         "kz:ticket:"          /* + id: hash of fields */
#define GW_LEGACY_TICKETS        "kz:tickets"
#define GW_LEGACY_SLA            "kz:sla"
#define GW_LEGACY_SLA_PENDING    "kz:sla_pending"
#define GW_LEGACY_CANARY         "kz:canary:"          /* + id */
#define GW_LEGACY_CANARIES       "kz:canaries"
#define GW_LEGACY_CANARY_DUE     "kz:canary_due"
#define GW_LEGACY_OUTBOX_MSG     "kz:outbox:msg:"      /* + id */
#define GW_LEGACY_OUTBOX_QUEUE   "kz:outbox:queue:"    /* + sink */
#define GW_LEGACY_OUTBOX_DEAD    "kz:outbox:dead"
#define GW_LEGACY_OUTBOX_HISTORY "kz:outbox:history"
#define GW_LEGACY_OUTBOX_SEQ     "kz:outbox:seq"
#define GW_LEGACY_DIGESTS        "kz:digests"

/*
 * What the upgrade does with a first-release key found by SCAN: its new name
 * (malloc'd) when it expires and moves with its TTL, NULL with *drop = 1
 * when it holds nothing to carry over, NULL with *drop = 0 when another
 * step carries it (tickets, canaries, the outbox and their indexes).
 */
char *gw_legacy_key_rename(const char *legacy, int *drop);

#endif
