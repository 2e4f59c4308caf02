#pragma once
// Public keys from PEM text: one "-----BEGIN PUBLIC KEY-----" block (SubjectPublicKeyInfo,
// what `openssl pkey -pubout` writes) holding an RSA (2048 bits or more), EC P-256/P-384
// or Ed25519 key. Start-up only: errors are exceptions naming where the text came from.
#include <string>
#include <string_view>

#include "auth/VerificationKey.h"

namespace wshub::auth {

// Throws std::runtime_error starting with `origin` (the file name): no PEM block, more than
// one block, a private key (wshub needs, and should only be given, the public half), an
// "RSA PUBLIC KEY" (PKCS#1) block, or a key make_public_key refuses.
VerificationKey read_pem_public_key(std::string_view pem, std::string kid, std::string origin);

}  // namespace wshub::auth
