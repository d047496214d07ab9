/*
 * Connections of the HTTP server, from accept to close, and the guard in
 * front of evhttp.
 *
 * libevent 2.1 has no accept hook, no connection cap and no hook between
 * a request's headers and its body, so we create each connection's
 * bufferevent ourselves (evhttp_set_bevcb) and watch the bytes arriving in
 * its input buffer (an evbuffer callback, run before evhttp reads them).
 * From the request line and headers, read as libevent will read them
 * (net/http_head.h: it refuses with 400, 411, 431 or 501 what libevent
 * would read otherwise, control bytes and NUL included), the guard
 * decides, before any body byte is held, whether the request may go on:
 *
 *   413  Content-Length over KAIZEN_MAX_BODY
 *   503  the body would take the bodies held at once over
 *        KAIZEN_MAX_INFLIGHT_BODY (with Retry-After)
 *   408  the headers took longer than KAIZEN_HEADER_TIMEOUT
 *
 * A refused connection is taken from evhttp (its callbacks are replaced):
 * the JSON answer is written, the write side shut, what the client still
 * sends is read and dropped for a moment (so that the answer is not lost
 * to a reset), then evhttp frees the connection.
 *
 * At the connection cap the least useful connection is shed (the longest
 * idle keep-alive, else the one that sent the least headers for the
 * longest) instead of pausing the listener: slow clients cannot starve
 * real ones. The listener pauses only when every connection is busy with a
 * body or a handler.
 *
 * Requests pipelined behind another on one connection are not guarded
 * (evhttp's own body cap and the dispatcher's Content-Length check still
 * apply); GitHub and Alertmanager do not pipeline.
 */
#include "gateway/net/http_conn.h"

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/listener.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include "gateway/core/dates.h"
#include "gateway/util/clock.h"
#include "gateway/util/log.h"
#include "gateway/util/parse.h"

#define LINGER_SECONDS 2
#define LINGER_BYTES (1024 * 1024)

enum conn_state {
    CONN_IDLE,     /* between requests */
    CONN_HEAD,     /* request line and headers arriving (guarded) */
    CONN_BODY,     /* the body arriving; its declared length is held in the budget */
    CONN_WAIT,     /* the request is in; evhttp is about to dispatch it */
    CONN_BUSY,     /* a handler has it */
    CONN_REFUSED   /* answered by the guard, taken from evhttp, closing */
};

struct gw_http_conn {
    struct gw_http_conns *cs;
    struct bufferevent *bev;          /* we hold a reference until release */
    struct evhttp_connection *evcon;  /* NULL until attached */
    double since;                     /* accept, request start or last reply (monotonic) */
    int busy;                         /* requests being handled */
    enum conn_state state;
    double state_since;               /* when the state began (monotonic) */
    char *head;                       /* HEAD: the bytes of the head so far */
    size_t head_len, head_cap;
    struct gw_http_head hd;           /* HEAD: what the reader made of them */
    int64_t body_left;                /* BODY: declared bytes still to come */
    int64_t reserved;                 /* bytes of the body budget held */
    size_t rx, dropped;               /* bytes received; dropped while refused */
    int peer_done;                    /* refused: EOF seen, closing once the answer is out */
    struct gw_http_conn *prev, *next;
};

struct gw_http_conns {
    struct gw_http_limits limits;
    struct gw_http_conn_hooks hooks;
    struct evconnlistener *listener;  /* NULL: not accepting */
    int listener_paused;
    int draining;
    struct gw_http_conn *conns;
    int nconns;
    int nrefused;                     /* of nconns, refused and closing */
    int64_t body_held;                /* declared body bytes of the requests in flight */
};

static void on_conn_input(struct evbuffer *buf, const struct evbuffer_cb_info *info, void *arg);

/* --- tracking --------------------------------------------------------------- */

static struct gw_http_conn *shed_victim(struct gw_http_conns *cs, double now);

