#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

#include "TestSigner.h"
#include "auth/JsonWebKeySet.h"
#include "auth/KeySet.h"
#include "auth/PemPublicKey.h"

namespace wshub::auth {
namespace {

using test::keys;

// Runs `f`, expecting std::runtime_error whose message contains every one of `parts`.
template <typename F>
void expect_error(F&& f, std::initializer_list<std::string_view> parts) {
  try {
    f();
    ADD_FAILURE() << "no exception; expected one with " << *parts.begin();
  } catch (const std::runtime_error& e) {
    for (std::string_view part : parts) {
      EXPECT_NE(std::string_view(e.what()).find(part), std::string_view::npos)
          << e.what() << " lacks " << part;
    }
  }
}

TEST(PemPublicKey, ReadsEverySupportedType) {
  EXPECT_EQ(read_pem_public_key(keys().rsa.public_pem(), "", "rsa.pem").type, KeyType::rsa);
  EXPECT_EQ(read_pem_public_key(keys().p256.public_pem(), "", "p256.pem").type, KeyType::ec_p256);
  EXPECT_EQ(read_pem_public_key(keys().p384.public_pem(), "", "p384.pem").type, KeyType::ec_p384);
  VerificationKey ed = read_pem_public_key(keys().ed25519.public_pem(), "k1", "ed.pem");
  EXPECT_EQ(ed.type, KeyType::ed25519);
  EXPECT_EQ(ed.kid, "k1");
  EXPECT_EQ(ed.origin, "ed.pem");
  EXPECT_FALSE(ed.alg.has_value());
}

TEST(PemPublicKey, RefusesWhatIsNotOnePublicKey) {
  const std::string pem = keys().p256.public_pem();
  expect_error([&] { read_pem_public_key("", "", "a.pem"); }, {"a.pem", "no PEM block"});
  expect_error([&] { read_pem_public_key(pem + pem, "", "two.pem"); }, {"two.pem", "2 PEM blocks"});
  expect_error([&] { read_pem_public_key(keys().p256.private_pem(), "", "priv.pem"); },
               {"priv.pem", "private key"});
  expect_error(
      [&] {
        read_pem_public_key("-----BEGIN RSA PUBLIC KEY-----\nAAAA\n-----END RSA PUBLIC KEY-----\n", "",
                            "p1.pem");
      },
      {"p1.pem", "PKCS#1"});
  expect_error(
      [&] {
        read_pem_public_key("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n", "", "c.pem");
      },
      {"c.pem", "not a PEM public key"});
  std::string broken = pem;
  broken[40] = broken[40] == 'A' ? 'B' : 'A';
  broken.insert(40, "!!");
  expect_error([&] { read_pem_public_key(broken, "", "broken.pem"); }, {"broken.pem", "unreadable"});
}

TEST(PemPublicKey, RefusesUnsupportedAndWeakKeys) {
  expect_error([&] { read_pem_public_key(test::TestKey::ec("P-521").public_pem(), "", "p521.pem"); },
               {"p521.pem", "unsupported key type"});
  std::unique_ptr<EVP_PKEY, test::PkeyFree> x25519(EVP_PKEY_Q_keygen(nullptr, nullptr, "X25519"));
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), &BIO_free);
  PEM_write_bio_PUBKEY(bio.get(), x25519.get());
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio.get(), &data);
  expect_error([&] { read_pem_public_key(std::string(data, size), "", "x.pem"); },
               {"x.pem", "unsupported key type"});
  expect_error([&] { read_pem_public_key(test::TestKey::rsa(1024).public_pem(), "", "rsa1024.pem"); },
               {"rsa1024.pem", "1024 bits", "2048"});
}

TEST(KeySet, HmacSecretNeeds32Bytes) {
  KeySet set;
  expect_error([&] { set.add_hmac_secret("short secret"); }, {"hmac_secret", "12 bytes", "32"});
  set.add_hmac_secret(std::string(32, 'x'));
  ASSERT_EQ(set.keys().size(), 1u);
  EXPECT_EQ(set.keys()[0].type, KeyType::hmac);
  EXPECT_EQ(set.keys()[0].kid, "");
}

TEST(KeySet, PublicKeyFilesWithAndWithoutKid) {
  test::TempDir dir;
  const std::string plain = dir.write("plain.pem", keys().rsa.public_pem());
  const std::string named = dir.write("named.pem", keys().p256.public_pem());
  const std::string with_eq = dir.write("a=b.pem", keys().ed25519.public_pem());
  KeySet set;
  set.add_public_key_file(plain);
  set.add_public_key_file("2024-01=" + named);
  set.add_public_key_file("=" + with_eq);
  ASSERT_EQ(set.keys().size(), 3u);
  EXPECT_EQ(set.keys()[0].kid, "") << "a plain path has no kid (not the file name)";
  EXPECT_EQ(set.keys()[1].kid, "2024-01");
  EXPECT_EQ(set.keys()[1].type, KeyType::ec_p256);
  EXPECT_EQ(set.keys()[2].kid, "");
  EXPECT_EQ(set.keys()[2].origin, with_eq);
  expect_error([&] { set.add_public_key_file(dir.write("missing", "") + ".nope"); },
               {"missing.nope", "cannot open"});
  expect_error([&] { set.add_public_key_file("kid="); }, {"no path"});
}

