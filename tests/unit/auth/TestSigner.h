#pragma once
// Test-only token minting: keys generated with OpenSSL at run time, tokens signed with
// OpenSSL directly. Nothing here uses src/auth, so a bug there cannot cancel out in the
// tests; base64url is OpenSSL's base64 with the alphabet swapped and padding dropped.
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>

namespace wshub::auth::test {

inline std::string b64url(std::string_view bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  const int n =
      EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                      reinterpret_cast<const unsigned char*>(bytes.data()), static_cast<int>(bytes.size()));
  out.resize(static_cast<size_t>(n));
  while (!out.empty() && out.back() == '=') out.pop_back();
  for (char& c : out) {
    if (c == '+') c = '-';
    if (c == '/') c = '_';
  }
  return out;
}

inline std::string b64url_decode(std::string_view text) {
  std::string b64(text);
  for (char& c : b64) {
    if (c == '-') c = '+';
    if (c == '_') c = '/';
  }
  const size_t pad = (4 - b64.size() % 4) % 4;
  b64.append(pad, '=');
  std::string out(b64.size() / 4 * 3, '\0');
  const int n =
      EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                      reinterpret_cast<const unsigned char*>(b64.data()), static_cast<int>(b64.size()));
  if (n < 0) throw std::runtime_error("bad base64url");
  out.resize(static_cast<size_t>(n) - pad);
  return out;
}

// "base64url(header).base64url(claims)": the signing input, from JSON texts.
inline std::string signing_input(std::string_view header_json, std::string_view claims_json) {
  return b64url(header_json) + "." + b64url(claims_json);
}

inline std::string header_json(std::string_view alg, std::string_view kid = "") {
  std::string h = R"({"alg":")" + std::string(alg) + R"(","typ":"JWT")";
  if (!kid.empty()) h += R"(,"kid":")" + std::string(kid) + "\"";
  return h + "}";
}

inline const char* digest_for(std::string_view alg) {
  if (alg.ends_with("256")) return "SHA256";
  if (alg.ends_with("384")) return "SHA384";
  if (alg.ends_with("512")) return "SHA512";
  return nullptr;  // EdDSA
}

// HMAC over `input` with any bytes as the key (also an RSA public key PEM: the attack).
inline std::string hmac(std::string_view alg, std::string_view secret, std::string_view input) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  size_t size = 0;
  if (!EVP_Q_mac(nullptr, "HMAC", nullptr, digest_for(alg), nullptr, secret.data(), secret.size(),
                 reinterpret_cast<const unsigned char*>(input.data()), input.size(), mac, sizeof(mac),
                 &size)) {
    throw std::runtime_error("HMAC failed");
  }
  return std::string(reinterpret_cast<char*>(mac), size);
}

inline std::string hs_token(std::string_view alg, std::string_view secret, std::string_view claims,
                            std::string_view kid = "") {
  std::string input = signing_input(header_json(alg, kid), claims);
  return input + "." + b64url(hmac(alg, secret, input));
}

struct PkeyFree {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};

