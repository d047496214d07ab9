/* Redis Cluster: the {kz} slot. */
#include "gateway/net/redis/cluster.h"

#include <stdint.h>

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
