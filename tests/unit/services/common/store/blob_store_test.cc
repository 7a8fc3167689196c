#include "services/common/store/blob_store.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include "gtest/gtest.h"
#include "tests/support/redis_server.h"

namespace hosho {
namespace {

namespace fs = std::filesystem;

class BlobStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = testing::MakeTempDir("hosho-blobs");
    sealer_ = std::make_unique<Sealer>(*KeyRing::FromYaml(KeyRing::GenerateYaml("k1")));
    store_ = std::make_unique<SealedFileBlobStore>(dir_, sealer_.get());
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string dir_;
  std::unique_ptr<Sealer> sealer_;
  std::unique_ptr<SealedFileBlobStore> store_;
};

TEST_F(BlobStoreTest, TheAddressIsTheContentsHashAndTheFileIsSealed) {
  const std::string pdf = "%PDF-1.4 請求書 PLANTED-INVOICE-CONTENT";
  auto sha = store_->Put(pdf);
  ASSERT_TRUE(sha.ok());
  EXPECT_EQ(*sha, Sha256Hex(pdf));
  EXPECT_TRUE(store_->Contains(*sha));
  EXPECT_EQ(store_->Get(*sha)->value(), pdf);
  size_t files = 0;
  for (const auto& e : fs::recursive_directory_iterator(dir_)) {
    if (!e.is_regular_file()) continue;
    ++files;
    std::ifstream in(e.path(), std::ios::binary);
    std::stringstream bytes;
    bytes << in.rdbuf();
    EXPECT_EQ(bytes.str().find("PLANTED-INVOICE-CONTENT"), std::string::npos) << "plaintext at rest";
  }
  EXPECT_EQ(files, 1u);
  EXPECT_EQ(*store_->Put(pdf), *sha) << "the same file twice is one blob";
  files = 0;
  for (const auto& e : fs::recursive_directory_iterator(dir_)) files += e.is_regular_file() ? 1 : 0;
  EXPECT_EQ(files, 1u);
}

TEST_F(BlobStoreTest, MissingTamperedAndMalformedAddressesAreRefused) {
  EXPECT_TRUE(absl::IsNotFound(store_->Get(std::string(64, 'a')).status()));
  EXPECT_TRUE(absl::IsInvalidArgument(store_->Get("../../etc/passwd").status()));
  auto sha = *store_->Put("%PDF-1.4 original");
  // Move another blob under this address: the seal (address as associated data) fails.
  auto other = *store_->Put("%PDF-1.4 other");
  const std::string path = dir_ + "/" + sha.substr(0, 2) + "/" + sha + ".blob";
  fs::copy_file(dir_ + "/" + other.substr(0, 2) + "/" + other + ".blob", path, fs::copy_options::overwrite_existing);
  EXPECT_TRUE(absl::IsDataLoss(store_->Get(sha).status()));
}

}  // namespace
}  // namespace hosho
