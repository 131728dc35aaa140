/* proxy/tls.c — OpenSSL contexts and connections (see tls.h). */
#include "proxy/tls.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "common/mem.h"

struct tls_ctx {
    SSL_CTX *ssl;
};

static SSL *ssl_of(const tls_conn *t)
{
    return (SSL *)t;
}

/* The last OpenSSL error queued, or what; the queue is emptied (it is per thread, and a
 * stale entry would be blamed on the next connection). */
static void openssl_error(char *err, size_t errlen, const char *what)
{
    unsigned long e = ERR_get_error();
    char reason[256] = "";
    if (e)
        ERR_error_string_n(e, reason, sizeof reason);
    ERR_clear_error();
    snprintf(err, errlen, "%s%s%s", what, e ? ": " : "", reason);
}

/* PgBouncer's cipher shortcuts (libusual's tls), else the text as OpenSSL syntax. */
static const char *cipher_list(const char *name)
{
    static const struct {
        const char *name, *list;
    } shortcuts[] = {
        {"default", "HIGH+EECDH:HIGH+EDH:!SSLv3:!SHA384:!SHA256:!DSS:!aNULL"},
        {"secure", "HIGH+EECDH:HIGH+EDH:!SSLv3:!SHA384:!SHA256:!DSS:!aNULL"},
        {"compat", "HIGH:+3DES:!aNULL"},
        {"legacy", "HIGH:+3DES:!aNULL"},
        {"insecure", "ALL:!aNULL:!eNULL"},
        {"all", "ALL:!aNULL:!eNULL"},
        {"normal", "HIGH+EECDH:HIGH+EDH:HIGH+RSA:+SHA384:+SHA256:+SSLv3:+EDH:+RSA:-3DES:3DES+RSA:"
                   "!CAMELLIA:!DSS:!aNULL"},
        {"fast", "HIGH+EECDH:HIGH+EDH:HIGH+RSA:+AES256:+SHA256:+SHA384:+SSLv3:+EDH:+RSA:-3DES:"
                 "3DES+RSA:!CAMELLIA:!DSS:!aNULL"},
    };
    for (size_t i = 0; i < sizeof shortcuts / sizeof *shortcuts; i++)
        if (strcasecmp(name, shortcuts[i].name) == 0)
            return shortcuts[i].list;
    return name;
}

/* Protocol versions as a set: the lowest and highest bound it, versions missing in between
 * are switched off one by one. */
static void set_protocols(SSL_CTX *ctx, int bits)
{
    static const struct {
        int bit, version;
        uint64_t off;
    } versions[] = {
        {CONF_TLS_V1_0, TLS1_VERSION, SSL_OP_NO_TLSv1},
        {CONF_TLS_V1_1, TLS1_1_VERSION, SSL_OP_NO_TLSv1_1},
        {CONF_TLS_V1_2, TLS1_2_VERSION, SSL_OP_NO_TLSv1_2},
        {CONF_TLS_V1_3, TLS1_3_VERSION, SSL_OP_NO_TLSv1_3},
    };
    int lo = 0, hi = 0;
    for (size_t i = 0; i < 4; i++) {
        if (bits & versions[i].bit) {
            lo = lo ? lo : versions[i].version;
            hi = versions[i].version;
        }
    }
    SSL_CTX_set_min_proto_version(ctx, lo);
    SSL_CTX_set_max_proto_version(ctx, hi);
    for (size_t i = 0; i < 4; i++)
        if (!(bits & versions[i].bit) && versions[i].version > lo && versions[i].version < hi)
            SSL_CTX_set_options(ctx, versions[i].off);
}

/* What both sides share: versions, ciphers, no renegotiation or compression, partial
 * writes, read-ahead (one read(2) per socket event instead of two per record) and buffers
 * released while idle (an idle TLS client costs no 34 kB of OpenSSL buffers). */
static SSL_CTX *new_ctx(const SSL_METHOD *method, const conf_tls *t, char *err, size_t errlen)
{
    SSL_CTX *ctx = SSL_CTX_new(method);
    if (!ctx) {
        openssl_error(err, errlen, "cannot create a TLS context");
        return NULL;
    }
    set_protocols(ctx, t->protocols);
    SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_COMPRESSION | SSL_OP_NO_TICKET);
    SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER |
                              SSL_MODE_RELEASE_BUFFERS);
    SSL_CTX_set_read_ahead(ctx, 1);
    const char *ciphers = cipher_list(t->ciphers ? t->ciphers : "fast");
    if (SSL_CTX_set_cipher_list(ctx, ciphers) != 1) {
        openssl_error(err, errlen, "no usable cipher in the ciphers setting");
        SSL_CTX_free(ctx);
        return NULL;
    }
    return ctx;
}

