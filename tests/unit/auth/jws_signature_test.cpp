#include <gtest/gtest.h>
#include <openssl/ec.h>
#include <openssl/err.h>

#include <random>
#include <string>
#include <vector>

#include "TestSigner.h"
#include "auth/JwsSignature.h"

namespace wshub::auth {
namespace {

// OpenSSL's own DER for the same R || S.
std::vector<uint8_t> openssl_der(const std::vector<uint8_t>& raw) {
  const int half = static_cast<int>(raw.size() / 2);
  ECDSA_SIG* sig = ECDSA_SIG_new();
  ECDSA_SIG_set0(sig, BN_bin2bn(raw.data(), half, nullptr), BN_bin2bn(raw.data() + half, half, nullptr));
  unsigned char* der = nullptr;
  const int size = i2d_ECDSA_SIG(sig, &der);
  std::vector<uint8_t> out(der, der + size);
  OPENSSL_free(der);
  ECDSA_SIG_free(sig);
  return out;
}

std::vector<uint8_t> our_der(const std::vector<uint8_t>& raw) {
  uint8_t der[kMaxEcdsaDerSize];
  const size_t size = ecdsa_raw_to_der(raw, der);
  return std::vector<uint8_t>(der, der + size);
}

TEST(EcdsaRawToDer, MatchesOpenSsl) {
  std::mt19937 rng(7);
  for (size_t half : {32u, 48u, 66u, 1u}) {
    for (int i = 0; i < 300; ++i) {
      std::vector<uint8_t> raw(2 * half);
      for (uint8_t& b : raw) b = static_cast<uint8_t>(rng());
      // Leading zero bytes and set top bits are where DER INTEGERs get interesting.
      if (i % 3 == 0) raw[0] = 0;
      if (i % 5 == 0) raw[half] = 0x80;
      if (i % 7 == 0) std::fill(raw.begin(), raw.begin() + half - 1, 0);
      ASSERT_EQ(our_der(raw), openssl_der(raw)) << "half " << half << " case " << i;
    }
  }
  EXPECT_EQ(our_der(std::vector<uint8_t>(64, 0)), openssl_der(std::vector<uint8_t>(64, 0)));
}

TEST(EcdsaRawToDer, RefusesImpossibleSizes) {
  EXPECT_EQ(our_der({}).size(), 0u);
  EXPECT_EQ(our_der(std::vector<uint8_t>(63, 1)).size(), 0u);
  EXPECT_EQ(our_der(std::vector<uint8_t>(134, 1)).size(), 0u);
}

TEST(JwsSignature, LeavesNoOpenSslErrorsBehind) {
  VerificationKey key = make_hmac_key(test::kSecret, "", "s");
  ERR_clear_error();
  const std::vector<uint8_t> junk(32, 1);
  EXPECT_FALSE(verify_jws_signature(Algorithm::HS256, key, "a.b", junk));
  EXPECT_EQ(ERR_peek_error(), 0u);
  const std::string mac = test::hmac("HS256", test::kSecret, "a.b");
  EXPECT_TRUE(verify_jws_signature(Algorithm::HS256, key, "a.b",
                                   std::span(reinterpret_cast<const uint8_t*>(mac.data()), mac.size())));
}

}  // namespace
}  // namespace wshub::auth
