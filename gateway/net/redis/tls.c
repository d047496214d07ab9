/* TLS to Redis: one SSL per new connection, from files read each time; why it failed. */
#include "gateway/net/redis.h"

#include <stdio.h>

#include "gateway/util/parse.h"

#ifndef KAIZEN_HAVE_TLS

int
gw_redis_tls_built(void)
{
    return 0;
}

int
gw_redis_tls_check(const struct gw_redis_tls *tls, char *report, size_t reportlen, char *err,
                   size_t errlen)
{
    (void)tls;
    if (reportlen > 0)
        report[0] = '\0';
    return gw_fail(err, errlen, "KAIZEN_REDIS_URL: this build has no TLS");
}

#else

#include <arpa/inet.h>
#include <errno.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "gateway/net/redis/tls.h"
#include "gateway/util/log.h"

int
gw_redis_tls_built(void)
{
    return 1;
}

/* --- what went wrong: noted as it happens, read when the connection is gone --------- */

struct tls_note {
    char name[256];     /* what the certificate must name */
    char text[240];     /* the first failure */
    int has_cert;       /* we present a client certificate */
    int cert_asked;     /* the server asked for a client certificate */
    int answered;       /* application data came back: the session worked */
};

static int note_index = -1;

static void
free_note(void *parent, void *ptr, CRYPTO_EX_DATA *ad, int idx, long argl, void *argp)
{
    (void)parent;
    (void)ad;
    (void)idx;
    (void)argl;
    (void)argp;
    free(ptr);
}

static void
note(const SSL *ssl, const char *what, const char *words)
{
    struct tls_note *n = SSL_get_ex_data(ssl, note_index);
    if (n != NULL && n->text[0] == '\0')
        snprintf(n->text, sizeof(n->text), "%s: %s", what, words);
}

/*
 * The first failure of a connection, in OpenSSL's words, as it happens:
 * later calls (and hiredis) may clear OpenSSL's error queue before the
 * connection's owner asks why it failed.
 */
static void
on_tls_event(const SSL *ssl, int where, int ret)
{
    if ((where & SSL_CB_READ_ALERT) && (ret >> 8) == SSL3_AL_FATAL) {
        note(ssl, "the server ended the TLS session", SSL_alert_desc_string_long(ret));
    } else if ((where & SSL_CB_EXIT) && ret <= 0 && SSL_want(ssl) == SSL_NOTHING &&
               ERR_peek_error() != 0) {
        /* a failure, not a wait for the socket (then the queue may hold others' errors) */
        char text[160];
        ERR_error_string_n(ERR_peek_last_error(), text, sizeof(text));
        /* "error:0A00010B:SSL routines::wrong version number": the words after the last ':' */
        const char *words = strrchr(text, ':') != NULL ? strrchr(text, ':') + 1 : text;
        note(ssl, "TLS handshake failed", words);
    }
}

/*
 * What came from the server: a request for our certificate, and whether
 * anything but the handshake came back (TLS 1.3 hides the record type in
 * the record: its inner type; TLS 1.2 shows it in the header).
 */
static void
on_tls_message(int write_p, int version, int content_type, const void *buf, size_t len, SSL *ssl,
               void *arg)
{
    struct tls_note *n = SSL_get_ex_data(ssl, note_index);
    const unsigned char *b = buf;
    (void)version;
    (void)arg;

    if (write_p || len < 1 || n == NULL)
        return;
    if (content_type == SSL3_RT_HANDSHAKE && b[0] == SSL3_MT_CERTIFICATE_REQUEST)
        n->cert_asked = 1;
    else if (b[0] == SSL3_RT_APPLICATION_DATA &&
             (content_type == SSL3_RT_INNER_CONTENT_TYPE ||
              (content_type == SSL3_RT_HEADER && SSL_version(ssl) != TLS1_3_VERSION)))
        n->answered = 1;
}

