#include "services/common/csv.h"

#include "gtest/gtest.h"

namespace hosho {
namespace {

TEST(CsvTest, ExcelQuotingLineBreaksAndCrlf) {
  CsvTable t = ParseCsv("a,b,c\r\n\"x,1\",\"say \"\"hi\"\"\",\"two\nlines\"\r\nlast,,\n");
  ASSERT_TRUE(t.broken.empty());
  ASSERT_EQ(t.rows.size(), 3u);
  EXPECT_EQ(t.rows[1].cells, (std::vector<std::string>{"x,1", "say \"hi\"", "two\nlines"}));
  EXPECT_EQ(t.rows[1].line, 2);
  EXPECT_EQ(t.rows[2].line, 4) << "the row after a quoted line break";
  EXPECT_EQ(t.rows[2].cells, (std::vector<std::string>{"last", "", ""}));
}

TEST(CsvTest, AnUnclosedQuoteBreaksOnlyItsRow) {
  CsvTable t = ParseCsv("h1,h2\n\"open,never closed\nok,1\nfine,3\n");
  ASSERT_EQ(t.broken.size(), 1u);
  EXPECT_EQ(t.broken[0].first, 2);
  ASSERT_EQ(t.rows.size(), 3u);
  EXPECT_EQ(t.rows[1].cells[0], "ok");
  EXPECT_EQ(t.rows[1].line, 3);
  EXPECT_EQ(t.rows[2].cells[0], "fine");
}

TEST(CsvTest, StrayQuotesBreakTheirRow) {
  CsvTable t = ParseCsv("h1,h2\nstray\"quote,2\n\"closed\"junk,3\nfine,4\n");
  ASSERT_EQ(t.broken.size(), 2u);
  EXPECT_EQ(t.broken[0].first, 2);
  EXPECT_EQ(t.broken[1].first, 3);
  ASSERT_EQ(t.rows.size(), 2u);
  EXPECT_EQ(t.rows[1].cells[0], "fine");
}

TEST(CsvTest, BlankLinesAreSkipped) {
  CsvTable t = ParseCsv("a\n\n\nb\n");
  ASSERT_EQ(t.rows.size(), 2u);
  EXPECT_EQ(t.rows[1].line, 4);
}

TEST(CsvTest, WrittenCellsAreQuotedAndFormulasNeutralised) {
  EXPECT_EQ(CsvCell("plain"), "plain");
  EXPECT_EQ(CsvCell("a,b"), "\"a,b\"");
  EXPECT_EQ(CsvCell("say \"x\""), "\"say \"\"x\"\"\"");
  EXPECT_EQ(CsvCell("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
}

}  // namespace
}  // namespace hosho
