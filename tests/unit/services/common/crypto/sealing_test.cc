#include "services/common/crypto/sealing.h"

#include "gtest/gtest.h"

namespace hosho {
namespace {

Sealer MakeSealer(const std::string& yaml) { return Sealer(*KeyRing::FromYaml(yaml)); }

TEST(SealingTest, RoundTripWithTheCaseIdAsAssociatedData) {
  Sealer sealer = MakeSealer(KeyRing::GenerateYaml("k1"));
  auto sealed = sealer.Seal("認証キー-ABC-123", "HS-1");
  ASSERT_TRUE(sealed.ok());
  EXPECT_EQ(sealed->key_id(), "k1");
  EXPECT_EQ(sealed->ciphertext().find("ABC-123"), std::string::npos);
  auto opened = sealer.Open(*sealed, "HS-1");
  ASSERT_TRUE(opened.ok()) << opened.status();
  EXPECT_EQ(opened->value(), "認証キー-ABC-123");
}

TEST(SealingTest, SameSecretSealsDifferentlyEachTime) {
  Sealer sealer = MakeSealer(KeyRing::GenerateYaml("k1"));
  EXPECT_NE(sealer.Seal("key", "HS-1")->ciphertext(), sealer.Seal("key", "HS-1")->ciphertext());
}

TEST(SealingTest, TamperedCiphertextIsDetected) {
  Sealer sealer = MakeSealer(KeyRing::GenerateYaml("k1"));
  auto sealed = *sealer.Seal("secret", "HS-1");
  std::string ct = sealed.ciphertext();
  ct[0] ^= 0x01;
  sealed.set_ciphertext(ct);
  EXPECT_TRUE(absl::IsDataLoss(sealer.Open(sealed, "HS-1").status()));
}

TEST(SealingTest, TamperedNonceIsDetected) {
  Sealer sealer = MakeSealer(KeyRing::GenerateYaml("k1"));
  auto sealed = *sealer.Seal("secret", "HS-1");
  std::string nonce = sealed.nonce();
  nonce[3] ^= 0x40;
  sealed.set_nonce(nonce);
  EXPECT_TRUE(absl::IsDataLoss(sealer.Open(sealed, "HS-1").status()));
}

TEST(SealingTest, SecretMovedToAnotherCaseDoesNotOpen) {
  Sealer sealer = MakeSealer(KeyRing::GenerateYaml("k1"));
  auto sealed = *sealer.Seal("secret", "HS-1");
  EXPECT_TRUE(absl::IsDataLoss(sealer.Open(sealed, "HS-2").status()));
}

TEST(SealingTest, RotationSealsWithTheActiveKeyAndOpensWithOldOnes) {
  // Old ring: k1 only. New ring: k1 and k2, k2 active.
  const std::string old_ring = KeyRing::GenerateYaml("k1");
  Sealer old_sealer = MakeSealer(old_ring);
  const std::string k2 = KeyRing::GenerateYaml("k2");
  const std::string k2_line = k2.substr(k2.find("  - id: k2"));
  std::string new_ring = old_ring;
  new_ring.replace(new_ring.find("active: k1"), 10, "active: k2");
  new_ring += k2_line;
  Sealer new_sealer = MakeSealer(new_ring);

  auto before = *old_sealer.Seal("older secret", "HS-9");
  auto opened = new_sealer.Open(before, "HS-9");
  ASSERT_TRUE(opened.ok()) << opened.status();
  EXPECT_EQ(opened->value(), "older secret");
  auto after = *new_sealer.Seal("newer secret", "HS-9");
  EXPECT_EQ(after.key_id(), "k2");
  EXPECT_TRUE(absl::IsFailedPrecondition(old_sealer.Open(after, "HS-9").status()));
}

TEST(SealingTest, FingerprintIsStableAndKeyed) {
  Sealer a = MakeSealer(KeyRing::GenerateYaml("k1"));
  Sealer b = MakeSealer(KeyRing::GenerateYaml("k1"));
  EXPECT_EQ(a.Fingerprint("DS-26-000101"), a.Fingerprint("DS-26-000101"));
  EXPECT_NE(a.Fingerprint("DS-26-000101"), a.Fingerprint("DS-26-000102"));
  EXPECT_NE(a.Fingerprint("DS-26-000101"), b.Fingerprint("DS-26-000101"));
}

TEST(SealingTest, KeyRingRejectsShortKeysAndUnknownActiveKey) {
  EXPECT_FALSE(KeyRing::FromYaml("active: k1\nfingerprint_key: AAAA\nkeys: []\n").ok());
  std::string ring = KeyRing::GenerateYaml("k1");
  ring.replace(ring.find("active: k1"), 10, "active: zz");
  EXPECT_FALSE(KeyRing::FromYaml(ring).ok());
}

TEST(SealingTest, SecretBytesWipesOnMove) {
  SecretBytes a(std::string("plain"));
  SecretBytes b(std::move(a));
  EXPECT_EQ(b.value(), "plain");
  EXPECT_TRUE(a.value().empty());  // NOLINT(bugprone-use-after-move): the moved-from value is wiped
}

TEST(HmacTest, MatchesRfc4231TestCase2) {
  EXPECT_EQ(HmacSha256Hex("Jefe", "what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

}  // namespace
}  // namespace hosho
