#include "services/console/i18n.h"

#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <vector>

#include "gtest/gtest.h"
#include "services/console/html.h"

namespace hosho {
namespace {

// Every literal key the console's pages ask for has a Japanese and an English text.
TEST(I18nTest, EveryKeyUsedByThePagesIsInTheCatalogue) {
  std::set<std::string> keys;
  // Every source of the console: the page modules under pages/ and the shared frame (html.cc) among them.
  std::vector<std::filesystem::path> files;
  for (const auto& entry :
       std::filesystem::recursive_directory_iterator(std::string(HOSHO_SOURCE_DIR) + "/services/console")) {
    if (entry.path().extension() == ".cc") files.push_back(entry.path());
  }
  ASSERT_GE(files.size(), 8u);
  for (const std::filesystem::path& file : files) {
    std::ifstream in(file);
    ASSERT_TRUE(in) << file;
    std::stringstream text;
    text << in.rdbuf();
    const std::string source = text.str();
    const std::regex call(R"re(T\([a-z.]*lang, "([a-z_.]+)"\))re");
    for (auto it = std::sregex_iterator(source.begin(), source.end(), call); it != std::sregex_iterator(); ++it) {
      keys.insert((*it)[1].str());
    }
  }
  EXPECT_GT(keys.size(), 60u);
  for (const std::string& key : keys) {
    EXPECT_TRUE(HasText(key)) << key;
    EXPECT_NE(T(Lang::kJa, key), T(Lang::kEn, key)) << key;
  }
}

TEST(I18nTest, DomainLabelsInBothLanguages) {
  EXPECT_EQ(StateLabel(Lang::kJa, "ROUTED"), "回付済み");
  EXPECT_EQ(StateLabel(Lang::kEn, "ROUTED"), "Routed");
  EXPECT_EQ(KindLabel(Lang::kJa, "GUARANTEE_KIND_ADVANCE_PAYMENT"), "前払金保証");
  EXPECT_EQ(StateLabel(Lang::kJa, "SOMETHING_NEW"), "SOMETHING_NEW");
  EXPECT_EQ(ParseLang("en"), Lang::kEn);
  EXPECT_EQ(ParseLang("fr"), Lang::kJa);
}

TEST(HtmlTest, EscapesMarkupAndEncodesQueryComponents) {
  EXPECT_EQ(Esc(R"(<a href="x">'&'</a>)"), "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;");
  EXPECT_EQ(UrlEncode("/cases?q=a b&c=契"), "%2Fcases%3Fq%3Da%20b%26c%3D%E5%A5%91");
}

}  // namespace
}  // namespace hosho
