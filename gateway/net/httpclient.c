#include "gateway/net/httpclient.h"

#include <ctype.h>
#include <curl/curl.h>
#include <errno.h>
#include <event2/event.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/queue.h>

#include "gateway/util/log.h"
#include "gateway/core/dates.h"
#include "gateway/util/clock.h"

/* One socket curl asked us to watch (curl_multi_assign'ed to its fd). */
struct watch {
    struct gw_http_client *c;
    struct event *ev;
    LIST_ENTRY(watch) link;
};

/* One POST, from gw_http_client_post until its callback has run. */
struct transfer {
    struct gw_http_client *c;
    CURL *easy;
    struct curl_slist *headers;
    gw_http_done_cb cb;
    void *arg;
    char *body;             /* kept response body, NUL-terminated */
    size_t body_len;
    size_t body_cap;
    int64_t retry_after_ms;
    char errbuf[CURL_ERROR_SIZE];
    LIST_ENTRY(transfer) link;
};

struct gw_http_client {
    struct event_base *base;
    CURLM *multi;
    struct event *timer;            /* curl's single timeout */
    long connect_timeout_ms;
    long total_timeout_ms;
    LIST_HEAD(, transfer) transfers;
    int inflight;
    LIST_HEAD(, watch) watches;
    int depth;                      /* nesting of drain(): callbacks on the stack */
    int freeing;
};

static void
watch_free(struct watch *w)
{
    LIST_REMOVE(w, link);
    event_free(w->ev);
    free(w);
}

/* --- Retry-After ----------------------------------------------------------- */