/* The listener pauses only at the cap with nothing to shed (all busy). */
static void
update_listener(struct gw_http_conns *cs)
{
    int full;
    if (cs->listener == NULL)
        return;
    full = cs->nconns - cs->nrefused >= cs->limits.max_connections &&
           shed_victim(cs, gw_monotonic()) == NULL;
    if (full && !cs->listener_paused) {
        evconnlistener_disable(cs->listener);
        cs->listener_paused = 1;
        gw_log(GW_LOG_WARN, "connection cap reached with every connection busy; pausing accept",
               NULL);
    } else if (!full && cs->listener_paused) {
        evconnlistener_enable(cs->listener);
        cs->listener_paused = 0;
    }
}

static void
release_body(struct gw_http_conn *c)
{
    c->cs->body_held -= c->reserved;
    c->reserved = 0;
}

static void
conn_release(struct gw_http_conn *c)
{
    struct gw_http_conns *cs = c->cs;
    if (c->prev != NULL)
        c->prev->next = c->next;
    else
        cs->conns = c->next;
    if (c->next != NULL)
        c->next->prev = c->prev;
    cs->nconns--;
    if (c->state == CONN_REFUSED)
        cs->nrefused--;
    release_body(c);
    evbuffer_remove_cb(bufferevent_get_input(c->bev), on_conn_input, c);
    bufferevent_decref(c->bev);
    free(c->head);
    free(c);
    update_listener(cs);
    cs->hooks.released(cs->hooks.ctx);
}

static void
on_conn_close(struct evhttp_connection *evcon, void *arg)
{
    (void)evcon;
    conn_release(arg);
}

/* 1 if evhttp has already let go of the bufferevent (it clears the callbacks). */
static int
conn_gone(struct gw_http_conn *c)
{
    bufferevent_data_cb readcb = NULL;
    bufferevent_getcb(c->bev, &readcb, NULL, NULL, NULL);
    return readcb == NULL;
}

static void
conn_attach(struct gw_http_conn *c)
{
    void *cbarg = NULL;
    bufferevent_getcb(c->bev, NULL, NULL, NULL, &cbarg);
    c->evcon = cbarg;
    evhttp_connection_set_closecb(c->evcon, on_conn_close, c);
}

static void
on_attach(evutil_socket_t fd, short what, void *arg)
{
    struct gw_http_conn *c = arg;
    (void)fd;
    (void)what;
    if (c->evcon == NULL && c->state != CONN_REFUSED) {
        if (conn_gone(c))
            conn_release(c);
        else
            conn_attach(c);
    }
}

/* Ends a connection that is idle between requests: evhttp sees EOF and frees it. */
static void
conn_hang_up(struct gw_http_conn *c)
{
    evutil_socket_t s = bufferevent_getfd(c->bev);
    if (s >= 0)
        shutdown(s, SHUT_RDWR);
}

/* 1 if a reply is still being written: an idle connection is not idle yet. */
static int
replying(const struct gw_http_conn *c)
{
    return evbuffer_get_length(bufferevent_get_output(c->bev)) > 0;
}

/* 1 if the client's next bytes are in the socket, not yet read. */
static int
bytes_waiting(const struct gw_http_conn *c)
{
    int n = 0;
    evutil_socket_t s = bufferevent_getfd(c->bev);
    return s >= 0 && ioctl(s, FIONREAD, &n) == 0 && n > 0;
}

/* --- refusing a request before evhttp reads it ------------------------------- */

static void
refused_close(struct gw_http_conn *c)
{
    /* evhttp frees the bufferevent and calls on_conn_close, which frees c. */
    evhttp_connection_free(c->evcon);
}

static void
on_refused_read(struct bufferevent *bev, void *arg)
{
    struct gw_http_conn *c = arg;
    struct evbuffer *in = bufferevent_get_input(bev);
    c->dropped += evbuffer_get_length(in);
    evbuffer_drain(in, evbuffer_get_length(in));
    if (c->dropped > LINGER_BYTES)
        refused_close(c);
}

static void
on_refused_write(struct bufferevent *bev, void *arg)
{
    struct gw_http_conn *c = arg;
    /* The answer is out: no more to send; keep reading until EOF or the linger ends. */
    evutil_socket_t s = bufferevent_getfd(bev);
    if (s >= 0)
        shutdown(s, SHUT_WR);
    if (c->peer_done)
        refused_close(c);
}

