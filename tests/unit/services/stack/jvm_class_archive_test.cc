#include "services/stack/jvm_class_archive.h"

#include <filesystem>
#include <fstream>
#include <string>

#include "gtest/gtest.h"

namespace hosho {
namespace {

namespace fs = std::filesystem;

class JvmClassArchiveTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("jvm_class_archive_test." + std::to_string(::getpid()));
    fs::remove_all(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  static void Write(const fs::path& file, const std::string& bytes) { std::ofstream(file) << bytes; }
  fs::path dir_;
};

TEST_F(JvmClassArchiveTest, WithoutAnArchiveTheJvmRecordsOneIntoAFileOfItsOwn) {
  JvmClassArchive archive((dir_ / "class-archives" / "kafka-node.jsa").string());
  std::string first, second;
  const std::vector<std::string> flags = archive.Flags(&first);
  archive.Flags(&second);
  ASSERT_EQ(flags.size(), 1u);
  EXPECT_EQ(flags[0], "-XX:ArchiveClassesAtExit=" + first);
  EXPECT_NE(first, second);  // two nodes starting together never write the same file
  EXPECT_NE(first, archive.path());
  EXPECT_TRUE(fs::is_directory(dir_ / "class-archives"));  // the JVM writes into it at exit
}

TEST_F(JvmClassArchiveTest, ARecordingOfAnOrderlyExitBecomesTheSharedArchiveAndIsMappedNextTime) {
  JvmClassArchive archive((dir_ / "kafka-node.jsa").string());
  std::string recording;
  archive.Flags(&recording);
  Write(recording, "classes");
  archive.Keep(recording, 143);  // SIGTERM handled by the JVM: an exit status, not a signal
  EXPECT_FALSE(fs::exists(recording));
  ASSERT_TRUE(fs::exists(archive.path()));
  std::string none;
  const std::vector<std::string> flags = archive.Flags(&none);
  EXPECT_TRUE(none.empty());
  EXPECT_EQ(flags, (std::vector<std::string>{"-XX:SharedArchiveFile=" + archive.path(), "-Xshare:auto"}));
}

TEST_F(JvmClassArchiveTest, ARecordingCutByASignalOrLeftEmptyIsRemovedAndNothingIsShared) {
  JvmClassArchive archive((dir_ / "kafka-node.jsa").string());
  std::string killed, empty;
  archive.Flags(&killed);
  archive.Flags(&empty);
  Write(killed, "half an archive");
  Write(empty, "");
  archive.Keep(killed, -9);
  archive.Keep(empty, 0);
  EXPECT_FALSE(fs::exists(killed));
  EXPECT_FALSE(fs::exists(empty));
  EXPECT_FALSE(fs::exists(archive.path()));
}

TEST_F(JvmClassArchiveTest, AnEmptyArchiveFileIsNotMapped) {
  fs::create_directories(dir_);
  JvmClassArchive archive((dir_ / "kafka-node.jsa").string());
  Write(archive.path(), "");
  std::string recording;
  const std::vector<std::string> flags = archive.Flags(&recording);
  EXPECT_FALSE(recording.empty());
  EXPECT_EQ(flags[0].rfind("-XX:ArchiveClassesAtExit=", 0), 0u);
}

}  // namespace
}  // namespace hosho
