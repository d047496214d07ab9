/*
 * The ceilings of bench/github.sh: the least a webhook server on libevent's
 * evhttp can do per delivery, so the gateway's figures have something to
 * be measured against in the same run.
 *
 *   ceiling PORT            read the body, answer 202 {"status":"accepted"}
 *   ceiling PORT SECRET     the same after checking X-Hub-Signature-256
 *                           (HMAC-SHA256 of the body, constant-time compare;
 *                           401 on a mismatch)
 *
 * Build: cc -O2 -o ceiling bench/ceiling.c -levent -lcrypto
 */
#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *secret;

static int
signature_ok(const unsigned char *body, size_t len, const char *header)
{
    unsigned char mac[EVP_MAX_MD_SIZE], want[32];
    unsigned int mac_len = 0;

    if (header == NULL || strncmp(header, "sha256=", 7) != 0 || strlen(header) != 7 + 64)
        return 0;
    for (int i = 0; i < 32; i++) {
        unsigned int byte;
        if (sscanf(header + 7 + 2 * i, "%2x", &byte) != 1)
            return 0;
        want[i] = (unsigned char)byte;
    }
    HMAC(EVP_sha256(), secret, (int)strlen(secret), body, len, mac, &mac_len);
    return mac_len == 32 && CRYPTO_memcmp(mac, want, 32) == 0;
}

static void
on_request(struct evhttp_request *req, void *arg)
{
    struct evbuffer *in = evhttp_request_get_input_buffer(req), *out = evbuffer_new();
    size_t len = evbuffer_get_length(in);
    const unsigned char *body = evbuffer_pullup(in, -1);
    int code = 202;
    (void)arg;

    if (secret != NULL &&
        !signature_ok(body, len, evhttp_find_header(evhttp_request_get_input_headers(req),
                                                    "X-Hub-Signature-256")))
        code = 401;
    evhttp_add_header(evhttp_request_get_output_headers(req), "Content-Type", "application/json");
    evbuffer_add_printf(out, code == 202 ? "{\"status\":\"accepted\"}\n"
                                         : "{\"error\":\"bad signature\"}\n");
    evhttp_send_reply(req, code, code == 202 ? "Accepted" : "Unauthorized", out);
    evbuffer_free(out);
}

int
main(int argc, char **argv)
{
    struct event_base *base;
    struct evhttp *http;

    if (argc < 2) {
        fprintf(stderr, "usage: ceiling PORT [SECRET]\n");
        return 2;
    }
    secret = argc > 2 ? argv[2] : NULL;
    signal(SIGPIPE, SIG_IGN);
    base = event_base_new();
    http = evhttp_new(base);
    evhttp_set_max_body_size(http, 5 << 20);
    evhttp_set_gencb(http, on_request, NULL);
    if (evhttp_bind_socket(http, "127.0.0.1", (unsigned short)atoi(argv[1])) != 0) {
        perror("bind");
        return 1;
    }
    event_base_dispatch(base);
    return 0;
}
