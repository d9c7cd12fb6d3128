// OpenSSL's libcrypto (Debian libssl-dev): digests, HMAC and PBKDF2 for SigV4 and YKOATH.
// TLS is NIOSSL's own (BoringSSL, with prefixed symbols), so the two never meet.
#include <openssl/evp.h>
#include <openssl/hmac.h>