static void
on_refused_event(struct bufferevent *bev, short what, void *arg)
{
    struct gw_http_conn *c = arg;
    /* The client finished sending while the answer is still going out: let it go out. */
    if ((what & BEV_EVENT_EOF) && !(what & BEV_EVENT_TIMEOUT) &&
        evbuffer_get_length(bufferevent_get_output(bev)) > 0) {
        c->peer_done = 1;
        bufferevent_disable(bev, EV_READ);
        return;
    }
    refused_close(c);   /* EOF, error or the linger's timeout: done */
}

static const char *
status_text(int status)
{
    switch (status) {
    case 400: return "Bad Request";
    case 408: return "Request Timeout";
    case 411: return "Length Required";
    case 413: return "Payload Too Large";
    case 431: return "Request Header Fields Too Large";
    case 501: return "Not Implemented";
    default: return "Service Unavailable";
    }
}

/* A span of the head into out, cut to fit (for the log and the refusal hook). */
static void
head_text(const struct gw_http_conn *c, const struct gw_http_span *span, char *out,
          size_t outlen)
{
    size_t len = span != NULL && c->head != NULL ? span->len : 0;
    if (len >= outlen)
        len = outlen - 1;
    if (len > 0)
        memcpy(out, c->head + span->at, len);
    out[len] = '\0';
}

/* The request path of the head ("" if not read yet). */
static void
head_path(const struct gw_http_conn *c, char *out, size_t outlen)
{
    struct gw_http_span path = c->hd.target;
    const char *q = c->head != NULL && path.len > 0 ? memchr(c->head + path.at, '?', path.len)
                                                   : NULL;
    if (q != NULL)
        path.len = (size_t)(q - (c->head + path.at));
    head_text(c, &path, out, outlen);
}

static void
conn_refuse(struct gw_http_conn *c, int status, const char *reason)
{
    struct gw_http_conns *cs = c->cs;
    struct timeval linger = {LINGER_SECONDS, 0};
    char path[128], event[64], date[40], response[512], code[GW_INT_TEXT];
    int n;

    if (c->state == CONN_REFUSED)
        return;
    if (c->evcon == NULL) {
        if (conn_gone(c))
            return;
        conn_attach(c);   /* before its callbacks are replaced */
    }
    head_path(c, path, sizeof(path));
    head_text(c, c->head != NULL ? gw_http_head_field(&c->hd, c->head, "X-GitHub-Event") : NULL,
              event, sizeof(event));
    gw_log(GW_LOG_WARN, "request refused before its body", "status", gw_int_text(status, code),
           "path", path, "reason", reason, NULL);
    cs->hooks.refused(cs->hooks.ctx, path, event, status, c->state_since);
    release_body(c);
    c->state = CONN_REFUSED;   /* closing: no longer counts towards the cap */
    cs->nrefused++;
    update_listener(cs);

    n = snprintf(response, sizeof(response),
                 "HTTP/1.1 %d %s\r\nContent-Type: application/json\r\nConnection: close\r\n"
                 "%sDate: %s\r\nContent-Length: %zu\r\n\r\n{\"error\":\"%s\"}\n",
                 status, status_text(status), status == 503 ? "Retry-After: 1\r\n" : "",
                 gw_http_date(gw_now(), date, sizeof(date)), strlen(reason) + 13, reason);
    bufferevent_setcb(c->bev, on_refused_read, on_refused_write, on_refused_event, c);
    bufferevent_set_timeouts(c->bev, &linger, &linger);
    bufferevent_write(c->bev, response, (size_t)n);
    bufferevent_enable(c->bev, EV_READ | EV_WRITE);
}

/* --- the guard ------------------------------------------------------------------ */

/* The head is complete and as libevent will read it: the body's turn. */
static void
head_done(struct gw_http_conn *c)
{
    struct gw_http_conns *cs = c->cs;
    int64_t length = c->hd.body_length, hold;

    if (length > cs->limits.max_body) {
        conn_refuse(c, 413, "request body over KAIZEN_MAX_BODY");
        return;
    }
    hold = length;
    if (hold > 0 && cs->body_held + hold > cs->limits.max_inflight_body) {
        conn_refuse(c, 503, "too many request bodies in flight; retry shortly");
        return;
    }
    c->reserved = hold;
    cs->body_held += hold;
    c->body_left = length - (int64_t)(c->head_len - c->hd.end);
    if (c->body_left <= 0) {
        c->body_left = 0;
        c->state = CONN_WAIT;
    } else {
        c->state = CONN_BODY;
    }
    update_listener(cs);   /* one fewer connection that could be shed */
}