/* A certificate (chain) and its key, if both are set. */
static bool load_pair(SSL_CTX *ctx, const char *cert, const char *key, char *err, size_t errlen)
{
    char what[512];
    if (!cert)
        return true;
    if (SSL_CTX_use_certificate_chain_file(ctx, cert) != 1) {
        snprintf(what, sizeof what, "cannot load certificate %s", cert);
        openssl_error(err, errlen, what);
        return false;
    }
    if (SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) != 1) {
        snprintf(what, sizeof what, "cannot load private key %s", key);
        openssl_error(err, errlen, what);
        return false;
    }
    if (SSL_CTX_check_private_key(ctx) != 1) {
        snprintf(what, sizeof what, "private key %s does not match certificate %s", key, cert);
        openssl_error(err, errlen, what);
        return false;
    }
    return true;
}

static bool load_ca(SSL_CTX *ctx, const char *ca, char *err, size_t errlen)
{
    char what[512];
    if (SSL_CTX_load_verify_locations(ctx, ca, NULL) == 1)
        return true;
    snprintf(what, sizeof what, "cannot load CA file %s", ca);
    openssl_error(err, errlen, what);
    return false;
}

static tls_ctx *wrap(SSL_CTX *ctx, bool ok, const char *conf_name, char *err, size_t errlen)
{
    if (!ok) {
        char why[CONF_ERR_MAX];
        snprintf(why, sizeof why, "%s", err);
        snprintf(err, errlen, "%s: %s", conf_name, why);
        SSL_CTX_free(ctx);
        return NULL;
    }
    tls_ctx *c = mem_zalloc(sizeof *c);
    c->ssl = ctx;
    return c;
}

tls_ctx *tls_ctx_accepting(const conf_tls *t, const char *conf_name, char *err, size_t errlen)
{
    SSL_CTX *ctx = new_ctx(TLS_server_method(), t, err, errlen);
    bool ok = ctx && load_pair(ctx, t->cert_file, t->key_file, err, errlen);
    if (ok && t->ca_file)
        ok = load_ca(ctx, t->ca_file, err, errlen);
    if (ok) {
        SSL_CTX_set_options(ctx, SSL_OP_CIPHER_SERVER_PREFERENCE);
        SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
        SSL_CTX_set_num_tickets(ctx, 0);
        if (t->sslmode >= CONF_SSL_VERIFY_CA) {
            /* the CAs clients may choose a certificate by */
            SSL_CTX_set_client_CA_list(ctx, SSL_load_client_CA_file(t->ca_file));
            SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, NULL);
        }
    }
    return wrap(ctx, ok, conf_name, err, errlen);
}

tls_ctx *tls_ctx_connecting(const conf_tls *t, const char *conf_name, char *err, size_t errlen)
{
    SSL_CTX *ctx = new_ctx(TLS_client_method(), t, err, errlen);
    bool ok = ctx && load_pair(ctx, t->cert_file, t->key_file, err, errlen);
    if (ok && t->ca_file)
        ok = load_ca(ctx, t->ca_file, err, errlen);
    else if (ok)
        SSL_CTX_set_default_verify_paths(ctx); /* the system's CAs, as for a hosted server */
    return wrap(ctx, ok, conf_name, err, errlen);
}

void tls_ctx_free(tls_ctx *ctx)
{
    if (!ctx)
        return;
    SSL_CTX_free(ctx->ssl); /* connections hold references of their own */
    free(ctx);
}

tls_conn *tls_accept(tls_ctx *ctx, int fd)
{
    SSL *ssl = SSL_new(ctx->ssl);
    if (!ssl)
        mem_fail(sizeof(void *));
    SSL_set_fd(ssl, fd);
    SSL_set_accept_state(ssl);
    return (tls_conn *)ssl;
}

tls_conn *tls_connect(tls_ctx *ctx, int fd, const char *host, conf_sslmode mode)
{
    SSL *ssl = SSL_new(ctx->ssl);
    if (!ssl)
        mem_fail(sizeof(void *));
    SSL_set_fd(ssl, fd);
    SSL_set_connect_state(ssl);
    unsigned char ip[sizeof(struct in6_addr)];
    bool literal = inet_pton(AF_INET, host, ip) == 1 || inet_pton(AF_INET6, host, ip) == 1;
    if (!literal)
        SSL_set_tlsext_host_name(ssl, host); /* SNI, as libpq sends it */
    if (mode >= CONF_SSL_VERIFY_CA)
        SSL_set_verify(ssl, SSL_VERIFY_PEER, NULL);
    if (mode == CONF_SSL_VERIFY_FULL) {
        if (literal)
            X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), host);
        else
            SSL_set1_host(ssl, host);
    }
    return (tls_conn *)ssl;
}