TEST(JsonWebKeySet, ReadsEveryKeyType) {
  const std::string jwks = R"({"keys":[)" + keys().rsa.jwk("r1", "RS256") + "," + keys().p256.jwk("e1") +
                           "," + keys().p384.jwk("e2", "ES384") + "," + keys().ed25519.jwk("o1") + "," +
                           R"({"kty":"oct","kid":"h1","k":")" + test::b64url(test::kSecret) +
                           R"(","alg":"HS512"}]})";
  std::vector<VerificationKey> set = read_json_web_key_set(jwks, "keys.json");
  ASSERT_EQ(set.size(), 5u);
  EXPECT_EQ(set[0].type, KeyType::rsa);
  EXPECT_EQ(set[0].kid, "r1");
  EXPECT_EQ(set[0].alg, Algorithm::RS256);
  EXPECT_EQ(set[1].type, KeyType::ec_p256);
  EXPECT_FALSE(set[1].alg.has_value());
  EXPECT_EQ(set[2].type, KeyType::ec_p384);
  EXPECT_EQ(set[3].type, KeyType::ed25519);
  EXPECT_EQ(set[4].type, KeyType::hmac);
  EXPECT_EQ(set[4].secret, test::kSecret);
  EXPECT_TRUE(set[4].fits(Algorithm::HS512));
  EXPECT_FALSE(set[4].fits(Algorithm::HS256)) << "alg restricts the key";
  EXPECT_NE(set[0].origin.find("keys.json: key 0 (kid \"r1\")"), std::string::npos) << set[0].origin;
}

TEST(JsonWebKeySet, SkipsKeysMeantForOtherUses) {
  const std::string enc = keys().p256.jwk("enc");
  const std::string jwks = R"({"keys":[)" + enc.substr(0, enc.size() - 1) + R"(,"use":"enc"},)" +
                           R"({"kty":"oct","k":")" + test::b64url(test::kSecret) +
                           R"(","key_ops":["sign"]},)" + R"({"kty":"oct","k":")" +
                           test::b64url(test::kSecret) + R"(","key_ops":["sign","verify"],"use":"sig"}]})";
  std::vector<VerificationKey> set = read_json_web_key_set(jwks, "k.json");
  ASSERT_EQ(set.size(), 1u);
  EXPECT_EQ(set[0].type, KeyType::hmac);
  expect_error(
      [&] {
        read_json_web_key_set(R"({"keys":[)" + enc.substr(0, enc.size() - 1) + R"(,"use":"enc"}]})",
                              "k.json");
      },
      {"k.json", "no key usable"});
}

TEST(JsonWebKeySet, RefusesBadKeys) {
  const std::string p256 = keys().p256.jwk();
  const std::string open = p256.substr(0, p256.size() - 1);  // to append members
  std::string off_curve = p256;
  const size_t y = off_curve.find(R"("y":")") + 6;
  off_curve[y] = off_curve[y] == 'A' ? 'B' : 'A';
  const std::pair<std::string, std::string_view> cases[] = {
      {"", "not valid JSON"},
      {"[]", "\"keys\" array"},
      {R"({"keys":{}})", "\"keys\" array"},
      {R"({"keys":[]})", "no key usable"},
      {R"({"keys":[1]})", "key 0: not an object"},
      {R"({"keys":[{}]})", "missing \"kty\""},
      {R"({"keys":[{"kty":"RSA","n":"AQAB"}]})", "missing \"e\""},
      {R"({"keys":[{"kty":"EC","crv":"P-521","x":"AA","y":"AA"}]})", "P-521"},
      {R"({"keys":[{"kty":"OKP","crv":"X25519","x":"AA"}]})", "X25519"},
      {R"({"keys":[{"kty":"OKP","crv":"Ed25519","x":"AAAA"}]})", "has 3 bytes, expected 32"},
      {R"({"keys":[{"kty":"oct","k":"c2hvcnQ"}]})", "5 bytes"},
      {R"({"keys":[{"kty":"oct","k":"c2hvcnQ="}]})", "not base64url"},
      {R"({"keys":[{"kty":"DSA"}]})", "\"kty\" \"DSA\" is not supported"},
      {R"({"keys":[{"kty":"oct","k":")" + test::b64url(test::kSecret) + R"(","alg":"none"}]})",
       "\"alg\" \"none\""},
      {R"({"keys":[{"kty":"oct","k":")" + test::b64url(test::kSecret) + R"(","alg":"RS256"}]})",
       "does not fit"},
      {"{\"keys\":[" + open + R"(,"alg":"ES384"}]})", "does not fit"},
      {"{\"keys\":[" + open + R"(,"d":"AAAA"}]})", "private key material"},
      {"{\"keys\":[" + open + R"(,"kid":5}]})", "\"kid\" must be a string"},
      {"{\"keys\":[" + open + R"(,"key_ops":"verify"}]})", "\"key_ops\" must be an array"},
      {"{\"keys\":[" + off_curve + "]}", "OpenSSL refuses"},
      {"{\"keys\":[" + test::TestKey::rsa(1024).jwk() + "]}", "1024 bits"},
  };
  for (const auto& c : cases) {
    expect_error([&] { read_json_web_key_set(c.first, "bad.json"); }, {"bad.json", c.second});
  }
}

