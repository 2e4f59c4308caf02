#include "auth/JsonWebKeySet.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <simdjson.h>

#include <memory>
#include <stdexcept>

#include "auth/Base64Url.h"

namespace wshub::auth {
namespace {

using simdjson::dom::element;
using simdjson::dom::object;

template <typename T, void (*Free)(T*)>
struct Freer {
  void operator()(T* p) const { Free(p); }
};
using BnPtr = std::unique_ptr<BIGNUM, Freer<BIGNUM, BN_free>>;
using ParamBldPtr = std::unique_ptr<OSSL_PARAM_BLD, Freer<OSSL_PARAM_BLD, OSSL_PARAM_BLD_free>>;
using ParamsPtr = std::unique_ptr<OSSL_PARAM, Freer<OSSL_PARAM, OSSL_PARAM_free>>;
using PkeyCtxPtr = std::unique_ptr<EVP_PKEY_CTX, Freer<EVP_PKEY_CTX, EVP_PKEY_CTX_free>>;

[[noreturn]] void fail(const std::string& where, const std::string& what) {
  throw std::runtime_error(where + ": " + what);
}

// A member that must be a string when present; nullopt when absent.
std::optional<std::string_view> optional_string(const object& key, std::string_view name,
                                                const std::string& where) {
  element value;
  if (key[name].get(value) != simdjson::SUCCESS) return std::nullopt;
  std::string_view text;
  if (value.get(text) != simdjson::SUCCESS) fail(where, "\"" + std::string(name) + "\" must be a string");
  return text;
}

std::string_view required_string(const object& key, std::string_view name, const std::string& where) {
  std::optional<std::string_view> text = optional_string(key, name, where);
  if (!text) fail(where, "missing \"" + std::string(name) + "\"");
  return *text;
}

// A base64url member, decoded; `exact_size` (when not 0) is the only length accepted.
std::string required_bytes(const object& key, std::string_view name, size_t exact_size,
                           const std::string& where) {
  std::string bytes;
  if (!base64url::decode(required_string(key, name, where), bytes, size_t{64} * 1024)) {
    fail(where, "\"" + std::string(name) + "\" is not base64url without padding");
  }
  if (bytes.empty() || (exact_size != 0 && bytes.size() != exact_size)) {
    fail(where, "\"" + std::string(name) + "\" has " + std::to_string(bytes.size()) + " bytes" +
                    (exact_size ? ", expected " + std::to_string(exact_size) : std::string()));
  }
  return bytes;
}

BnPtr to_bignum(const std::string& bytes) {
  return BnPtr(BN_bin2bn(reinterpret_cast<const unsigned char*>(bytes.data()), static_cast<int>(bytes.size()),
                         nullptr));
}

PkeyPtr from_params(const char* type, OSSL_PARAM_BLD* builder, const std::string& where) {
  ParamsPtr params(OSSL_PARAM_BLD_to_param(builder));
  PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr));
  EVP_PKEY* pkey = nullptr;
  if (!params || !ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
      EVP_PKEY_fromdata(ctx.get(), &pkey, EVP_PKEY_PUBLIC_KEY, params.get()) != 1) {
    fail(where, std::string("OpenSSL refuses the ") + type + " key (a point off the curve, a bad modulus?)");
  }
  return PkeyPtr(pkey);
}

PkeyPtr rsa_key(const object& key, const std::string& where) {
  BnPtr n = to_bignum(required_bytes(key, "n", 0, where));
  BnPtr e = to_bignum(required_bytes(key, "e", 0, where));
  ParamBldPtr builder(OSSL_PARAM_BLD_new());
  if (!n || !e || !builder || !OSSL_PARAM_BLD_push_BN(builder.get(), OSSL_PKEY_PARAM_RSA_N, n.get()) ||
      !OSSL_PARAM_BLD_push_BN(builder.get(), OSSL_PKEY_PARAM_RSA_E, e.get())) {
    fail(where, "out of memory");
  }
  return from_params("RSA", builder.get(), where);
}

PkeyPtr ec_key(const object& key, const std::string& where) {
  std::string_view curve = required_string(key, "crv", where);
  size_t size = 0;
  if (curve == "P-256") {
    size = 32;
  } else if (curve == "P-384") {
    size = 48;
  } else {
    fail(where, "EC curve \"" + std::string(curve) + "\" is not supported (P-256, P-384)");
  }
  // RFC 7518 §6.2.1.2: x and y are the full-length big-endian coordinates; the
  // uncompressed SEC1 point is 0x04 || x || y.
  std::string point = "\x04" + required_bytes(key, "x", size, where) + required_bytes(key, "y", size, where);
  const std::string group(curve);
  ParamBldPtr builder(OSSL_PARAM_BLD_new());
  if (!builder ||
      !OSSL_PARAM_BLD_push_utf8_string(builder.get(), OSSL_PKEY_PARAM_GROUP_NAME, group.c_str(), 0) ||
      !OSSL_PARAM_BLD_push_octet_string(builder.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(), point.size())) {
    fail(where, "out of memory");
  }
  return from_params("EC", builder.get(), where);
}