void tls_free(tls_conn *t)
{
    SSL_free(ssl_of(t));
}

void tls_close_notify(tls_conn *t)
{
    SSL_shutdown(ssl_of(t));
    ERR_clear_error();
}

/* What an SSL_* call that returned rc <= 0 means for the caller. */
static tls_status status_of(SSL *ssl, int rc)
{
    switch (SSL_get_error(ssl, rc)) {
    case SSL_ERROR_WANT_READ:
        return TLS_WANT_READ;
    case SSL_ERROR_WANT_WRITE:
        return TLS_WANT_WRITE;
    case SSL_ERROR_ZERO_RETURN:
        return TLS_CLOSED;
    case SSL_ERROR_SYSCALL:
        ERR_clear_error();
        return TLS_CLOSED; /* EOF or a socket error: the connection is gone either way */
    default:
        ERR_clear_error();
        return TLS_FAILED;
    }
}

tls_status tls_handshake(tls_conn *t, char *err, size_t errlen)
{
    SSL *ssl = ssl_of(t);
    int rc = SSL_do_handshake(ssl);
    if (rc == 1)
        return TLS_DONE;
    int code = SSL_get_error(ssl, rc);
    if (code == SSL_ERROR_WANT_READ || code == SSL_ERROR_WANT_WRITE)
        return code == SSL_ERROR_WANT_READ ? TLS_WANT_READ : TLS_WANT_WRITE;
    long verify = SSL_get_verify_result(ssl);
    if (verify != X509_V_OK) {
        ERR_clear_error();
        snprintf(err, errlen, "certificate verify failed: %s",
                 X509_verify_cert_error_string(verify));
    } else if (code == SSL_ERROR_SYSCALL && ERR_peek_error() == 0) {
        snprintf(err, errlen, "the peer closed the connection during the TLS handshake");
    } else {
        openssl_error(err, errlen, "TLS handshake failed");
    }
    return TLS_FAILED;
}

tls_status tls_read(tls_conn *t, void *buf, size_t n, size_t *got)
{
    SSL *ssl = ssl_of(t);
    int rc = SSL_read_ex(ssl, buf, n, got);
    return rc == 1 ? TLS_DONE : status_of(ssl, rc);
}

tls_status tls_write(tls_conn *t, const void *buf, size_t n, size_t *put)
{
    SSL *ssl = ssl_of(t);
    int rc = SSL_write_ex(ssl, buf, n, put);
    return rc == 1 ? TLS_DONE : status_of(ssl, rc);
}

bool tls_has_pending(const tls_conn *t)
{
    return SSL_has_pending(ssl_of(t)) == 1;
}

bool tls_peer_common_name(const tls_conn *t, char *buf, size_t len)
{
    X509 *cert = SSL_get0_peer_certificate(ssl_of(t));
    if (!cert || SSL_get_verify_result(ssl_of(t)) != X509_V_OK)
        return false;
    X509_NAME *subject = X509_get_subject_name(cert);
    int at = X509_NAME_get_index_by_NID(subject, NID_commonName, -1);
    if (at < 0)
        return false;
    const ASN1_STRING *cn = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(subject, at));
    size_t n = (size_t)ASN1_STRING_length(cn);
    const unsigned char *p = ASN1_STRING_get0_data(cn);
    if (n + 1 > len || memchr(p, 0, n)) /* a NUL inside would let "alice\0x" pass as alice */
        return false;
    memcpy(buf, p, n);
    buf[n] = 0;
    return true;
}

bool tls_same_certificate(const tls_conn *client_side, const tls_conn *server_side)
{
    X509 *ours = SSL_get_certificate(ssl_of(client_side));
    X509 *theirs = SSL_get0_peer_certificate(ssl_of(server_side));
    return ours && theirs && X509_cmp(ours, theirs) == 0;
}

void tls_describe(const tls_conn *t, char *buf, size_t len)
{
    snprintf(buf, len, "%s %s", SSL_get_version(ssl_of(t)), SSL_get_cipher_name(ssl_of(t)));
}
