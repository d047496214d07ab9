#include "gateway/store/keys.h"

#include "gateway/net/redis.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const prefixes[] = {
    [GW_KEY_TOMB] = GW_KEY("tomb:"),
    [GW_KEY_DELIVERY] = GW_KEY("delivery:"),
    [GW_KEY_CANARY_TOMB] = GW_KEY("canary_tomb:"),
    [GW_KEY_OUTBOX_QUEUE] = GW_KEY("outbox:queue:"),
    [GW_KEY_OUTBOX_LOCK] = GW_KEY("outbox:lock:"),
    [GW_KEY_DIGEST_WINDOW] = GW_KEY("digest:window:"),
    [GW_KEY_SLACK_POSTED] = GW_KEY("slack:posted:"),
    [GW_KEY_SLACK_THREAD] = GW_KEY("slack:thread:"),
    [GW_KEY_REPORT_WEEK] = GW_KEY("report:week:"),
    [GW_KEY_REPORT_CLAIM] = GW_KEY("report:claim:"),
};

char *
gw_key_buf(char *buf, size_t len, enum gw_key_kind kind, const char *rest)
{
    int n = snprintf(buf, len, "%s%s", prefixes[kind], rest);
    return n >= 0 && (size_t)n < len ? buf : NULL;
}

char *
gw_key(enum gw_key_kind kind, const char *rest)
{
    size_t len = strlen(prefixes[kind]) + strlen(rest) + 1;
    char *key = malloc(len);
    if (key != NULL)
        gw_key_buf(key, len, kind, rest);
    return key;
}

char *
gw_key_github_delivery(char *buf, size_t len, const char *delivery_id)
{
    int n = snprintf(buf, len, "%sgithub:%s", prefixes[GW_KEY_DELIVERY], delivery_id);
    return n >= 0 && (size_t)n < len ? buf : NULL;
}

char *
gw_legacy_key_rename(const char *legacy, int *drop)
{
    /* Expiring keys: same rest, new prefix. */
    static const struct {
        const char *legacy;
        enum gw_key_kind kind;
    } moves[] = {
        {"kz:delivery:", GW_KEY_DELIVERY},
        {"kz:tomb:", GW_KEY_TOMB},
        {"kz:canary_tomb:", GW_KEY_CANARY_TOMB},
        {"kz:digest:window:", GW_KEY_DIGEST_WINDOW},
    };
    /* Derived or transient state, rebuilt by the new layout. */
    static const char *const drops[] = {
        "kz:open_counts", "kz:canary_sha:", "kz:outbox:next:", "kz:outbox:lock:",
        "kz:tickets:version", "kz:tickets:changed_at", "kz:digests:version",
        "kz:digests:changed_at", GW_LEGACY_OUTBOX_SEQ,
    };

    *drop = 0;
    for (size_t i = 0; i < sizeof(moves) / sizeof(moves[0]); i++) {
        size_t n = strlen(moves[i].legacy);
        if (strncmp(legacy, moves[i].legacy, n) == 0)
            return gw_key(moves[i].kind, legacy + n);
    }
    for (size_t i = 0; i < sizeof(drops) / sizeof(drops[0]); i++) {
        size_t n = strlen(drops[i]);
        if (strncmp(legacy, drops[i], n) == 0 && (drops[i][n - 1] == ':' || legacy[n] == '\0')) {
            *drop = 1;
            return NULL;
        }
    }
    return NULL;
}

void
gw_ticket_keys(struct gw_redis_args *a)
{
#define KEY_NAME(role, key) key,
    static const char *const keys[] = {GW_TICKET_KEYS(KEY_NAME)};
#undef KEY_NAME
    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
        gw_redis_args_key(a, keys[i]);
}
