/*
 * Outbound HTTP POSTs (Slack, PagerDuty) over libcurl's multi interface,
 * driven by the libevent loop: curl's sockets and timer become libevent
 * events, so nothing here blocks. TLS peers are always verified, redirects
 * are never followed (a 3xx is the result), and the kept response body is
 * capped at GW_HTTP_BODY_CAP bytes.
 *
 * curl_global_init runs once, from the first gw_http_client_new; main need
 * not call it, and curl_global_cleanup is left to process exit.
 */
#ifndef GW_HTTPCLIENT_H
#define GW_HTTPCLIENT_H

#include <stddef.h>
#include <stdint.h>

/* Bytes of a response body kept; the rest is read and discarded. */
#define GW_HTTP_BODY_CAP (64 * 1024)

struct event_base;
struct gw_http_client;

/* What a POST came to. Everything it points to is valid only during the callback. */
struct gw_http_response {
    long status;              /* HTTP status, 0 when no response (transport error, timeout, cancelled) */
    const char *error;        /* NULL on a response; else a short reason ("timeout", "connection refused", curl's text, "cancelled") */
    int64_t retry_after_ms;   /* parsed Retry-After (delta-seconds or HTTP-date, relative to now), -1 if absent/invalid */
    const char *body;         /* response body (NUL-terminated, "" when none), valid only during the callback */
    size_t body_len;
};

typedef void (*gw_http_done_cb)(const struct gw_http_response *res, void *arg);

/*
 * A client on base. connect_timeout_ms bounds the TCP + TLS handshake,
 * total_timeout_ms the whole transfer; 0 leaves curl's default (300 s
 * connect, no total limit). Returns NULL on allocation or curl init failure.
 */
struct gw_http_client *gw_http_client_new(struct event_base *base, long connect_timeout_ms,
                                          long total_timeout_ms);

/*
 * POSTs body (Content-Type: application/json unless headers override) to url
 * (http or https only). headers: NULL-terminated "Name: value" strings, or
 * NULL; the strings and the body are copied, the caller keeps ownership.
 * cb runs exactly once, always from the event loop (never synchronously
 * inside this call); it may start further POSTs or free the client.
 * Returns 0, or -1 if the request could not be started (bad arguments, a
 * header containing CR/LF, out of memory, or the client is being freed):
 * cb is then not called.
 */
int gw_http_client_post(struct gw_http_client *c, const char *url, const char *const *headers,
                        const char *body, size_t len, gw_http_done_cb cb, void *arg);

/* Transfers started and not yet reported (one whose callback is running no longer counts). */
int gw_http_client_inflight(const struct gw_http_client *c);

/*
 * Cancels every transfer (their callbacks run with error "cancelled", from
 * inside this call), then frees. Safe to call from a completion callback:
 * the memory is released once the loop's callback returns. NULL is a no-op.
 */
void gw_http_client_free(struct gw_http_client *c);

/*
 * Parses a Retry-After value: delta-seconds ("120") or an HTTP-date (IMF
 * fixdate, RFC 850 or asctime form) taken relative to now_unix. Surrounding
 * whitespace is ignored. Returns milliseconds to wait (0 for a date in the
 * past), or -1 when value is NULL, empty, negative, malformed or overflows.
 */
int64_t gw_http_parse_retry_after(const char *value, int64_t now_unix);

#endif