int64_t
gw_http_parse_retry_after(const char *value, int64_t now_unix)
{
    /* An HTTP-date is at most 30 characters; anything longer is no Retry-After. */
    char buf[64];
    const char *start, *end;
    size_t n;
    int64_t at;

    if (value == NULL)
        return -1;
    start = value;
    while (*start == ' ' || *start == '\t')
        start++;
    end = start + strlen(start);
    while (end > start && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r' || end[-1] == '\n'))
        end--;
    n = (size_t)(end - start);
    if (n == 0 || n >= sizeof(buf))
        return -1;
    memcpy(buf, start, n);
    buf[n] = '\0';

    if (isdigit((unsigned char)buf[0])) {
        int64_t secs = 0;
        for (size_t i = 0; i < n; i++) {
            if (!isdigit((unsigned char)buf[i]))
                return -1;
            if (secs > (INT64_MAX / 1000 - 9) / 10)
                return -1;
            secs = secs * 10 + (buf[i] - '0');
        }
        return secs * 1000;
    }
    if (gw_time_parse_http_date(buf, &at) != 0)
        return -1;
    return at <= now_unix ? 0 : (at - now_unix) * 1000;
}

/* --- curl callbacks: they only record; nothing here calls back the user -- */

static size_t
on_body(char *data, size_t size, size_t nmemb, void *arg)
{
    struct transfer *t = arg;
    size_t len = size * nmemb;
    size_t keep = GW_HTTP_BODY_CAP - t->body_len;

    if (keep > len)
        keep = len;
    if (keep > 0) {
        if (t->body_len + keep + 1 > t->body_cap) {
            size_t cap = t->body_cap == 0 ? 1024 : t->body_cap;
            while (cap < t->body_len + keep + 1)
                cap *= 2;
            if (cap > GW_HTTP_BODY_CAP + 1)
                cap = GW_HTTP_BODY_CAP + 1;
            char *grown = realloc(t->body, cap);
            if (grown == NULL)
                return 0;   /* curl fails the transfer with CURLE_WRITE_ERROR */
            t->body = grown;
            t->body_cap = cap;
        }
        memcpy(t->body + t->body_len, data, keep);
        t->body_len += keep;
        t->body[t->body_len] = '\0';
    }
    /* Claim the excess too: past the cap we keep reading and drop it. */
    return len;
}

static size_t
on_header(char *data, size_t size, size_t nmemb, void *arg)
{
    static const char name[] = "retry-after:";
    struct transfer *t = arg;
    size_t len = size * nmemb;
    char value[64];

    /* A status line starts a new response (after a 100 Continue, say):
     * forget what the previous one said. */
    if (len >= 5 && memcmp(data, "HTTP/", 5) == 0) {
        t->retry_after_ms = -1;
    } else if (len > sizeof(name) - 1 && strncasecmp(data, name, sizeof(name) - 1) == 0) {
        size_t vlen = len - (sizeof(name) - 1);
        if (vlen < sizeof(value)) {
            memcpy(value, data + sizeof(name) - 1, vlen);
            value[vlen] = '\0';
            t->retry_after_ms = gw_http_parse_retry_after(value, gw_now());
        } else {
            t->retry_after_ms = -1;
        }
    }
    return len;
}

/* --- completion ------------------------------------------------------------ */

static void
transfer_free(struct transfer *t)
{
    if (t->easy != NULL)
        curl_easy_cleanup(t->easy);
    curl_slist_free_all(t->headers);
    free(t->body);
    free(t);
}

static const char *
describe_error(struct transfer *t, CURLcode rc)
{
    long os_errno = 0;

    if (rc == CURLE_OPERATION_TIMEDOUT)
        return "timeout";
    if (rc == CURLE_COULDNT_CONNECT &&
        curl_easy_getinfo(t->easy, CURLINFO_OS_ERRNO, &os_errno) == CURLE_OK &&
        os_errno == ECONNREFUSED)
        return "connection refused";
    return t->errbuf[0] != '\0' ? t->errbuf : curl_easy_strerror(rc);
}

/*
 * Detaches t from curl and the client, then runs its callback and frees it.
 * Only ever called from our own libevent callbacks or gw_http_client_free,
 * never from inside a curl callback, so removing the easy handle is safe and
 * the user callback may re-enter the client.
 */
static void
transfer_finish(struct transfer *t, CURLcode rc, const char *forced_error)
{
    struct gw_http_client *c = t->c;
    struct gw_http_response res = {0, NULL, -1, "", 0};

    LIST_REMOVE(t, link);
    c->inflight--;
    curl_multi_remove_handle(c->multi, t->easy);
    if (forced_error != NULL) {
        res.error = forced_error;
    } else if (rc != CURLE_OK) {
        /* A transfer cut short (timeout mid-body, say) is no response. */
        res.error = describe_error(t, rc);
    } else {
        curl_easy_getinfo(t->easy, CURLINFO_RESPONSE_CODE, &res.status);
        res.retry_after_ms = t->retry_after_ms;
        if (t->body != NULL) {
            res.body = t->body;
            res.body_len = t->body_len;
        }
    }
    if (res.error != NULL)
        gw_log(GW_LOG_DEBUG, "http post failed", "error", res.error, NULL);
    t->cb(&res, t->arg);
    transfer_free(t);
}

static void
destroy(struct gw_http_client *c)
{
    /* curl may still hold idle connections: keep it from calling back into
     * a client that is going away, then drop our events ourselves. */
    curl_multi_setopt(c->multi, CURLMOPT_SOCKETFUNCTION, NULL);
    curl_multi_setopt(c->multi, CURLMOPT_TIMERFUNCTION, NULL);
    while (!LIST_EMPTY(&c->watches))
        watch_free(LIST_FIRST(&c->watches));
    curl_multi_cleanup(c->multi);
    event_free(c->timer);
    free(c);
}

/* Reports every finished transfer; curl queues them during socket_action. */
static void
drain(struct gw_http_client *c)
{
    CURLMsg *msg;
    int left;

    c->depth++;
    while (!c->freeing && (msg = curl_multi_info_read(c->multi, &left)) != NULL) {
        void *t = NULL;
        if (msg->msg != CURLMSG_DONE)
            continue;
        /* msg is invalid once the handle is removed: copy what we need. */
        CURLcode rc = msg->data.result;
        curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, &t);
        transfer_finish(t, rc, NULL);
    }
    c->depth--;
    /* A callback freed the client: now that none is on the stack, release it. */
    if (c->freeing && c->depth == 0)
        destroy(c);
}

/* --- libevent <-> curl ----------------------------------------------------- */

