#include "services/common/tabular/csv.h"

#include <algorithm>

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

TEST(CsvTest, AStrayQuoteCostsOnlyItsOwnLineNeverTheLinesAfterIt) {
  // Line 2 opens a quote that a quote on line 4 closes: before, lines 3 and 4 vanished into line 2.
  CsvTable t = ParseCsv("id,name,amount\nK-1,\"工事,100\nK-2,舗装,200\nK-3,\",300\nK-4,橋梁,400\n");
  // Line 4 ("K-3,\",300") has a stray quote of its own.
  ASSERT_EQ(t.broken.size(), 2u);
  EXPECT_EQ(t.broken[0].first, 2);
  EXPECT_EQ(t.broken[1].first, 4);
  std::vector<int> lines;
  for (const auto& row : t.rows) lines.push_back(row.line);
  std::vector<int> reported = lines;
  for (const auto& [line, why] : t.broken) reported.push_back(line);
  std::sort(reported.begin(), reported.end());
  EXPECT_EQ(reported, (std::vector<int>{1, 2, 3, 4, 5})) << "every physical line is a row or a refusal";
  EXPECT_EQ(t.rows[1].cells, (std::vector<std::string>{"K-2", "舗装", "200"}));
}

TEST(CsvTest, AQuoteClosedOnALaterLineWithJunkAfterItResumesAfterItsOwnLine) {
  CsvTable t = ParseCsv("a,b\n\"x,1\nok,2\ny\"junk,3\nfine,4\n");
  std::vector<int> reported;
  for (const auto& row : t.rows) reported.push_back(row.line);
  for (const auto& [line, why] : t.broken) reported.push_back(line);
  std::sort(reported.begin(), reported.end());
  EXPECT_EQ(reported, (std::vector<int>{1, 2, 3, 4, 5}));
  EXPECT_EQ(t.broken.front().first, 2);
}

TEST(CsvTest, AMultiLineCellOfTheHeadersWidthIsKept) {
  CsvTable t = ParseCsv("a,b\n\"two\nlines\",1\nnext,2\n");
  ASSERT_TRUE(t.broken.empty());
  ASSERT_EQ(t.rows.size(), 3u);
  EXPECT_EQ(t.rows[1].cells[0], "two\nlines");
  EXPECT_EQ(t.rows[2].line, 4);
}

// Found by csv_fuzz: a file whose last line has no line break lost that line after a quoted line
// break (it was neither a row nor reported), or kept a two-line row of the wrong width.
TEST(CsvTest, TheLastLineWithoutALineBreakIsAccountedForLikeAnyOther) {
  auto lines_of = [](const CsvTable& t) {
    std::vector<int> reported;
    for (const auto& row : t.rows) reported.push_back(row.line);
    for (const auto& [line, why] : t.broken) reported.push_back(line);
    std::sort(reported.begin(), reported.end());
    return reported;
  };
  EXPECT_EQ(lines_of(ParseCsv("\"\n\"0")), (std::vector<int>{1, 2}));
  const CsvTable stray = ParseCsv("h1,h2\na,\"x\nb,\"c");
  EXPECT_EQ(lines_of(stray), (std::vector<int>{1, 2, 3}));
  EXPECT_EQ(stray.rows.size(), 1u) << "only the header is a row";
  const CsvTable narrow = ParseCsv("a,b,c\nx,\"y\nz\"");
  EXPECT_EQ(lines_of(narrow), (std::vector<int>{1, 2, 3}));
  ASSERT_EQ(narrow.rows.size(), 1u) << "a two-cell row across lines 2-3 is not kept under a three-cell header";
  EXPECT_EQ(narrow.broken.front().first, 2);
}

}  // namespace
}  // namespace hosho
