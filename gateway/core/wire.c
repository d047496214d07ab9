#include "gateway/core/wire.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define SLACK_PREFIX GW_DEST_SLACK ":"
#define TICKET_VALUE "ticket:"
#define CANARY_VALUE "canary:"

/* snprintf that refuses to cut: -1 (and out = "") when the text does not fit. */
__attribute__((format(printf, 3, 4))) static int
put(char *out, size_t len, const char *fmt, ...)
{
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(out, len, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= len) {
        if (len > 0)
            out[0] = '\0';
        return -1;
    }
    return 0;
}

int
gw_wire_issue_id(char *out, size_t len, const char *repo, long long number)
{
    return put(out, len, "gh:%s#%lld", repo, number);
}

int
gw_wire_alert_id(char *out, size_t len, const char *fingerprint)
{
    return put(out, len, "am:%s", fingerprint);
}

int
gw_wire_deployment_id(char *out, size_t len, const char *repo, long long id)
{
    return put(out, len, "gh:%s:deployment:%lld", repo, id);
}

int
gw_wire_slack_dest(char *out, size_t len, const char *channel)
{
    return channel != NULL ? put(out, len, SLACK_PREFIX "%s", channel)
                           : put(out, len, GW_DEST_SLACK);
}

const char *
gw_wire_dest_channel(const char *dest)
{
    return strncmp(dest, SLACK_PREFIX, strlen(SLACK_PREFIX)) == 0 ? dest + strlen(SLACK_PREFIX)
                                                                  : NULL;
}

int
gw_wire_digest_prefix(char *out, size_t len, const char *window, const char *dest)
{
    const char *channel = gw_wire_dest_channel(dest);
    return channel != NULL ? put(out, len, "digest:%s:%s:", window, channel)
                           : put(out, len, "digest:%s:", window);
}

int
gw_wire_report_prefix(char *out, size_t len, const char *period, const char *dest)
{
    const char *channel = gw_wire_dest_channel(dest);
    return channel != NULL ? put(out, len, "report:%s:%s:", period, channel)
                           : put(out, len, "report:%s:", period);
}

int
gw_wire_opens_thread(const char *id)
{
    return strncmp(id, "digest:", 7) == 0 && strstr(id, ":1/") != NULL;
}

int
gw_wire_manual_window(char *out, size_t len, const char *replica_token, unsigned seq)
{
    return put(out, len, "manual-%s-%u", replica_token, seq);
}

int
gw_wire_notice_prefix(char *out, size_t len, const char *round, long page, const char *dest)
{
    const char *channel = gw_wire_dest_channel(dest);
    return channel != NULL ? put(out, len, "breach:%s:%ld.%s.", round, page, channel)
                           : put(out, len, "breach:%s:%ld.", round, page);
}

int
gw_wire_batch_id(char *out, size_t len, const char *prefix, size_t i, size_t n, int numbered)
{
    return numbered ? put(out, len, "%s%zu/%zu", prefix, i + 1, n)
                    : put(out, len, "%s%zu", prefix, i + 1);
}

int
gw_wire_page_id(char *out, size_t len, const char *canary, int64_t started_at,
                enum gw_page_sink sink)
{
    return put(out, len, "page:%s:%lld:%s", canary, (long long)started_at,
               sink == GW_PAGE_PAGER ? "pager" : "slack");
}

int
gw_wire_resolve_id(char *out, size_t len, const char *canary, int64_t at_ms)
{
    return put(out, len, "resolve:%s:%lld", canary, (long long)at_ms);
}

int
gw_wire_pager_ack_id(char *out, size_t len, const char *canary, int64_t at_ms)
{
    return put(out, len, "ack:%s:%lld", canary, (long long)at_ms);
}

int
gw_wire_edit_id(char *out, size_t len, const char *why, const char *target)
{
    return put(out, len, GW_WIRE_EDIT_PREFIX "%s:%s", why, target);
}

int
gw_wire_is_edit(const char *id)
{
    return strncmp(id, GW_WIRE_EDIT_PREFIX, strlen(GW_WIRE_EDIT_PREFIX)) == 0;
}

int
gw_wire_button_value(char *out, size_t len, enum gw_ack_kind kind, const char *id)
{
    return put(out, len, "%s%s", kind == GW_ACK_TICKET ? TICKET_VALUE : CANARY_VALUE, id);
}

const char *
gw_wire_button_parse(const char *value, enum gw_ack_kind *kind)
{
    if (value == NULL)
        return NULL;
    if (strncmp(value, TICKET_VALUE, strlen(TICKET_VALUE)) == 0) {
        *kind = GW_ACK_TICKET;
        return value + strlen(TICKET_VALUE);
    }
    if (strncmp(value, CANARY_VALUE, strlen(CANARY_VALUE)) == 0) {
        *kind = GW_ACK_CANARY;
        return value + strlen(CANARY_VALUE);
    }
    return NULL;
}