PkeyPtr ed25519_key(const object& key, const std::string& where) {
  std::string_view curve = required_string(key, "crv", where);
  if (curve != "Ed25519") fail(where, "OKP curve \"" + std::string(curve) + "\" is not supported (Ed25519)");
  std::string x = required_bytes(key, "x", 32, where);
  ParamBldPtr builder(OSSL_PARAM_BLD_new());
  if (!builder ||
      !OSSL_PARAM_BLD_push_octet_string(builder.get(), OSSL_PKEY_PARAM_PUB_KEY, x.data(), x.size())) {
    fail(where, "out of memory");
  }
  return from_params("ED25519", builder.get(), where);
}

// Whether "use" and "key_ops" allow verifying signatures (RFC 7517 §4.2, §4.3).
bool meant_for_verification(const object& key, const std::string& where) {
  std::optional<std::string_view> use = optional_string(key, "use", where);
  if (use && *use != "sig") return false;
  element ops;
  if (key["key_ops"].get(ops) != simdjson::SUCCESS) return true;
  simdjson::dom::array list;
  if (ops.get(list) != simdjson::SUCCESS) fail(where, "\"key_ops\" must be an array");
  for (element op : list) {
    std::string_view name;
    if (op.get(name) == simdjson::SUCCESS && name == "verify") return true;
  }
  return false;
}

std::optional<VerificationKey> read_key(const object& key, const std::string& where) {
  std::string_view kty = required_string(key, "kty", where);
  if (!meant_for_verification(key, where)) return std::nullopt;
  std::string kid(optional_string(key, "kid", where).value_or(""));
  std::optional<Algorithm> alg;
  if (std::optional<std::string_view> name = optional_string(key, "alg", where)) {
    alg = parse_algorithm(*name);
    if (!alg) fail(where, "\"alg\" \"" + std::string(*name) + "\" is not supported");
  }
  if (kty != "oct") {
    for (const char* secret : {"d", "p", "q", "dp", "dq", "qi", "oth"}) {
      element ignored;
      if (key[secret].get(ignored) == simdjson::SUCCESS) {
        fail(where,
             std::string("holds private key material (\"") + secret + "\"); give wshub only public keys");
      }
    }
  }
  VerificationKey out;
  if (kty == "oct") {
    out = make_hmac_key(required_bytes(key, "k", 0, where), kid, where);
  } else if (kty == "RSA") {
    out = make_public_key(rsa_key(key, where), kid, where);
  } else if (kty == "EC") {
    out = make_public_key(ec_key(key, where), kid, where);
  } else if (kty == "OKP") {
    out = make_public_key(ed25519_key(key, where), kid, where);
  } else {
    fail(where, "\"kty\" \"" + std::string(kty) + "\" is not supported (RSA, EC, OKP, oct)");
  }
  if (alg && key_type_for(*alg) != out.type) {
    fail(where, "\"alg\" " + std::string(algorithm_name(*alg)) + " does not fit a " +
                    std::string(key_type_name(out.type)) + " key");
  }
  out.alg = alg;
  return out;
}

}  // namespace

std::vector<VerificationKey> read_json_web_key_set(std::string_view json, const std::string& origin) {
  simdjson::dom::parser parser;
  element root;
  if (parser.parse(json.data(), json.size()).get(root) != simdjson::SUCCESS) {
    fail(origin, "not valid JSON");
  }
  simdjson::dom::array keys;
  if (root["keys"].get(keys) != simdjson::SUCCESS) fail(origin, "expected an object with a \"keys\" array");
  std::vector<VerificationKey> out;
  size_t index = 0;
  for (element entry : keys) {
    std::string where = origin + ": key " + std::to_string(index++);
    object key;
    if (entry.get(key) != simdjson::SUCCESS) fail(where, "not an object");
    std::string_view kid;
    if (key["kid"].get(kid) == simdjson::SUCCESS) where += " (kid \"" + std::string(kid) + "\")";
    if (std::optional<VerificationKey> k = read_key(key, where)) out.push_back(std::move(*k));
  }
  if (out.empty()) fail(origin, "no key usable to verify signatures");
  return out;
}

}  // namespace wshub::auth