int
gw_redis_tls_failure(const SSL *ssl, const char *closed, char *why, size_t whylen)
{
    long verify = SSL_get_verify_result(ssl);
    const struct tls_note *n = SSL_get_ex_data(ssl, note_index);
    /* With TLS 1.3 a server refuses a client certificate after our side of the
     * handshake is done, and its alert may be lost when it resets the connection. */
    const char *cert_hint = n == NULL || !n->cert_asked ? ""
                            : n->has_cert ? " (it asked for our client certificate and may have "
                                            "refused KAIZEN_REDIS_TLS_CERT_FILE)"
                                          : " (it asked for a client certificate, and "
                                            "KAIZEN_REDIS_TLS_CERT_FILE is unset)";

    if (verify != X509_V_OK) {
        int mismatch = verify == X509_V_ERR_HOSTNAME_MISMATCH ||
                       verify == X509_V_ERR_IP_ADDRESS_MISMATCH;
        snprintf(why, whylen, "TLS: the server's certificate did not verify: %s%s%s%s",
                 X509_verify_cert_error_string(verify), mismatch && n != NULL ? " (it must name " : "",
                 mismatch && n != NULL ? n->name : "", mismatch && n != NULL ? ")" : "");
        return 1;
    }
    if (n != NULL && n->text[0] != '\0' && !n->answered) {
        const char *hint = strstr(n->text, "wrong version number") != NULL ||
                                   strstr(n->text, "packet length too long") != NULL ||
                                   strstr(n->text, "record layer failure") != NULL
                               ? " (is the server speaking TLS on this port?)"
                               : "";
        snprintf(why, whylen, "TLS: %s%s%s", n->text, hint, cert_hint);
        return 1;
    }
    if (n != NULL && n->cert_asked && !n->answered) {
        snprintf(why, whylen, "TLS: the server closed the session before answering: %s%s", closed,
                 cert_hint);
        return 1;
    }
    /* A session that worked, then ended (a server shutting down may send an alert) */
    if (n != NULL && n->text[0] != '\0')
        snprintf(why, whylen, "%s (%s)", closed, n->text);
    else
        snprintf(why, whylen, "%s", closed);
    return 0;
}

int
gw_redis_tls_unfinished(const SSL *ssl, char *why, size_t whylen)
{
    if (SSL_is_init_finished(ssl))
        return 0;
    snprintf(why, whylen, "TLS: the server did not finish the TLS handshake in time (is the server "
             "speaking TLS on this port?)");
    return 1;
}

/* --- the files ------------------------------------------------------------------ */

/* OpenSSL's reason for the last error, or errno's; the queue is cleared. */
static const char *
last_error(char *buf, size_t len)
{
    unsigned long e = ERR_peek_last_error();
    if (e == 0)
        snprintf(buf, len, "%s", errno != 0 ? strerror(errno) : "unreadable");
    else
        snprintf(buf, len, "%s", ERR_reason_error_string(e) != NULL ? ERR_reason_error_string(e)
                                                                    : "unreadable");
    ERR_clear_error();
    return buf;
}

/* A file that can be opened, else the reason: not found is not a parse error. */
static int
readable(const char *var, const char *path, char *err, size_t errlen)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return gw_fail(err, errlen, "%s: cannot read %s: %s", var, path, strerror(errno));
    fclose(f);
    return 0;
}

