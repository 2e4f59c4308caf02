#include <gtest/gtest.h>

#include "ws/DeflateNegotiation.h"

namespace wshub::ws {
namespace {

struct Case {
  const char* offers;
  const char* response;  // nullptr: declined
  int server_bits = 15;
  int client_bits = 15;
  bool server_nct = false;
  bool client_nct = false;
};

void PrintTo(const Case& c, std::ostream* os) {
  *os << '"' << c.offers << '"';
}

class Negotiation : public testing::TestWithParam<Case> {};

TEST_P(Negotiation, DefaultOptions) {
  const Case& c = GetParam();
  std::string response = "stale";
  const auto params = negotiate_deflate(c.offers, DeflateOptions{}, response);
  if (c.response == nullptr) {
    EXPECT_FALSE(params.has_value());
    EXPECT_EQ(response, "");
    return;
  }
  ASSERT_TRUE(params.has_value());
  EXPECT_EQ(response, c.response);
  EXPECT_EQ(params->server_max_window_bits, c.server_bits);
  EXPECT_EQ(params->client_max_window_bits, c.client_bits);
  EXPECT_EQ(params->server_no_context_takeover, c.server_nct);
  EXPECT_EQ(params->client_no_context_takeover, c.client_nct);
}

constexpr const char* kPlain = "permessage-deflate";

INSTANTIATE_TEST_SUITE_P(
    Offers, Negotiation,
    testing::Values(
        // the basics
        Case{"permessage-deflate", kPlain}, Case{"", nullptr}, Case{"x-webkit-deflate-frame", nullptr},
        // what browsers send
        Case{"permessage-deflate; client_max_window_bits", "permessage-deflate; client_max_window_bits=15"},
        Case{"permessage-deflate; server_no_context_takeover",
             "permessage-deflate; server_no_context_takeover", 15, 15, true},
        Case{"permessage-deflate; client_no_context_takeover",
             "permessage-deflate; client_no_context_takeover", 15, 15, false, true},
        Case{"permessage-deflate; server_no_context_takeover; client_no_context_takeover",
             "permessage-deflate; server_no_context_takeover; client_no_context_takeover", 15, 15, true,
             true},
        // window sizes
        Case{"permessage-deflate; server_max_window_bits=10", "permessage-deflate; server_max_window_bits=10",
             10},
        Case{"permessage-deflate; server_max_window_bits=9", "permessage-deflate; server_max_window_bits=9",
             9},
        Case{"permessage-deflate; server_max_window_bits=8", nullptr},  // zlib cannot
        Case{"permessage-deflate; server_max_window_bits=8, permessage-deflate",
             kPlain},  // the fallback offer
        Case{"permessage-deflate; client_max_window_bits=12", "permessage-deflate; client_max_window_bits=12",
             15, 12},
        Case{"permessage-deflate; client_max_window_bits=8", "permessage-deflate; client_max_window_bits=8",
             15, 8},
        Case{"permessage-deflate; server_max_window_bits=11; client_max_window_bits=9",
             "permessage-deflate; server_max_window_bits=11; client_max_window_bits=9", 11, 9},
        // invalid values decline the offer
        Case{"permessage-deflate; server_max_window_bits=16", nullptr},
        Case{"permessage-deflate; server_max_window_bits=7", nullptr},
        Case{"permessage-deflate; server_max_window_bits=010", nullptr},  // leading zero
        Case{"permessage-deflate; server_max_window_bits=09", nullptr},
        Case{"permessage-deflate; server_max_window_bits=1a", nullptr},
        Case{"permessage-deflate; server_max_window_bits=-9", nullptr},
        Case{"permessage-deflate; server_max_window_bits", nullptr},  // value required
        Case{"permessage-deflate; client_max_window_bits=0", nullptr},
        Case{"permessage-deflate; client_max_window_bits=", nullptr},
        Case{"permessage-deflate; server_no_context_takeover=1", nullptr},
        Case{"permessage-deflate; client_no_context_takeover=\"\"", nullptr},
        Case{"permessage-deflate; unknown_param", nullptr},
        Case{"permessage-deflate; server_no_context_takeover; server_no_context_takeover", nullptr},
        Case{"permessage-deflate; client_max_window_bits; client_max_window_bits=10", nullptr},
        Case{"permessage-deflate; server_max_window_bits=10; server_max_window_bits=10", nullptr},
        // several offers: the first acceptable wins
        Case{"permessage-deflate; unknown, permessage-deflate; client_max_window_bits",
             "permessage-deflate; client_max_window_bits=15"},
        Case{"foo; bar=1, permessage-deflate; server_max_window_bits=12, permessage-deflate",
             "permessage-deflate; server_max_window_bits=12", 12},
        Case{"permessage-deflate; server_max_window_bits=16, permessage-deflate; server_max_window_bits=99",
             nullptr},
        // quoted values
        Case{"permessage-deflate; server_max_window_bits=\"10\"",
             "permessage-deflate; server_max_window_bits=10", 10},
        Case{"permessage-deflate; client_max_window_bits=\"1\\2\"",
             "permessage-deflate; client_max_window_bits=12", 15, 12},
        Case{"permessage-deflate; server_max_window_bits=\"10 \"", nullptr},  // not a token when unquoted
        Case{"foo; x=\"a, permessage-deflate\", permessage-deflate; server_no_context_takeover",
             "permessage-deflate; server_no_context_takeover", 15, 15, true},  // comma inside quotes
        Case{"permessage-deflate; server_max_window_bits=\"10", nullptr},      // unterminated
        Case{"foo; x=\"unterminated, permessage-deflate", nullptr},
        // whitespace, empty elements, case
        Case{"  permessage-deflate \t;\tclient_max_window_bits = 10 ; server_no_context_takeover  ",
             "permessage-deflate; server_no_context_takeover; client_max_window_bits=10", 15, 10, true},
        Case{", ,permessage-deflate,", kPlain},
        Case{"PerMessage-Deflate; Server_No_Context_Takeover",
             "permessage-deflate; server_no_context_takeover", 15, 15, true},
        // malformed elements decline only themselves
        Case{"permessage-deflate;, permessage-deflate; server_max_window_bits=13",
             "permessage-deflate; server_max_window_bits=13", 13},
        Case{"permessage-deflate client_max_window_bits, permessage-deflate", kPlain},
        Case{"permessage-deflate; =10, permessage-deflate", kPlain},
        Case{"permessage-deflate; a==b, permessage-deflate", kPlain},
        Case{"permessage-deflate; server_max_window_bits=10 11", nullptr},
        Case{"permessage-deflate(x)", nullptr}, Case{"; server_no_context_takeover", nullptr},
        Case{"permessage-deflate\r\n; server_no_context_takeover", nullptr},
        Case{"permessage-deflateX", nullptr}));

TEST(Negotiation, DisabledDeclinesEverything) {
  DeflateOptions o;
  o.enabled = false;
  std::string response;
  EXPECT_FALSE(negotiate_deflate("permessage-deflate", o, response));
  EXPECT_EQ(response, "");
}

TEST(Negotiation, OurOptionsLowerAndAddParameters) {
  DeflateOptions o;
  o.server_max_window_bits = 11;
  o.client_max_window_bits = 10;
  o.server_no_context_takeover = true;
  o.client_no_context_takeover = true;
  std::string response;

  auto p = negotiate_deflate("permessage-deflate", o, response);
  ASSERT_TRUE(p);
  // server_max_window_bits is not announced when not offered, but is used.
  EXPECT_EQ(response, "permessage-deflate; server_no_context_takeover; client_no_context_takeover");
  EXPECT_EQ(p->server_max_window_bits, 11);
  EXPECT_EQ(p->client_max_window_bits, 15);  // not offered: the client uses 15
  EXPECT_TRUE(p->server_no_context_takeover);
  EXPECT_TRUE(p->client_no_context_takeover);

  p = negotiate_deflate("permessage-deflate; server_max_window_bits=13; client_max_window_bits", o, response);
  ASSERT_TRUE(p);
  EXPECT_EQ(response,
            "permessage-deflate; server_no_context_takeover; client_no_context_takeover; "
            "server_max_window_bits=11; client_max_window_bits=10");
  EXPECT_EQ(p->server_max_window_bits, 11);
  EXPECT_EQ(p->client_max_window_bits, 10);

  p = negotiate_deflate("permessage-deflate; server_max_window_bits=9; client_max_window_bits=9", o,
                        response);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->server_max_window_bits, 9);
  EXPECT_EQ(p->client_max_window_bits, 9);
}

TEST(Negotiation, NeverAgreesToWindowBits8OnItsOwn) {
  DeflateOptions o;
  o.server_max_window_bits = 8;
  o.client_max_window_bits = 8;
  std::string response;
  auto p =
      negotiate_deflate("permessage-deflate; server_max_window_bits=10; client_max_window_bits", o, response);
  ASSERT_TRUE(p);
  EXPECT_EQ(response, "permessage-deflate; server_max_window_bits=9; client_max_window_bits=9");
  EXPECT_EQ(p->server_max_window_bits, 9);
  EXPECT_EQ(p->client_max_window_bits, 9);
}

TEST(Negotiation, ResponseIsAnOfferThatNegotiatesToItself) {
  // Our response is itself a valid offer, and a fixed point: the fuzz target relies on it.
  std::string response, again;
  auto p = negotiate_deflate("permessage-deflate; server_max_window_bits=12; client_max_window_bits=11",
                             DeflateOptions{}, response);
  ASSERT_TRUE(p);
  auto q = negotiate_deflate(response, DeflateOptions{}, again);
  ASSERT_TRUE(q);
  EXPECT_EQ(again, response);
  EXPECT_EQ(q->server_max_window_bits, p->server_max_window_bits);
  EXPECT_EQ(q->client_max_window_bits, p->client_max_window_bits);
}

}  // namespace
}  // namespace wshub::ws
