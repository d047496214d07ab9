#include "gateway/store/keys.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const prefixes[] = {
    [GW_KEY_TOMB] = GW_KEY("tomb:"),
    [GW_KEY_DELIVERY] = GW_KEY("delivery:"),
    [GW_KEY_CANARY_TOMB] = GW_KEY("canary_tomb:"),
    [GW_KEY_OUTBOX_QUEUE] = GW_KEY("outbox:queue:"),
    [GW_KEY_OUTBOX_NEXT] = GW_KEY("outbox:next:"),
    [GW_KEY_OUTBOX_LOCK] = GW_KEY("outbox:lock:"),
    [GW_KEY_DIGEST_WINDOW] = GW_KEY("digest:window:"),
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
