/*
 * TLS for the connection part (tls.c): the OpenSSL object of one new
 * connection, made from files read again each time, and the reason a TLS
 * connection failed. For gateway/net/redis/conn.c only; with no TLS in
 * the build (hiredis without hiredis_ssl) only gw_redis_tls_built and
 * gw_redis_tls_check (net/redis.h) exist, and they say so.
 */
#ifndef GW_REDIS_TLS_H
#define GW_REDIS_TLS_H

#ifdef KAIZEN_HAVE_TLS

#include <openssl/ssl.h>
#include <stddef.h>

#include "gateway/net/redis.h"

/*
 * A client SSL for a connection to host (the name it was reached by, or an
 * address): the CA bundle (tls->ca_file, else the system's) and the client
 * certificate and key read now; the server's certificate must chain to the
 * CA and carry tls->server_name, else host (a DNS name or an IP address);
 * SNI names it when it is a DNS name. TLS 1.2 at least.
 * @return the SSL (the caller owns it), or NULL with the reason in why.
 */
SSL *gw_redis_tls_new(const struct gw_redis_tls *tls, const char *host, char *why, size_t whylen);

/*
 * Why the connection of ssl ended (closed: how, as the socket said), into
 * why. @return 1 when TLS failed to set the session up: a certificate that
 * did not verify (and why: expired, unknown CA, name mismatch), an alert
 * from the server (it refused our certificate), a peer that does not speak
 * TLS, in OpenSSL's words; or a server that asked for a client certificate
 * and closed the session before any answer. 0 when the session had worked
 * (why is closed, with a TLS alert that ended it) or never failed in TLS.
 */
int gw_redis_tls_failure(const SSL *ssl, const char *closed, char *why, size_t whylen);

/*
 * A connection whose time ran out: 1 with the reason in why when its TLS
 * handshake had not finished (a server that does not speak TLS may just
 * wait), else 0.
 */
int gw_redis_tls_unfinished(const SSL *ssl, char *why, size_t whylen);

#endif
#endif
