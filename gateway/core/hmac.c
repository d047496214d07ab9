#include "gateway/core/hmac.h"

#include <ctype.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/params.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * A keyed HMAC-SHA256 context per secret, made once: OpenSSL 3 looks the
 * algorithm up and derives the key's pads on every one-shot HMAC(), which
 * costs as much as hashing a small body. Re-initialising a keyed context
 * with no key reuses its pads. The loop is single-threaded; the few secrets
 * a deployment has (rotation) fit in the table, others take HMAC().
 */
#define KEYED_MAX 8

static struct keyed {
    char *secret;
    EVP_MAC_CTX *ctx;
} keyed[KEYED_MAX];

static EVP_MAC_CTX *
keyed_ctx(const char *secret)
{
    static EVP_MAC *mac;
    OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string("digest", "SHA256", 0),
                           OSSL_PARAM_construct_end()};
    size_t i;

    for (i = 0; i < KEYED_MAX && keyed[i].secret != NULL; i++)
        if (strcmp(keyed[i].secret, secret) == 0)
            return EVP_MAC_init(keyed[i].ctx, NULL, 0, NULL) == 1 ? keyed[i].ctx : NULL;
    if (i == KEYED_MAX || (mac == NULL && (mac = EVP_MAC_fetch(NULL, "HMAC", NULL)) == NULL))
        return NULL;
    EVP_MAC_CTX *ctx = EVP_MAC_CTX_new(mac);
    char *copy = strdup(secret);
    if (ctx == NULL || copy == NULL ||
        EVP_MAC_init(ctx, (const unsigned char *)secret, strlen(secret), params) != 1) {
        EVP_MAC_CTX_free(ctx);
        free(copy);
        return NULL;
    }
    keyed[i].secret = copy;
    keyed[i].ctx = ctx;
    return ctx;
}

void
gw_hmac_sign(const char *secret, const void *body, size_t len, char *out)
{
    static const char hex[] = "0123456789abcdef";
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int mac_len = 0;
    size_t got = 0;
    EVP_MAC_CTX *ctx = keyed_ctx(secret);

    if (ctx != NULL && EVP_MAC_update(ctx, body, len) == 1 &&
        EVP_MAC_final(ctx, mac, &got, sizeof(mac)) == 1)
        mac_len = (unsigned int)got;
    else
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

enum gw_slack_sig
gw_slack_signature_check(const char *secret, const char *timestamp, const char *signature,
                         const void *body, size_t len, long long now)
{
    char expected[GW_SLACK_SIGNATURE_LEN + 1];
    const char *p = timestamp;
    long long ts = 0;
    int ok;

    if (timestamp == NULL || signature == NULL || *timestamp == '\0' || *signature == '\0')
        return GW_SLACK_SIG_MISSING;
    for (; *p >= '0' && *p <= '9' && p - timestamp < 12; p++)
        ts = ts * 10 + (*p - '0');
    if (*p != '\0' || p == timestamp || ts < now - GW_SLACK_SIG_MAX_AGE ||
        ts > now + GW_SLACK_SIG_MAX_AGE)
        return GW_SLACK_SIG_STALE;
    if (strlen(signature) != 3 + 64 || strncmp(signature, "v0=", 3) != 0 ||
        gw_slack_sign(secret, timestamp, body, len, expected) != 0)
        return GW_SLACK_SIG_BAD;
    ok = gw_consttime_equal(signature, GW_SLACK_SIGNATURE_LEN, expected, GW_SLACK_SIGNATURE_LEN);
    return ok ? GW_SLACK_SIG_OK : GW_SLACK_SIG_BAD;
}

int
gw_slack_sign(const char *secret, const char *timestamp, const void *body, size_t len,
              char out[GW_SLACK_SIGNATURE_LEN + 1])
{
    size_t tlen = strlen(timestamp);
    char *base = malloc(3 + tlen + 1 + len + 1), hmac[GW_SIGNATURE_LEN + 1];

    if (base == NULL)
        return -1;
    memcpy(base, "v0:", 3);
    memcpy(base + 3, timestamp, tlen);
    base[3 + tlen] = ':';
    if (len > 0)
        memcpy(base + 4 + tlen, body, len);
    gw_hmac_sign(secret, base, 4 + tlen + len, hmac);   /* "sha256=<hex>" */
    free(base);
    snprintf(out, GW_SLACK_SIGNATURE_LEN + 1, "v0=%s", hmac + 7);
    return 0;
}

const char *
gw_slack_sig_reason(enum gw_slack_sig r)
{
    switch (r) {
    case GW_SLACK_SIG_OK:
        return "ok";
    case GW_SLACK_SIG_MISSING:
        return "missing X-Slack-Signature or X-Slack-Request-Timestamp";
    case GW_SLACK_SIG_STALE:
        return "X-Slack-Request-Timestamp is not within 5 minutes of now (replay?)";
    default:
        return "X-Slack-Signature does not match the signing secret";
    }
}

void
gw_sha256_prefix(const char *const *parts, const size_t *lens, size_t n, char *out)
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    int ok = ctx != NULL && EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) == 1;

    *out = '\0';
    for (size_t i = 0; ok && i < n; i++)
        ok = EVP_DigestUpdate(ctx, parts[i], lens[i]) == 1;
    if (ok && EVP_DigestFinal_ex(ctx, md, &len) == 1 && len >= 8)
        for (unsigned i = 0; i < 8; i++)
            snprintf(out + 2 * i, 3, "%02x", md[i]);
    EVP_MD_CTX_free(ctx);
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