static void
on_socket_ready(evutil_socket_t fd, short what, void *arg)
{
    struct watch *w = arg;
    struct gw_http_client *c = w->c;   /* w may be freed by socket_action */
    int running;
    int flags = ((what & EV_READ) ? CURL_CSELECT_IN : 0) | ((what & EV_WRITE) ? CURL_CSELECT_OUT : 0);

    curl_multi_socket_action(c->multi, fd, flags, &running);
    drain(c);
}

static void
on_timeout(evutil_socket_t fd, short what, void *arg)
{
    struct gw_http_client *c = arg;
    int running;
    (void)fd;
    (void)what;

    curl_multi_socket_action(c->multi, CURL_SOCKET_TIMEOUT, 0, &running);
    drain(c);
}

/* CURLMOPT_SOCKETFUNCTION: curl says which events it wants on s. */
static int
on_curl_socket(CURL *easy, curl_socket_t s, int what, void *userp, void *socketp)
{
    struct gw_http_client *c = userp;
    struct watch *w = socketp;
    short events;
    (void)easy;

    if (what == CURL_POLL_REMOVE) {
        if (w != NULL) {
            curl_multi_assign(c->multi, s, NULL);
            watch_free(w);
        }
        return 0;
    }
    if (w == NULL) {
        w = calloc(1, sizeof(*w));
        if (w == NULL)
            return -1;
        w->c = c;
        w->ev = event_new(c->base, s, 0, on_socket_ready, w);
        if (w->ev == NULL) {
            free(w);
            return -1;
        }
        LIST_INSERT_HEAD(&c->watches, w, link);
        curl_multi_assign(c->multi, s, w);
    }
    events = EV_PERSIST | ((what & CURL_POLL_IN) ? EV_READ : 0) | ((what & CURL_POLL_OUT) ? EV_WRITE : 0);
    event_del(w->ev);
    event_assign(w->ev, c->base, s, events, on_socket_ready, w);
    return event_add(w->ev, NULL) == 0 ? 0 : -1;
}

/* CURLMOPT_TIMERFUNCTION: only arms our timer; acting here would re-enter curl. */
static int
on_curl_timer(CURLM *multi, long timeout_ms, void *userp)
{
    struct gw_http_client *c = userp;
    (void)multi;

    if (timeout_ms < 0)
        return evtimer_del(c->timer) == 0 ? 0 : -1;
    struct timeval tv = {timeout_ms / 1000, (timeout_ms % 1000) * 1000};
    return evtimer_add(c->timer, &tv) == 0 ? 0 : -1;
}

/* --- public API -------------------------------------------------------------- */

struct gw_http_client *
gw_http_client_new(struct event_base *base, long connect_timeout_ms, long total_timeout_ms)
{
    /* The loop is single-threaded, so a plain flag suffices. */
    static int curl_ready;
    struct gw_http_client *c;

    if (!curl_ready) {
        if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
            return NULL;
        curl_ready = 1;
    }
    c = calloc(1, sizeof(*c));
    if (c == NULL)
        return NULL;
    c->base = base;
    LIST_INIT(&c->transfers);
    LIST_INIT(&c->watches);
    c->connect_timeout_ms = connect_timeout_ms;
    c->total_timeout_ms = total_timeout_ms;
    c->multi = curl_multi_init();
    c->timer = evtimer_new(base, on_timeout, c);
    if (c->multi == NULL || c->timer == NULL)
        goto err;
    curl_multi_setopt(c->multi, CURLMOPT_SOCKETFUNCTION, on_curl_socket);
    curl_multi_setopt(c->multi, CURLMOPT_SOCKETDATA, c);
    curl_multi_setopt(c->multi, CURLMOPT_TIMERFUNCTION, on_curl_timer);
    curl_multi_setopt(c->multi, CURLMOPT_TIMERDATA, c);
    return c;

err:
    if (c->multi != NULL)
        curl_multi_cleanup(c->multi);
    if (c->timer != NULL)
        event_free(c->timer);
    free(c);
    return NULL;
}

