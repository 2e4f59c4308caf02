#include "auth/KeySet.h"

#include <fstream>
#include <sstream>
#include <stdexcept>

#include "auth/JsonWebKeySet.h"
#include "auth/PemPublicKey.h"

namespace wshub::auth {
namespace {

// Key files are small; the bound keeps a wrong path (a log, a device) from being slurped.
constexpr std::streamoff kMaxKeyFileBytes = 1 << 20;

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error(path + ": cannot open");
  in.seekg(0, std::ios::end);
  const std::streamoff size = in.tellg();
  if (size < 0) throw std::runtime_error(path + ": cannot read");
  if (size > kMaxKeyFileBytes) throw std::runtime_error(path + ": larger than 1 MiB, not a key file");
  in.seekg(0);
  std::string text(static_cast<size_t>(size), '\0');
  if (!in.read(text.data(), size)) throw std::runtime_error(path + ": cannot read");
  return text;
}

}  // namespace

void KeySet::add_hmac_secret(std::string secret) {
  add(make_hmac_key(std::move(secret), "", "hmac_secret"));
}

void KeySet::add_public_key_file(std::string_view spec) {
  std::string kid, path(spec);
  if (size_t eq = spec.find('='); eq != std::string_view::npos) {
    kid = spec.substr(0, eq);
    path = spec.substr(eq + 1);
  }
  if (path.empty()) throw std::runtime_error("public_key_file \"" + std::string(spec) + "\": no path");
  add(read_pem_public_key(read_file(path), std::move(kid), path));
}

void KeySet::add_jwks_file(const std::string& path) {
  for (VerificationKey& key : read_json_web_key_set(read_file(path), path)) add(std::move(key));
}

void KeySet::add(VerificationKey key) {
  any_kid_ = any_kid_ || !key.kid.empty();
  keys_.push_back(std::move(key));
}

}  // namespace wshub::auth