/* A client context with every file read now; NULL with "KAIZEN_REDIS_TLS_X: reason" in err. */
static SSL_CTX *
context_new(const struct gw_redis_tls *tls, char *err, size_t errlen)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
    char reason[160];

    ERR_clear_error();
    errno = 0;
    if (ctx == NULL) {
        gw_fail(err, errlen, "KAIZEN_REDIS_URL: no TLS context: %s", last_error(reason, sizeof(reason)));
        return NULL;
    }
    SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
    if (tls->ca_file != NULL) {
        if (readable("KAIZEN_REDIS_TLS_CA_FILE", tls->ca_file, err, errlen) != 0)
            goto fail;
        if (SSL_CTX_load_verify_locations(ctx, tls->ca_file, NULL) != 1) {
            gw_fail(err, errlen, "KAIZEN_REDIS_TLS_CA_FILE: %s: %s", tls->ca_file,
                    last_error(reason, sizeof(reason)));
            goto fail;
        }
    } else if (SSL_CTX_set_default_verify_paths(ctx) != 1) {
        gw_fail(err, errlen, "KAIZEN_REDIS_TLS_CA_FILE: unset, and the system CA bundle cannot be "
                "read: %s", last_error(reason, sizeof(reason)));
        goto fail;
    }
    if (tls->cert_file != NULL) {
        if (readable("KAIZEN_REDIS_TLS_CERT_FILE", tls->cert_file, err, errlen) != 0 ||
            readable("KAIZEN_REDIS_TLS_KEY_FILE", tls->key_file, err, errlen) != 0)
            goto fail;
        if (SSL_CTX_use_certificate_chain_file(ctx, tls->cert_file) != 1) {
            gw_fail(err, errlen, "KAIZEN_REDIS_TLS_CERT_FILE: %s: %s", tls->cert_file,
                    last_error(reason, sizeof(reason)));
            goto fail;
        }
        if (SSL_CTX_use_PrivateKey_file(ctx, tls->key_file, SSL_FILETYPE_PEM) != 1 ||
            SSL_CTX_check_private_key(ctx) != 1) {
            gw_fail(err, errlen, "KAIZEN_REDIS_TLS_KEY_FILE: %s: %s", tls->key_file,
                    last_error(reason, sizeof(reason)));
            goto fail;
        }
    }
    return ctx;
fail:
    SSL_CTX_free(ctx);
    return NULL;
}

static int
is_address(const char *host)
{
    unsigned char buf[sizeof(struct in6_addr)];
    return inet_pton(AF_INET, host, buf) == 1 || inet_pton(AF_INET6, host, buf) == 1;
}

SSL *
gw_redis_tls_new(const struct gw_redis_tls *tls, const char *host, char *why, size_t whylen)
{
    const char *name = tls->server_name != NULL ? tls->server_name : host;
    SSL_CTX *ctx;
    SSL *ssl = NULL;
    struct tls_note *n = NULL;

    if (note_index < 0 &&
        (note_index = SSL_get_ex_new_index(0, NULL, NULL, NULL, free_note)) < 0)
        gw_oom(__func__);
    if ((ctx = context_new(tls, why, whylen)) == NULL)
        return NULL;
    if ((ssl = SSL_new(ctx)) == NULL || (n = calloc(1, sizeof(*n))) == NULL ||
        SSL_set_ex_data(ssl, note_index, n) != 1)
        gw_oom(__func__);
    SSL_CTX_free(ctx); /* ssl holds it */
    snprintf(n->name, sizeof(n->name), "%s", name);
    SSL_set_info_callback(ssl, on_tls_event);
    SSL_set_msg_callback(ssl, on_tls_message);
    n->has_cert = tls->cert_file != NULL;
    SSL_set_hostflags(ssl, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
    /* The certificate must name what we connect to; SNI carries DNS names only. */
    if (is_address(name)) {
        if (X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), name) != 1) {
            snprintf(why, whylen, "TLS: cannot check the address %s", name);
            SSL_free(ssl);
            return NULL;
        }
    } else if (SSL_set1_host(ssl, name) != 1 || SSL_set_tlsext_host_name(ssl, name) != 1) {
        snprintf(why, whylen, "TLS: cannot check the name %s", name);
        SSL_free(ssl);
        return NULL;
    }
    return ssl;
}

/* --- --check-config ------------------------------------------------------------- */

