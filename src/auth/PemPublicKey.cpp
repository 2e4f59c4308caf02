#include "auth/PemPublicKey.h"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>

#include <memory>
#include <stdexcept>

namespace wshub::auth {
namespace {

size_t count(std::string_view text, std::string_view what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string_view::npos; at = text.find(what, at + what.size())) ++n;
  return n;
}

}  // namespace

VerificationKey read_pem_public_key(std::string_view pem, std::string kid, std::string origin) {
  // The checks on the text come first so that the common mistakes get a precise message
  // rather than OpenSSL's "no start line".
  const size_t blocks = count(pem, "-----BEGIN ");
  if (blocks == 0) throw std::runtime_error(origin + ": no PEM block (expected -----BEGIN PUBLIC KEY-----)");
  if (blocks > 1) {
    throw std::runtime_error(origin + ": " + std::to_string(blocks) +
                             " PEM blocks; give one public key per file");
  }
  if (pem.find("PRIVATE KEY-----") != std::string_view::npos) {
    throw std::runtime_error(origin +
                             ": is a private key; give wshub only the public key (openssl pkey -pubout)");
  }
  if (pem.find("-----BEGIN RSA PUBLIC KEY-----") != std::string_view::npos) {
    throw std::runtime_error(origin +
                             ": PKCS#1 'RSA PUBLIC KEY'; convert it to 'PUBLIC KEY' with "
                             "openssl rsa -RSAPublicKey_in -pubout");
  }
  if (pem.find("-----BEGIN PUBLIC KEY-----") == std::string_view::npos) {
    throw std::runtime_error(origin + ": not a PEM public key (expected -----BEGIN PUBLIC KEY-----)");
  }
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())),
                                                &BIO_free);
  if (!bio) throw std::runtime_error(origin + ": out of memory");
  PkeyPtr pkey(PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr));
  if (!pkey) {
    char reason[256] = {};
    ERR_error_string_n(ERR_get_error(), reason, sizeof(reason));
    ERR_clear_error();
    throw std::runtime_error(origin + ": unreadable PEM public key (" + reason + ")");
  }
  return make_public_key(std::move(pkey), std::move(kid), std::move(origin));
}

}  // namespace wshub::auth
