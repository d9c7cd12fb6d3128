// The system's OpenSSL (Debian libssl-dev): digests, HMAC and PBKDF2 for SigV4 and YKOATH
// (libcrypto), and TLS for the HTTP client (libssl). The few macros Swift cannot call are
// wrapped below, with the verification observer that records why a certificate was refused.
//
// The block-level hash functions (SHA256_Init…) are deprecated in OpenSSL 3 in favour of EVP,
// but they stay, and unlike EVP they need no provider loaded (see Digest.swift).
#define OPENSSL_SUPPRESS_DEPRECATED 1
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/sha.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <string.h>
#include <time.h>

// Why OpenSSL refused the peer's certificate: the first verification error, and the validity
// dates (seconds since the epoch) of the certificate it was about. Owned by the caller, found
// by the callback through the SSL's first ex_data slot.
struct awsmfa_tls_refusal {
  int error;
  long long not_before;
  long long not_after;
};

static inline long long awsmfa_asn1_epoch(const ASN1_TIME *stamp) {
  struct tm parts;
  memset(&parts, 0, sizeof parts);
  if (stamp == NULL || ASN1_TIME_to_tm(stamp, &parts) != 1) return 0;
  return (long long)timegm(&parts);
}

// OpenSSL decides; this only notes its first "no" (and lets it stand).
static inline int awsmfa_verify_observer(int ok, X509_STORE_CTX *store) {
  if (ok) return ok;
  SSL *ssl = X509_STORE_CTX_get_ex_data(store, SSL_get_ex_data_X509_STORE_CTX_idx());
  struct awsmfa_tls_refusal *refusal = ssl ? SSL_get_ex_data(ssl, 0) : NULL;
  if (refusal != NULL && refusal->error == 0) {
    refusal->error = X509_STORE_CTX_get_error(store);
    X509 *certificate = X509_STORE_CTX_get_current_cert(store);
    if (certificate != NULL) {
      refusal->not_before = awsmfa_asn1_epoch(X509_get0_notBefore(certificate));
      refusal->not_after = awsmfa_asn1_epoch(X509_get0_notAfter(certificate));
    }
  }
  return ok;
}

// A client context that verifies the peer (TLS 1.2 or later) and observes refusals.
static inline SSL_CTX *awsmfa_tls_client_context(void) {
  SSL_CTX *context = SSL_CTX_new(TLS_client_method());
  if (context == NULL) return NULL;
  SSL_CTX_set_min_proto_version(context, TLS1_2_VERSION);
  // Writes on a non-blocking socket may be partial and may resume from a moved buffer.
  SSL_CTX_set_mode(context, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
  SSL_CTX_set_verify(context, SSL_VERIFY_PEER, awsmfa_verify_observer);
  return context;
}

static inline int awsmfa_tls_set_server_name(SSL *ssl, const char *name) {
  return (int)SSL_set_tlsext_host_name(ssl, name);
}
