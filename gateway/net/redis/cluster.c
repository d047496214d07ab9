/* Redis Cluster: the {kz} slot, MOVED and ASK. */
#include "gateway/net/redis/cluster.h"

#include <hiredis/hiredis.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gateway/net/redis.h"
#include "gateway/net/redis/ask.h"
#include "gateway/net/redis/conn.h"
#include "gateway/net/redis/pending.h"
#include "gateway/util/log.h"

/* CRC16-CCITT (XMODEM), the Redis Cluster key hash. */
int
gw_redis_cluster_slot(const char *tag, size_t len)
{
    uint16_t crc = 0;
    for (size_t i = 0; i < len; i++) {
        crc ^= (uint16_t)((unsigned char)tag[i] << 8);
        for (int b = 0; b < 8; b++)
            crc = (uint16_t)(crc & 0x8000 ? (crc << 1) ^ 0x1021 : crc << 1);
    }
    return crc & 16383;
}

/* "MOVED 1234 10.0.0.5:6379" / "ASK ...": the node that serves the slot. */
static int
redirect_target(const char *text, char *host, size_t hostlen, int *port)
{
    const char *addr = strchr(text, ' ');
    const char *colon;
    if (addr == NULL || (addr = strchr(addr + 1, ' ')) == NULL ||
        (colon = strrchr(addr, ':')) == NULL)
        return -1;
    addr++;
    snprintf(host, hostlen, "%.*s", (int)(colon - addr), addr);
    *port = (int)strtol(colon + 1, NULL, 10);
    return host[0] != '\0' && *port > 0 ? 0 : -1;
}

static void
on_asked(redisReply *reply, const char *error, void *arg)
{
    struct gw_redis_pending *p = arg;
    p->ask = NULL;
    if (reply != NULL)
        gw_redis_pending_finish(p, reply, GW_REDIS_DISCONNECTED);
    else if (!p->done) {
        gw_log(GW_LOG_WARN, "redis ASK redirect failed", "error", error, NULL);
        gw_redis_pending_finish(p, NULL, GW_REDIS_DISCONNECTED);
    }
    gw_redis_pending_release(p);
}

int
gw_redis_cluster_follow(const struct gw_redis_cluster *cl, struct gw_redis_pending *p,
                        const char *text)
{
    char host[256];
    int port;
    int moved = strncmp(text, "MOVED ", 6) == 0;

    if (cl->dial->target->kind != GW_REDIS_CLUSTER || p->done || p->redirects >= 3 ||
        (!moved && strncmp(text, "ASK ", 4) != 0) ||
        redirect_target(text, host, sizeof(host), &port) != 0)
        return 0;
    p->redirects++;
    if (moved) {
        /* The slot moved (a failover): wait for the new primary, then re-send. */
        gw_redis_conn_redirect(cl->conn, host, port);
        p->waiting = 1;
        gw_redis_conn_retire(cl->conn, "the cluster moved the {kz} slot", 0);
        return 1;
    }
    /* A slot being migrated: this once, ask the target node directly. */
    char *asking = NULL;
    const char *argv[] = {"ASKING"};
    int len = redisFormatCommandArgv(&asking, 1, argv, NULL);
    const char *cmds[] = {asking, p->cmd};
    const size_t lens[] = {(size_t)len, p->len};
    p->ask = gw_redis_ask_start(cl->dial, host, port, &cl->dial->target->auth, cl->timeout_ms, cmds,
                                lens, 2, on_asked, p);
    redisFreeCommand(asking);
    return 1;
}

int
gw_redis_cluster_abandon(struct gw_redis_pending *p)
{
    int sent = p->ask != NULL;
    gw_redis_ask_cancel(p->ask);
    p->ask = NULL;
    return sent;
}