TEST(KeySet, JwksFile) {
  test::TempDir dir;
  KeySet set;
  set.add_jwks_file(dir.write("k.json", R"({"keys":[)" + keys().ed25519.jwk("a") + "]}"));
  ASSERT_EQ(set.keys().size(), 1u);
  expect_error([&] { set.add_jwks_file(dir.write("bad.json", "{")); }, {"bad.json", "not valid JSON"});
}

// Which keys for_each_candidate offers, as their indexes.
std::vector<size_t> candidates(const KeySet& set, Algorithm alg, std::string_view kid,
                               KeySet::Lookup* lookup = nullptr) {
  std::vector<size_t> offered;
  KeySet::Lookup l = set.for_each_candidate(alg, kid, [&](const VerificationKey& key) {
    offered.push_back(static_cast<size_t>(&key - set.keys().data()));
    return false;
  });
  if (lookup) *lookup = l;
  return offered;
}

TEST(KeySet, KidsSelectKeysOfTheRightType) {
  KeySet set;
  set.add(make_hmac_key(test::kSecret, "", "0"));                        // 0
  set.add(read_pem_public_key(keys().rsa.public_pem(), "r1", "1"));      // 1
  set.add(read_pem_public_key(keys().rsa_other.public_pem(), "", "2"));  // 2
  set.add(read_pem_public_key(keys().p256.public_pem(), "e1", "3"));     // 3
  set.add(make_hmac_key(test::kSecret, "h1", "4"));                      // 4
  set.add(read_pem_public_key(keys().ed25519.public_pem(), "r1", "5"));  // 5: a kid shared across types
  using V = std::vector<size_t>;
  KeySet::Lookup lookup;
  EXPECT_EQ(candidates(set, Algorithm::HS256, ""), (V{0, 4})) << "no kid: every key of the type";
  EXPECT_EQ(candidates(set, Algorithm::HS256, "h1"), (V{4})) << "a known kid: only its keys";
  EXPECT_EQ(candidates(set, Algorithm::HS256, "other"), (V{0})) << "an unknown kid: the keys without kid";
  EXPECT_EQ(candidates(set, Algorithm::RS256, ""), (V{1, 2}));
  EXPECT_EQ(candidates(set, Algorithm::RS512, "r1"), (V{1}));
  EXPECT_EQ(candidates(set, Algorithm::EdDSA, "r1"), (V{5}));
  EXPECT_EQ(candidates(set, Algorithm::ES256, "e1"), (V{3}));
  EXPECT_EQ(candidates(set, Algorithm::RS256, "e1", &lookup), V{}) << "the kid names a key of another type";
  EXPECT_EQ(lookup, KeySet::Lookup::no_key_for_algorithm);
  EXPECT_EQ(candidates(set, Algorithm::HS256, "r1", &lookup), V{})
      << "never an HMAC secret for a public key's kid";
  EXPECT_EQ(lookup, KeySet::Lookup::no_key_for_algorithm);
  EXPECT_EQ(candidates(set, Algorithm::ES256, "nobody", &lookup), V{});
  EXPECT_EQ(lookup, KeySet::Lookup::unknown_kid);
  EXPECT_EQ(candidates(set, Algorithm::ES384, "", &lookup), V{});
  EXPECT_EQ(lookup, KeySet::Lookup::no_key_for_algorithm);
  EXPECT_EQ(candidates(set, Algorithm::ES256, "", &lookup), (V{3}));
  EXPECT_EQ(lookup, KeySet::Lookup::tried);
}

TEST(KeySet, StopsAtTheFirstKeyThatVerifies) {
  KeySet set;
  set.add(make_hmac_key(test::kSecret, "", "0"));
  set.add(make_hmac_key(test::kSecret + "2", "", "1"));
  int offered = 0;
  EXPECT_EQ(
      set.for_each_candidate(Algorithm::HS256, "", [&](const VerificationKey&) { return ++offered == 1; }),
      KeySet::Lookup::tried);
  EXPECT_EQ(offered, 1);
}

}  // namespace
}  // namespace wshub::auth
