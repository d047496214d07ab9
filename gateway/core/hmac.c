#include "gateway/core/hmac.h"

#include <ctype.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void
gw_hmac_sign(const char *secret, const void *body, size_t len, char *out)
{
    static const char hex[] = "0123456789abcdef";
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int mac_len = 0;

    HMAC(EVP_sha256(), secret, (int)strlen(secret), body, len, mac, &mac_len);
    memcpy(out, "sha256=", 7);
    for (unsigned int i = 0; i < mac_len; i++) {
        out[7 + 2 * i] = hex[mac[i] >> 4];
        out[7 + 2 * i + 1] = hex[mac[i] & 0x0f];
    }
    out[7 + 2 * mac_len] = '\0';
}

int
gw_consttime_equal(const void *a, size_t alen, const void *b, size_t blen)
{
    /* The length of a token or signature is not secret; its bytes are. */
    if (alen != blen)
        return 0;
    return CRYPTO_memcmp(a, b, alen) == 0;
}

int
gw_hmac_verify(const struct gw_strlist *secrets, const void *body, size_t len,
               const char *header)
{
    char given[GW_SIGNATURE_LEN + 1], expected[GW_SIGNATURE_LEN + 1];
    int ok = 0;

    if (header == NULL || strlen(header) != GW_SIGNATURE_LEN || strncmp(header, "sha256=", 7) != 0)
        return 0;
    for (size_t i = 0; i <= GW_SIGNATURE_LEN; i++)
        given[i] = (char)tolower((unsigned char)header[i]);
    for (size_t i = 0; i < secrets->n; i++) {
        gw_hmac_sign(secrets->items[i], body, len, expected);
        ok |= gw_consttime_equal(given, GW_SIGNATURE_LEN, expected, GW_SIGNATURE_LEN);
    }
    return ok;
}

void
gw_random_token(char out[GW_TOKEN_LEN])
{
    unsigned char raw[16];

    if (RAND_bytes(raw, sizeof(raw)) != 1)
        for (size_t i = 0; i < sizeof(raw); i++)
            raw[i] = (unsigned char)rand();
    for (size_t i = 0; i < sizeof(raw); i++)
        snprintf(out + 2 * i, 3, "%02x", raw[i]);
}