/* Builds the header list: the caller's, plus defaults it did not override. */
static int
build_headers(struct transfer *t, const char *const *headers)
{
    int has_content_type = 0;
    struct curl_slist *l;

    for (size_t i = 0; headers != NULL && headers[i] != NULL; i++) {
        /* A CR or LF would let a value smuggle in extra headers. */
        if (strpbrk(headers[i], "\r\n") != NULL)
            return -1;
        if (strncasecmp(headers[i], "Content-Type:", 13) == 0)
            has_content_type = 1;
        l = curl_slist_append(t->headers, headers[i]);
        if (l == NULL)
            return -1;
        t->headers = l;
    }
    if (!has_content_type) {
        l = curl_slist_append(t->headers, "Content-Type: application/json");
        if (l == NULL)
            return -1;
        t->headers = l;
    }
    /* No "Expect: 100-continue" round trip for larger bodies. */
    l = curl_slist_append(t->headers, "Expect:");
    if (l == NULL)
        return -1;
    t->headers = l;
    return 0;
}

int
gw_http_client_post(struct gw_http_client *c, const char *url, const char *const *headers,
                    const char *body, size_t len, gw_http_done_cb cb, void *arg)
{
    struct transfer *t;
    CURL *e;
    int ok = 1;

    if (c == NULL || c->freeing || url == NULL || cb == NULL || (body == NULL && len > 0))
        return -1;
    t = calloc(1, sizeof(*t));
    if (t == NULL)
        return -1;
    t->c = c;
    t->cb = cb;
    t->arg = arg;
    t->retry_after_ms = -1;
    t->easy = e = curl_easy_init();
    if (e == NULL || build_headers(t, headers) != 0)
        goto err;

    ok &= curl_easy_setopt(e, CURLOPT_URL, url) == CURLE_OK;
    ok &= curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https") == CURLE_OK;
    ok &= curl_easy_setopt(e, CURLOPT_PRIVATE, t) == CURLE_OK;
    ok &= curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L) == CURLE_OK;
    ok &= curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, c->connect_timeout_ms) == CURLE_OK;
    ok &= curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, c->total_timeout_ms) == CURLE_OK;
    ok &= curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L) == CURLE_OK;
    ok &= curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 1L) == CURLE_OK;
    ok &= curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 2L) == CURLE_OK;
    ok &= curl_easy_setopt(e, CURLOPT_USERAGENT, "kaizen-gateway/" KAIZEN_VERSION) == CURLE_OK;
    ok &= curl_easy_setopt(e, CURLOPT_HTTPHEADER, t->headers) == CURLE_OK;
    /* Size first, so COPYPOSTFIELDS copies len bytes (NULs included). */
    ok &= curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len) == CURLE_OK;
    ok &= curl_easy_setopt(e, CURLOPT_COPYPOSTFIELDS, len > 0 ? body : "") == CURLE_OK;
    ok &= curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body) == CURLE_OK;
    ok &= curl_easy_setopt(e, CURLOPT_WRITEDATA, t) == CURLE_OK;
    ok &= curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header) == CURLE_OK;
    ok &= curl_easy_setopt(e, CURLOPT_HEADERDATA, t) == CURLE_OK;
    ok &= curl_easy_setopt(e, CURLOPT_ERRORBUFFER, t->errbuf) == CURLE_OK;
    if (!ok)
        goto err;
    /* Only arms the timer (on_curl_timer): the transfer starts, and can
     * only finish, once the loop runs, so cb never runs inside this call. */
    if (curl_multi_add_handle(c->multi, e) != CURLM_OK)
        goto err;

    LIST_INSERT_HEAD(&c->transfers, t, link);
    c->inflight++;
    return 0;

err:
    transfer_free(t);
    return -1;
}

int
gw_http_client_inflight(const struct gw_http_client *c)
{
    return c->inflight;
}

void
gw_http_client_free(struct gw_http_client *c)
{
    if (c == NULL || c->freeing)
        return;   /* a "cancelled" callback freeing again */
    c->freeing = 1;
    while (!LIST_EMPTY(&c->transfers))
        transfer_finish(LIST_FIRST(&c->transfers), CURLE_OK, "cancelled");
    /* Called from a completion callback: drain() releases c when it unwinds. */
    if (c->depth == 0)
        destroy(c);
}