static void
on_conn_input(struct evbuffer *buf, const struct evbuffer_cb_info *info, void *arg)
{
    struct gw_http_conn *c = arg;
    size_t want;

    if (info->n_added == 0)
        return;
    c->rx += info->n_added;
    switch (c->state) {
    case CONN_IDLE:
        c->state = CONN_HEAD;
        /* The request deadline runs from here, not from the last reply. */
        c->since = c->state_since = gw_monotonic();
        c->head_len = 0;
        gw_http_head_init(&c->hd);
        /* fall through */
    case CONN_HEAD:
        want = info->n_added;
        if (c->head_len + want > GW_HTTP_MAX_HEADERS)
            want = GW_HTTP_MAX_HEADERS - c->head_len;
        if (c->head_cap < c->head_len + want) {
            size_t cap = c->head_cap ? c->head_cap : 1024;
            while (cap < c->head_len + want)
                cap *= 2;
            char *grown = realloc(c->head, cap);
            if (grown == NULL) {
                conn_refuse(c, 503, "out of memory");
                return;
            }
            c->head = grown;
            c->head_cap = cap;
        }
        struct evbuffer_ptr at;
        if (evbuffer_ptr_set(buf, &at, info->orig_size, EVBUFFER_PTR_SET) == 0)
            evbuffer_copyout_from(buf, &at, c->head + c->head_len, want);
        c->head_len += want;
        switch (gw_http_head_read(&c->hd, c->head, c->head_len)) {
        case GW_HEAD_DONE:
            head_done(c);
            break;
        case GW_HEAD_REFUSED:
            conn_refuse(c, c->hd.status, c->hd.reason);
            break;
        case GW_HEAD_MORE:
            break;
        }
        return;
    case CONN_BODY:
        c->body_left -= (int64_t)info->n_added;
        if (c->body_left <= 0) {
            c->body_left = 0;
            c->state = CONN_WAIT;
        }
        return;
    default:   /* WAIT, BUSY: pipelined bytes, left to evhttp; REFUSED: dropped */
        return;
    }
}

/* --- accept, shedding ------------------------------------------------------------ */

/*
 * The connection to give up when a new one arrives at the cap: the longest
 * idle keep-alive, else the head that has sent the fewest bytes for the
 * longest. NULL when every connection carries a body or a request.
 */
static struct gw_http_conn *
shed_victim(struct gw_http_conns *cs, double now)
{
    struct gw_http_conn *idle = NULL, *slow = NULL;
    double slow_rate = 0;
    for (struct gw_http_conn *c = cs->conns; c != NULL; c = c->next) {
        if (c->state == CONN_IDLE && c->busy == 0 && !replying(c) && !bytes_waiting(c)) {
            if (idle == NULL || c->state_since < idle->state_since)
                idle = c;
        } else if (c->state == CONN_HEAD) {
            double age = now - c->state_since + 0.001;
            double rate = (double)c->head_len / age;
            if (slow == NULL || rate < slow_rate) {
                slow = c;
                slow_rate = rate;
            }
        }
    }
    return idle != NULL ? idle : slow;
}

struct gw_http_conns *
gw_http_conns_new(const struct gw_http_limits *limits, const struct gw_http_conn_hooks *hooks)
{
    struct gw_http_conns *cs = calloc(1, sizeof(*cs));
    if (cs == NULL)
        return NULL;
    cs->limits = *limits;
    cs->hooks = *hooks;
    return cs;
}

void
gw_http_conns_free(struct gw_http_conns *cs)
{
    if (cs == NULL)
        return;
    cs->listener = NULL;   /* evhttp_free freed it */
    while (cs->conns != NULL)
        conn_release(cs->conns);
    free(cs);
}

