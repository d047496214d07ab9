/* HMAC-SHA256 signatures as GitHub sends them ("sha256=<hex>"). Pure. */
#ifndef GW_HMAC_H
#define GW_HMAC_H

#include <stddef.h>

#include "gateway/core/strlist.h"

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

/*
 * Slack's request signature (api.slack.com/authentication/verifying-requests-from-slack):
 * signature is "v0=" + hex HMAC-SHA256(secret, "v0:" + timestamp + ":" + body),
 * compared in constant time; timestamp (Unix seconds) more than
 * GW_SLACK_SIG_MAX_AGE from now either way is refused (replays).
 */
#define GW_SLACK_SIG_MAX_AGE 300
enum gw_slack_sig { GW_SLACK_SIG_OK, GW_SLACK_SIG_MISSING, GW_SLACK_SIG_STALE, GW_SLACK_SIG_BAD };
enum gw_slack_sig gw_slack_signature_check(const char *secret, const char *timestamp,
                                           const char *signature, const void *body, size_t len,
                                           long long now);
#define GW_SLACK_SIGNATURE_LEN (3 + 64)   /* "v0=" + 64 hex digits */
/* Writes the X-Slack-Signature of body sent at timestamp into out; -1 when out of memory. */
int gw_slack_sign(const char *secret, const char *timestamp, const void *body, size_t len,
                  char out[GW_SLACK_SIGNATURE_LEN + 1]);
/* The reason a check failed, for the 401's JSON. */
const char *gw_slack_sig_reason(enum gw_slack_sig r);

/* Room for a token of gw_random_token and its NUL. */
#define GW_TOKEN_LEN 33

/* 32 random hex digits (OpenSSL's generator; rand() if that fails): lease owners, unique ids. */
void gw_random_token(char out[GW_TOKEN_LEN]);

/*
 * The first 16 hex digits of the SHA-256 of parts[0..n) one after the other
 * (what `cat ... | sha256sum | cut -c1-16` prints), into out
 * (GW_DIGEST_LEN bytes); "" if OpenSSL fails.
 */
#define GW_DIGEST_LEN 17
void gw_sha256_prefix(const char *const *parts, const size_t *lens, size_t n, char *out);

#endif
