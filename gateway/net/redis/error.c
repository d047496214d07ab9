/* What Redis error replies mean: their kind, by the reply's first word. */
#include "gateway/net/redis/error.h"

#include <string.h>

static const struct {
    const char *prefix;       /* first word of the error reply */
    enum gw_redis_error_kind kind;
} reply_kinds[] = {
    {"READONLY", GW_REDIS_READONLY},
    {"LOADING", GW_REDIS_LOADING},
    {"MASTERDOWN", GW_REDIS_MASTERDOWN},
    {"OOM", GW_REDIS_OOM},
    {"BUSY", GW_REDIS_BUSY},
};

enum gw_redis_error_kind
gw_redis_classify_reply(const char *text)
{
    for (size_t i = 0; i < sizeof(reply_kinds) / sizeof(reply_kinds[0]); i++) {
        size_t n = strlen(reply_kinds[i].prefix);
        if (strncmp(text, reply_kinds[i].prefix, n) == 0 && (text[n] == ' ' || text[n] == '\0'))
            return reply_kinds[i].kind;
    }
    /* "ERR user_script:12: ..." (Redis 7) or "ERR Error running script" (older) */
    if (strstr(text, "script") != NULL)
        return GW_REDIS_SCRIPT;
    return GW_REDIS_REPLY;
}

const char *
gw_redis_error_name(enum gw_redis_error_kind kind)
{
    switch (kind) {
    case GW_REDIS_UNAVAILABLE: return "unavailable";
    case GW_REDIS_TIMEOUT: return "timeout";
    case GW_REDIS_DISCONNECTED: return "disconnected";
    case GW_REDIS_READONLY: return "readonly";
    case GW_REDIS_LOADING: return "loading";
    case GW_REDIS_MASTERDOWN: return "masterdown";
    case GW_REDIS_OOM: return "oom";
    case GW_REDIS_BUSY: return "busy";
    case GW_REDIS_SCRIPT: return "script";
    case GW_REDIS_REPLY: return "reply";
    case GW_REDIS_PROTOCOL: return "protocol";
    case GW_REDIS_NOT_REPLICATED: return "not_replicated";
    case GW_REDIS_TLS: return "tls";
    }
    return "unknown";
}