/* The certificates in a PEM file; -1 when it cannot be read. */
static int
count_certificates(const char *path)
{
    FILE *f = fopen(path, "rb");
    STACK_OF(X509_INFO) *infos;
    int n = 0;

    if (f == NULL)
        return -1;
    infos = PEM_X509_INFO_read(f, NULL, NULL, NULL);
    fclose(f);
    if (infos == NULL)
        return -1;
    for (int i = 0; i < sk_X509_INFO_num(infos); i++)
        n += sk_X509_INFO_value(infos, i)->x509 != NULL;
    sk_X509_INFO_pop_free(infos, X509_INFO_free);
    ERR_clear_error();
    return n;
}

/* "CN=kaizen, valid until 2027-05-01 (expired)" of the first certificate in path. */
static void
describe_certificate(const char *path, char *out, size_t len)
{
    FILE *f = fopen(path, "rb");
    X509 *cert = f != NULL ? PEM_read_X509(f, NULL, NULL, NULL) : NULL;
    char subject[200] = "?", until[32] = "?";
    struct tm tm;

    if (f != NULL)
        fclose(f);
    if (cert != NULL) {
        X509_NAME_oneline(X509_get_subject_name(cert), subject, sizeof(subject));
        if (ASN1_TIME_to_tm(X509_get0_notAfter(cert), &tm) == 1)
            strftime(until, sizeof(until), "%Y-%m-%d %H:%M UTC", &tm);
        snprintf(out, len, "%s, valid until %s%s", subject, until,
                 X509_cmp_current_time(X509_get0_notAfter(cert)) < 0 ? " (EXPIRED: servers will "
                                                                        "refuse it)" : "");
        X509_free(cert);
    } else {
        snprintf(out, len, "?");
    }
    ERR_clear_error();
}

int
gw_redis_tls_check(const struct gw_redis_tls *tls, char *report, size_t reportlen, char *err,
                   size_t errlen)
{
    SSL_CTX *ctx;
    char cert[300];
    size_t used;

    report[0] = '\0';
    if ((tls->cert_file != NULL) != (tls->key_file != NULL))
        return gw_fail(err, errlen, "%s: required with %s (a client certificate needs its key)",
                       tls->cert_file != NULL ? "KAIZEN_REDIS_TLS_KEY_FILE"
                                              : "KAIZEN_REDIS_TLS_CERT_FILE",
                       tls->cert_file != NULL ? "KAIZEN_REDIS_TLS_CERT_FILE"
                                              : "KAIZEN_REDIS_TLS_KEY_FILE");
    if ((ctx = context_new(tls, err, errlen)) == NULL)
        return -1;
    SSL_CTX_free(ctx);
    if (tls->ca_file != NULL) {
        snprintf(report, reportlen, "CA file %s: %d certificate(s)", tls->ca_file,
                 count_certificates(tls->ca_file));
    } else {
        /* OpenSSL's default bundle, or the one $SSL_CERT_FILE names (the image sets it) */
        const char *env = getenv(X509_get_default_cert_file_env());
        const char *bundle = env != NULL && env[0] != '\0' ? env : X509_get_default_cert_file();
        FILE *f = fopen(bundle, "rb");
        if (f == NULL)
            return gw_fail(err, errlen, "KAIZEN_REDIS_TLS_CA_FILE: unset, and the system CA bundle "
                           "%s cannot be read: %s (install ca-certificates, or set "
                           "KAIZEN_REDIS_TLS_CA_FILE)", bundle, strerror(errno));
        fclose(f);
        snprintf(report, reportlen, "CA: the system bundle %s: %d certificate(s)", bundle,
                 count_certificates(bundle));
    }
    used = strlen(report);
    if (tls->cert_file != NULL && used < reportlen) {
        describe_certificate(tls->cert_file, cert, sizeof(cert));
        snprintf(report + used, reportlen - used,
                 "\nclient certificate %s: %s\nclient key %s: matches the certificate",
                 tls->cert_file, cert, tls->key_file);
    }
    return 0;
}

#endif
