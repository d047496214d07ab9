/* HMAC-SHA256 signatures as GitHub sends them ("sha256=<hex>"). Pure. */
#ifndef GW_HMAC_H
#define GW_HMAC_H

#include <stddef.h>

#include "gateway/config.h"

#define GW_SIGNATURE_LEN (7 + 64) /* "sha256=" + 64 hex digits */

/* Writes "sha256=<hex>" of HMAC-SHA256(secret, body) into out (>= GW_SIGNATURE_LEN + 1). */
void gw_hmac_sign(const char *secret, const void *body, size_t len, char *out);

/* Constant-time comparison of a[0..alen) with b[0..blen); 1 if equal. */
int gw_consttime_equal(const void *a, size_t alen, const void *b, size_t blen);

/*
 * 1 if header ("sha256=<hex>", hex case-insensitive) is the signature of body
 * under any of the secrets. Every secret is tried, so timing does not reveal
 * which one matched.
 */
int gw_hmac_verify(const struct gw_strlist *secrets, const void *body, size_t len,
                   const char *header);

/* Room for a token of gw_random_token and its NUL. */
#define GW_TOKEN_LEN 33

/* 32 random hex digits (OpenSSL's generator; rand() if that fails): lease owners, unique ids. */
void gw_random_token(char out[GW_TOKEN_LEN]);

#endif