void
gw_http_conns_set_listener(struct gw_http_conns *cs, struct evconnlistener *listener)
{
    cs->listener = listener;
}

int
gw_http_conns_open(const struct gw_http_conns *cs)
{
    return cs->nconns;
}

struct bufferevent *
gw_http_conns_bev(struct event_base *base, void *arg)
{
    struct gw_http_conns *cs = arg;
    struct bufferevent *bev = bufferevent_socket_new(base, -1, BEV_OPT_CLOSE_ON_FREE);
    struct gw_http_conn *c = calloc(1, sizeof(*c));
    static const struct timeval now = {0, 0};

    if (bev == NULL || c == NULL) {
        free(c);
        return bev; /* untracked, still served */
    }
    if (cs->nconns - cs->nrefused >= cs->limits.max_connections) {
        struct gw_http_conn *victim = shed_victim(cs, gw_monotonic());
        if (victim != NULL) {
            if (victim->state == CONN_HEAD)
                conn_refuse(victim, 503, "connection shed at the connection cap");
            else
                conn_hang_up(victim);
        }
    }
    bufferevent_incref(bev);
    c->cs = cs;
    c->bev = bev;
    c->since = c->state_since = gw_monotonic();
    c->state = CONN_IDLE;
    c->next = cs->conns;
    if (cs->conns != NULL)
        cs->conns->prev = c;
    cs->conns = c;
    cs->nconns++;
    evbuffer_add_cb(bufferevent_get_input(bev), on_conn_input, c);
    /* evhttp creates the connection right after this returns. */
    event_base_once(base, -1, EV_TIMEOUT, on_attach, c, &now);
    update_listener(cs);
    return bev;
}

struct gw_http_conn *
gw_http_conns_dispatch(struct gw_http_conns *cs, struct evhttp_request *evreq)
{
    struct evhttp_connection *evcon = evhttp_request_get_connection(evreq);
    struct bufferevent *bev = evcon != NULL ? evhttp_connection_get_bufferevent(evcon) : NULL;
    for (struct gw_http_conn *c = cs->conns; c != NULL; c = c->next) {
        if (c->bev == bev) {
            if (c->evcon == NULL)
                conn_attach(c);
            c->busy++;
            c->state = CONN_BUSY;
            update_listener(cs);
            return c;
        }
    }
    return NULL;
}

void
gw_http_conn_replied(struct gw_http_conn *c)
{
    c->busy--;
    c->since = c->state_since = gw_monotonic();
    release_body(c);
    /* Bytes already waiting are a pipelined request: evhttp's, unguarded. */
    if (c->busy == 0)
        c->state = evbuffer_get_length(bufferevent_get_input(c->bev)) > 0 ? CONN_WAIT : CONN_IDLE;
    update_listener(c->cs);   /* an idle connection can be shed again */
}

void
gw_http_conns_drain(struct gw_http_conns *cs)
{
    cs->draining = 1;
    gw_http_conns_sweep(cs);
}

void
gw_http_conns_sweep(struct gw_http_conns *cs)
{
    double now = gw_monotonic();
    struct gw_http_conn *c = cs->conns, *next;

    for (; c != NULL; c = next) {
        next = c->next;
        if (c->evcon == NULL && c->state != CONN_REFUSED && conn_gone(c)) {
            conn_release(c);
            continue;
        }
        if (c->busy > 0 || c->state == CONN_REFUSED || replying(c))
            continue;
        if (c->state == CONN_HEAD && now - c->state_since > (double)cs->limits.header_timeout)
            conn_refuse(c, 408, "request headers not received within KAIZEN_HEADER_TIMEOUT");
        else if (c->state == CONN_IDLE && cs->draining && c->rx > 0 && !bytes_waiting(c))
            conn_hang_up(c);   /* draining: idle keep-alives go now */
        else if (c->state == CONN_IDLE && cs->draining && c->rx == 0 &&
                 now - c->since > (double)cs->limits.header_timeout)
            conn_hang_up(c);   /* a new connection that never sent a request */
        else if (now - c->since > (double)cs->limits.request_timeout)
            conn_hang_up(c);
    }
}
