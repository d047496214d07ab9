/*
 * Every id that crosses a boundary, built and parsed here and nowhere else:
 * ticket and canary ids (Redis, Slack, PagerDuty), outbox destinations and
 * message ids (Redis, and what an edit points at), and the values of the
 * gateway's Slack buttons. The store's scripts are passed these ids (and
 * the edit prefix) by C; they never rebuild one. Pure.
 *
 * Builders write into out[0..len) and return 0, or -1 when the id does
 * not fit: an id is never cut (a cut id could end inside a UTF-8
 * character, or name another object).
 */
#ifndef GW_WIRE_H
#define GW_WIRE_H

#include <stddef.h>
#include <stdint.h>

/* --- tickets and canaries --------------------------------------------------------- */

/* "gh:<repo full name>#<issue number>": a GitHub issue's ticket. */
int gw_wire_issue_id(char *out, size_t len, const char *repo, long long number);
/* "am:<fingerprint>": an Alertmanager alert's ticket. */
int gw_wire_alert_id(char *out, size_t len, const char *fingerprint);
/* "gh:<repo full name>:deployment:<deployment id>": a GitHub canary. */
int gw_wire_deployment_id(char *out, size_t len, const char *repo, long long id);

/* --- outbox destinations ------------------------------------------------------------- */

/*
 * Where a message goes: "pager" (PagerDuty; the routing key is in the
 * body), "slack" (the incoming webhook or KAIZEN_SLACK_CHANNEL) or
 * "slack:<channel>" (Web API mode with routes: that channel).
 */
#define GW_DEST_SLACK "slack"
#define GW_DEST_PAGER "pager"
/* "slack", or "slack:<channel>" when channel is not NULL. */
int gw_wire_slack_dest(char *out, size_t len, const char *channel);
/* The channel of "slack:<channel>", or NULL for any other destination. */
const char *gw_wire_dest_channel(const char *dest);

/* --- outbox message ids ---------------------------------------------------------------- */

/*
 * A message's id is unique and the same on every replica and attempt for
 * the same thing to send, so that enqueueing it twice is a no-op. Messages
 * of one batch (a digest split over messages, a grouped notice) share a
 * prefix and end in their number: gw_wire_batch_id.
 */

/* The digest of window ("2026-12-07T09:00", or "manual-<token>-<n>") to a
 * destination: "digest:<window>:" or "digest:<window>:<channel>:". */
int gw_wire_digest_prefix(char *out, size_t len, const char *window, const char *dest);
/* The weekly Kaizen report of period ("2026-W49") to a destination:
 * "report:<period>:" or "report:<period>:<channel>:". */
int gw_wire_report_prefix(char *out, size_t len, const char *period, const char *dest);
/* 1 when message id is the first part of a digest (its post opens the channel's thread). */
int gw_wire_opens_thread(const char *id);
/* The window name of a digest asked for by POST /api/digest: unique per replica and call. */
int gw_wire_manual_window(char *out, size_t len, const char *replica_token, unsigned seq);
/* The SLA-breach notices of page `page` of round: "breach:<round>:<page>." (+ "<channel>."). */
int gw_wire_notice_prefix(char *out, size_t len, const char *round, long page, const char *dest);
/* Message i (0-based) of n: "<prefix><i+1>/<n>" when numbered, else "<prefix><i+1>". */
int gw_wire_batch_id(char *out, size_t len, const char *prefix, size_t i, size_t n, int numbered);

/* A canary's page: one PagerDuty trigger and one Slack message per start. */
enum gw_page_sink { GW_PAGE_PAGER, GW_PAGE_SLACK };
/* "page:<canary id>:<started_at>:pager|slack" */
int gw_wire_page_id(char *out, size_t len, const char *canary, int64_t started_at,
                    enum gw_page_sink sink);
/* The PagerDuty resolve of a paged canary that ended: "resolve:<id>:<at_ms>". */
int gw_wire_resolve_id(char *out, size_t len, const char *canary, int64_t at_ms);
/* The PagerDuty acknowledge of a paged canary: "ack:<id>:<at_ms>". */
int gw_wire_pager_ack_id(char *out, size_t len, const char *canary, int64_t at_ms);

/*
 * An edit of a message posted before (Web API mode: chat.update). Its id
 * starts with GW_WIRE_EDIT_PREFIX; what follows only makes it unique. Its
 * body names the id of the message it edits.
 */
#define GW_WIRE_EDIT_PREFIX "edit:"
/* "edit:<why>:<target>", e.g. the resolve of a canary's Slack page. */
int gw_wire_edit_id(char *out, size_t len, const char *why, const char *target);
/* 1 when id is an edit's. */
int gw_wire_is_edit(const char *id);

/* --- Slack button values -------------------------------------------------------------------- */

/* What an Acknowledge button (or menu option) acknowledges. */
enum gw_ack_kind { GW_ACK_TICKET, GW_ACK_CANARY };
/* "ticket:<id>" or "canary:<id>"; -1 when it does not fit (Slack: 150 bytes an option). */
int gw_wire_button_value(char *out, size_t len, enum gw_ack_kind kind, const char *id);
/* The id in value, and its kind; NULL when value is not a button value of the gateway. */
const char *gw_wire_button_parse(const char *value, enum gw_ack_kind *kind);

#endif
