// Hostile-input sweep for the decode paths (no fuzz target is built for this module): random
// bytes and random mutations of valid APDUs must always give a value or an Error, never a crash,
// under the ASan/UBSan build. Seeded, so a failure reproduces.
#include <gtest/gtest.h>

#include <random>

#include "dlms/security/ciphered_apdu.hpp"
#include "dlms/security/hls_gmac.hpp"
#include "test_vectors.hpp"

namespace dlmsgw::security {
namespace {

SecurityContext sweep_context(SecurityPolicy policy) {
  const SecurityKeys keys = test::green_book_keys();
  SecurityContext context;
  context.policy = policy;
  context.own_system_title = test::title(test::kGreenBookServerTitle);
  context.peer_system_title = context.own_system_title;
  context.invocation_counter = InvocationCounter(test::kGreenBookInvocationCounter);
  context.global_key = keys.block_key;
  context.authentication_key = keys.authentication_key;
  context.dedicated_key = keys.authentication_key;
  return context;
}

Bytes general_seed() {
  SecurityContext context = sweep_context(SecurityPolicy::authenticated);
  context.form = CipheringForm::general;
  auto apdu = protect(test::hex(test::kGreenBookGetRequest), context);
  EXPECT_TRUE(apdu);
  return apdu ? *apdu : Bytes{0xDB};
}

TEST(SecurityRobustness, RandomAndMutatedInputsNeverCrash) {
  std::mt19937 random(20240611);
  std::uniform_int_distribution<int> byte(0, 255);
  const SecurityContext strict = sweep_context(SecurityPolicy::authenticated_encrypted);
  const SecurityContext lax = sweep_context(SecurityPolicy::none);
  SecurityContext general_mutable = lax;
  general_mutable.form = CipheringForm::general;
  general_mutable.peer_system_title.reset();
  const SecurityContext general = general_mutable;
  const Bytes seeds[] = {
      *protect(test::hex(test::kGreenBookGetRequest), strict),
      general_seed(),
      test::hex("C8 06 00 00000001 C0"),
      test::hex("DB 08 4D4D4D0000BC614E 06 00 00000001 C4"),
  };
  std::size_t accepted = 0;
  for (int round = 0; round < 20000; ++round) {
    Bytes input;
    if (round % 4 == 0) {
      input.resize(static_cast<std::size_t>(byte(random) % 48));
      for (auto& b : input) b = static_cast<std::uint8_t>(byte(random));
      if (!input.empty() && round % 8 == 0) input[0] = 0xDB;
    } else {
      input = seeds[static_cast<std::size_t>(round) % std::size(seeds)];
      const int edits = 1 + byte(random) % 3;
      for (int e = 0; e < edits; ++e) {
        const auto at = static_cast<std::size_t>(byte(random)) % input.size();
        switch (byte(random) % 3) {
          case 0:
            input[at] = static_cast<std::uint8_t>(byte(random));
            break;
          case 1:
            input.resize(at);
            break;
          default:
            input.insert(input.begin() + static_cast<std::ptrdiff_t>(at),
                         static_cast<std::uint8_t>(byte(random)));
            break;
        }
        if (input.empty()) break;
      }
    }
    for (const SecurityContext* context : {&strict, &lax, &general}) {
      auto result = unprotect(input, *context);
      if (result) {
        ++accepted;
        EXPECT_FALSE(result->apdu.empty());
      } else {
        EXPECT_FALSE(result.error().message.empty());
      }
    }
    (void)verify_hls_gmac_response(input, test::hex("4B35366956616759"), *strict.peer_system_title,
                                   test::green_book_keys());
  }
  // The unauthenticated seeds survive some mutations; the sweep must have exercised both paths.
  EXPECT_GT(accepted, 0u);
}

}  // namespace
}  // namespace dlmsgw::security