class TestKey {
 public:
  static TestKey rsa(size_t bits = 2048) { return TestKey(EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", bits)); }
  static TestKey ec(const char* curve) { return TestKey(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", curve)); }
  static TestKey ed25519() { return TestKey(EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519")); }

  EVP_PKEY* get() const { return pkey_.get(); }

  std::string public_pem() const {
    std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), &BIO_free);
    PEM_write_bio_PUBKEY(bio.get(), pkey_.get());
    char* data = nullptr;
    const long size = BIO_get_mem_data(bio.get(), &data);
    return std::string(data, static_cast<size_t>(size));
  }

  std::string private_pem() const {
    std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), &BIO_free);
    PEM_write_bio_PrivateKey(bio.get(), pkey_.get(), nullptr, nullptr, 0, nullptr, nullptr);
    char* data = nullptr;
    const long size = BIO_get_mem_data(bio.get(), &data);
    return std::string(data, static_cast<size_t>(size));
  }

  // The public key as a JWK object (RFC 7518 §6), with "kid" and "alg" when given.
  std::string jwk(std::string_view kid = "", std::string_view alg = "") const {
    std::string members;
    if (EVP_PKEY_is_a(get(), "RSA")) {
      members = R"("kty":"RSA","n":")" + b64url(bn_param(OSSL_PKEY_PARAM_RSA_N, 0)) + R"(","e":")" +
                b64url(bn_param(OSSL_PKEY_PARAM_RSA_E, 0)) + "\"";
    } else if (EVP_PKEY_is_a(get(), "EC")) {
      const bool p256 = EVP_PKEY_get_bits(get()) == 256;
      const int size = p256 ? 32 : 48;
      members = std::string(R"("kty":"EC","crv":")") + (p256 ? "P-256" : "P-384") + R"(","x":")" +
                b64url(bn_param(OSSL_PKEY_PARAM_EC_PUB_X, size)) + R"(","y":")" +
                b64url(bn_param(OSSL_PKEY_PARAM_EC_PUB_Y, size)) + "\"";
    } else {
      unsigned char raw[32];
      size_t size = sizeof(raw);
      EVP_PKEY_get_raw_public_key(get(), raw, &size);
      members = R"("kty":"OKP","crv":"Ed25519","x":")" +
                b64url(std::string_view(reinterpret_cast<char*>(raw), size)) + "\"";
    }
    if (!kid.empty()) members += R"(,"kid":")" + std::string(kid) + "\"";
    if (!alg.empty()) members += R"(,"alg":")" + std::string(alg) + "\"";
    return "{" + members + "}";
  }

  // A JWS signature of `input`: ES* as R || S unless `der`, which gives OpenSSL's DER.
  std::string sign(std::string_view alg, std::string_view input, bool der = false) const {
    std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
    size_t size = 0;
    const auto* data = reinterpret_cast<const unsigned char*>(input.data());
    if (EVP_DigestSignInit_ex(ctx.get(), nullptr, digest_for(alg), nullptr, nullptr, get(), nullptr) != 1 ||
        EVP_DigestSign(ctx.get(), nullptr, &size, data, input.size()) != 1) {
      throw std::runtime_error("sign init failed");
    }
    std::string signature(size, '\0');
    if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(signature.data()), &size, data,
                       input.size()) != 1) {
      throw std::runtime_error("sign failed");
    }
    signature.resize(size);
    if (!alg.starts_with("ES") || der) return signature;
    const auto* p = reinterpret_cast<const unsigned char*>(signature.data());
    std::unique_ptr<ECDSA_SIG, decltype(&ECDSA_SIG_free)> sig(
        d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(size)), &ECDSA_SIG_free);
    const int half = alg == "ES256" ? 32 : 48;
    std::string raw(2 * half, '\0');
    BN_bn2binpad(ECDSA_SIG_get0_r(sig.get()), reinterpret_cast<unsigned char*>(raw.data()), half);
    BN_bn2binpad(ECDSA_SIG_get0_s(sig.get()), reinterpret_cast<unsigned char*>(raw.data()) + half, half);
    return raw;
  }

  std::string token(std::string_view alg, std::string_view claims, std::string_view kid = "") const {
    std::string input = signing_input(header_json(alg, kid), claims);
    return input + "." + b64url(sign(alg, input));
  }

 private:
  explicit TestKey(EVP_PKEY* pkey) : pkey_(pkey, PkeyFree{}) {
    if (!pkey) throw std::runtime_error("key generation failed");
  }

  std::string bn_param(const char* name, int size) const {
    BIGNUM* bn = nullptr;
    if (EVP_PKEY_get_bn_param(get(), name, &bn) != 1) throw std::runtime_error(name);
    std::string out(size ? size : BN_num_bytes(bn), '\0');
    BN_bn2binpad(bn, reinterpret_cast<unsigned char*>(out.data()), static_cast<int>(out.size()));
    BN_free(bn);
    return out;
  }

  std::shared_ptr<EVP_PKEY> pkey_;  // shared: TestKey is copied freely
};

// Keys generated once per test binary (RSA generation takes a while, more under ASan).
struct TestKeys {
  TestKey rsa = TestKey::rsa();
  TestKey rsa_other = TestKey::rsa();
  TestKey p256 = TestKey::ec("P-256");
  TestKey p256_other = TestKey::ec("P-256");
  TestKey p384 = TestKey::ec("P-384");
  TestKey ed25519 = TestKey::ed25519();
  TestKey ed25519_other = TestKey::ed25519();
};

inline const TestKeys& keys() {
  static const TestKeys k;
  return k;
}

inline const std::string kSecret = "0123456789abcdef0123456789abcdef-test-secret";

// A scratch directory, removed with its files.
class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "wshub-auth-XXXXXX").string();
    if (!mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp");
    path_ = pattern;
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  std::string write(const std::string& name, std::string_view content) const {
    const std::filesystem::path file = path_ / name;
    std::ofstream(file, std::ios::binary) << content;
    return file.string();
  }

 private:
  std::filesystem::path path_;
};

}  // namespace wshub::auth::test
