#include "auth/JwsSignature.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>

#include <array>
#include <memory>

namespace wshub::auth {
namespace {

template <typename T, void (*Free)(T*)>
struct Freer {
  void operator()(T* p) const { Free(p); }
};
using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, Freer<EVP_MD_CTX, EVP_MD_CTX_free>>;

const uint8_t* bytes(std::string_view s) {
  return reinterpret_cast<const uint8_t*>(s.data());
}

// Keyed HMAC contexts, per thread. Keying a fresh EVP_MAC_CTX costs a dozen allocations
// (the context, three digest contexts, the digest fetch); re-initialising a keyed one with
// a NULL key restarts it from the saved inner/outer pads for about two. Entries are found
// by key id (never reused, so a key that died cannot be mistaken for a new one at the
// same address) and algorithm; the least recently keyed entry is replaced.
class HmacContexts {
 public:
  HmacContexts() = default;
  HmacContexts(const HmacContexts&) = delete;
  HmacContexts& operator=(const HmacContexts&) = delete;
  ~HmacContexts() {
    for (Entry& e : entries_) EVP_MAC_CTX_free(e.ctx);
  }

  // A context ready for EVP_MAC_update, or nullptr on failure.
  EVP_MAC_CTX* start(const VerificationKey& key, Algorithm alg) {
    for (Entry& e : entries_) {
      if (e.ctx != nullptr && key.id != 0 && e.key_id == key.id && e.alg == alg) {
        if (EVP_MAC_init(e.ctx, nullptr, 0, nullptr) == 1) return e.ctx;
        ERR_clear_error();  // keying afresh still works: do not leave a stale error behind
        return rekey(e, key, alg);
      }
    }
    return rekey(entries_[next_++ % entries_.size()], key, alg);
  }

 private:
  struct Entry {
    uint64_t key_id = 0;
    Algorithm alg = Algorithm::HS256;
    EVP_MAC_CTX* ctx = nullptr;
  };

  static EVP_MAC_CTX* rekey(Entry& e, const VerificationKey& key, Algorithm alg) {
    static EVP_MAC* const hmac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
    EVP_MAC_CTX_free(e.ctx);
    e = Entry{key.id, alg, hmac ? EVP_MAC_CTX_new(hmac) : nullptr};
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, const_cast<char*>(digest_name(alg)), 0),
        OSSL_PARAM_construct_end()};
    if (e.ctx == nullptr || EVP_MAC_init(e.ctx, bytes(key.secret), key.secret.size(), params) != 1) {
      EVP_MAC_CTX_free(e.ctx);
      e = Entry{};
    }
    return e.ctx;
  }

  std::array<Entry, 8> entries_;
  size_t next_ = 0;
};

bool verify_hmac(Algorithm alg, const VerificationKey& key, std::string_view input,
                 std::span<const uint8_t> signature) {
  if (signature.size() != signature_size(alg)) return false;
  thread_local HmacContexts contexts;
  EVP_MAC_CTX* ctx = contexts.start(key, alg);
  uint8_t mac[EVP_MAX_MD_SIZE];
  size_t mac_size = 0;
  if (ctx == nullptr || EVP_MAC_update(ctx, bytes(input), input.size()) != 1 ||
      EVP_MAC_final(ctx, mac, &mac_size, sizeof(mac)) != 1 || mac_size != signature.size()) {
    return false;
  }
  return CRYPTO_memcmp(mac, signature.data(), mac_size) == 0;
}

bool verify_public_key(Algorithm alg, const VerificationKey& key, std::string_view input,
                       std::span<const uint8_t> signature) {
  uint8_t der[kMaxEcdsaDerSize];
  if (key.type == KeyType::ec_p256 || key.type == KeyType::ec_p384) {
    if (signature.size() != signature_size(alg)) return false;
    const size_t der_size = ecdsa_raw_to_der(signature, der);
    if (der_size == 0) return false;
    signature = std::span<const uint8_t>(der, der_size);
  } else if (signature_size(alg) != 0 && signature.size() != signature_size(alg)) {
    return false;
  }
  MdCtxPtr ctx(EVP_MD_CTX_new());
  EVP_PKEY_CTX* pkey_ctx = nullptr;  // owned by ctx
  if (!ctx || EVP_DigestVerifyInit_ex(ctx.get(), &pkey_ctx, digest_name(alg), nullptr, nullptr,
                                      key.pkey.get(), nullptr) != 1) {
    return false;
  }
  if (key.type == KeyType::rsa && EVP_PKEY_CTX_set_rsa_padding(pkey_ctx, RSA_PKCS1_PADDING) != 1)
    return false;
  return EVP_DigestVerify(ctx.get(), signature.data(), signature.size(), bytes(input), input.size()) == 1;
}

// One DER INTEGER (X.690 §8.3) for an unsigned big-endian value: leading zero bytes
// dropped, one 0x00 put back when the top bit is set (the value is positive).
uint8_t* put_integer(std::span<const uint8_t> value, uint8_t* out) {
  while (value.size() > 1 && value[0] == 0) value = value.subspan(1);
  const bool pad = value[0] & 0x80;
  *out++ = 0x02;
  *out++ = static_cast<uint8_t>(value.size() + pad);
  if (pad) *out++ = 0;
  for (uint8_t b : value) *out++ = b;
  return out;
}

}  // namespace

size_t ecdsa_raw_to_der(std::span<const uint8_t> raw, std::span<uint8_t, kMaxEcdsaDerSize> der) {
  if (raw.empty() || raw.size() % 2 != 0 || raw.size() > size_t{2} * 66) return 0;
  const size_t half = raw.size() / 2;
  // SEQUENCE { r INTEGER, s INTEGER }; with halves of at most 66 bytes the content is at
  // most 138 bytes, which needs the long length form (0x81 nn) above 127.
  uint8_t content[kMaxEcdsaDerSize];
  uint8_t* end = put_integer(raw.subspan(half), put_integer(raw.first(half), content));
  const size_t length = static_cast<size_t>(end - content);
  size_t at = 0;
  der[at++] = 0x30;
  if (length > 127) der[at++] = 0x81;
  der[at++] = static_cast<uint8_t>(length);
  for (size_t i = 0; i < length; ++i) der[at++] = content[i];
  return at;
}

bool verify_jws_signature(Algorithm alg, const VerificationKey& key, std::string_view signing_input,
                          std::span<const uint8_t> signature) {
  const bool ok = key.type == KeyType::hmac ? verify_hmac(alg, key, signing_input, signature)
                                            : verify_public_key(alg, key, signing_input, signature);
  // A refused signature leaves reasons on this thread's OpenSSL error queue; they would
  // pile up and surface in an unrelated TLS call later.
  if (!ok) ERR_clear_error();
  return ok;
}

}  // namespace wshub::auth
