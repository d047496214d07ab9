/*
 * A request's head (request line and header lines) as the server's guard
 * reads it before evhttp does (net/http_conn.c). Pure: bytes in, a verdict
 * out; internal to gateway/net/.
 *
 * Agreement with libevent by construction: what the reader accepts,
 * libevent 2.1 parses to the same request (method, target, version, the
 * same header list with the same values, the same end of the head and the
 * same body length), because it accepts only a subset of what libevent
 * parses alike, and the guard hands evhttp exactly the bytes it read. It
 * refuses, as soon as the line that shows it is complete:
 *
 *   400  a request line other than "METHOD SP /target SP HTTP/1.0|1.1"
 *        (METHOD: capital letters; origin-form: '/' then visible ASCII
 *        but '#', not "//"); an empty
 *        line before it; a header line that is not "token:value" (obs-fold
 *        included); any control byte but HTAB in a value (NUL included:
 *        libevent would end the line there); a Content-Length other than
 *        digits, or two of them; Content-Length with Transfer-Encoding; a
 *        body (Content-Length above 0) on a method libevent reads none for
 *        (GET, HEAD, DELETE, OPTIONS, TRACE, CONNECT)
 *   411  Transfer-Encoding; a POST, PUT or PATCH without Content-Length on
 *        a connection that stays open (libevent would not know its end)
 *   431  more than GW_HTTP_HEAD_FIELDS header lines, or a head over
 *        GW_HTTP_MAX_HEADERS bytes
 *   501  a method (in capitals) libevent does not know
 */
#ifndef GW_HTTP_HEAD_H
#define GW_HTTP_HEAD_H

#include <stddef.h>
#include <stdint.h>

/*
 * Request line and headers, blank line included: GitHub sends ~1.5 KB.
 * Held per connection while arriving, so the cap times
 * KAIZEN_MAX_CONNECTIONS bounds what heads hold; evhttp is given the same
 * cap for the requests the guard does not see.
 */
#define GW_HTTP_MAX_HEADERS (16 * 1024)
/* Header lines kept per head (GitHub sends about 20). */
#define GW_HTTP_HEAD_FIELDS 64

enum gw_http_head_state {
    GW_HEAD_MORE,      /* every complete line so far is fine; the head goes on */
    GW_HEAD_DONE,      /* the head is complete and may go on to evhttp */
    GW_HEAD_REFUSED    /* answer status with reason */
};

/* buf[at, at + len) of the bytes the head was read from. */
struct gw_http_span {
    size_t at, len;
};

struct gw_http_field {
    struct gw_http_span name;
    struct gw_http_span value;   /* as libevent keeps it: leading SP and trailing SP/HTAB cut */
};

struct gw_http_head {
    enum gw_http_head_state state;
    size_t next;                 /* where the first line not read yet starts */
    size_t scanned;              /* bytes before this offset hold no unread LF */
    /* What was read (of the lines read so far, when refused early). */
    struct gw_http_span method, target;
    int minor;                   /* HTTP/1.<minor> */
    int method_has_body;         /* POST, PUT, PATCH: libevent reads a body */
    struct gw_http_field fields[GW_HTTP_HEAD_FIELDS];
    size_t nfields;
    int64_t content_length;      /* -1: none */
    int transfer_encoding;       /* a Transfer-Encoding header came */
    int connection;              /* a Connection header came ... */
    int connection_close;        /* ... and the first says "close" */
    /* DONE */
    size_t end;                  /* bytes of the head, its blank line included */
    int64_t body_length;         /* bytes of body libevent will read */
    /* REFUSED */
    int status;
    const char *reason;          /* static */
};

/* Starts reading a new head. */
void gw_http_head_init(struct gw_http_head *h);

/*
 * Reads the complete lines of buf[0, len) not read yet (buf holds the head
 * from its first byte, and only grows between calls) and returns the state;
 * once DONE or REFUSED, returns it again without reading.
 */
enum gw_http_head_state gw_http_head_read(struct gw_http_head *h, const char *buf, size_t len);

/* The value of the first header called name (case-insensitive), or NULL. */
const struct gw_http_span *gw_http_head_field(const struct gw_http_head *h, const char *buf,
                                              const char *name);

#endif
