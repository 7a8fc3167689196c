#include "services/common/csv.h"

#include <algorithm>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "services/common/text.h"

namespace hosho {
namespace {

// Whether a line inside a quoted line break (not its first or last) reads as a whole row of the
// header's width: then the opening quote was a stray one that swallowed it.
bool SwallowsARow(absl::string_view span, size_t width) {
  std::vector<absl::string_view> lines = absl::StrSplit(span, '\n');
  for (size_t k = 1; k + 1 < lines.size(); ++k) {
    absl::string_view l = absl::StripSuffix(lines[k], "\r");
    if (!l.empty() && l.find('"') == absl::string_view::npos &&
        static_cast<size_t>(std::count(l.begin(), l.end(), ',')) + 1 == width) {
      return true;
    }
  }
  return false;
}

}  // namespace

CsvTable ParseCsv(absl::string_view text) {
  CsvTable table;
  size_t i = 0;
  int line = 1;
  while (i < text.size()) {
    CsvRow row;
    row.line = line;
    const size_t row_start = i;
    std::string cell;
    bool broken = false;
    std::string why;
    bool row_done = false;
    bool ended_by_line_break = false;
    while (!row_done) {
      cell.clear();
      if (i < text.size() && text[i] == '"') {
        ++i;
        bool closed = false;
        while (i < text.size()) {
          char c = text[i];
          if (c == '"') {
            if (i + 1 < text.size() && text[i + 1] == '"') {
              cell.push_back('"');
              i += 2;
              continue;
            }
            ++i;
            closed = true;
            break;
          }
          if (c == '\n') ++line;
          cell.push_back(c);
          ++i;
        }
        if (!closed) {
          // Report the row and resume on the line after it started, so one stray quote
          // does not swallow the rest of the file.
          table.broken.emplace_back(row.line, "引用符（\"）が閉じられていません");
          const size_t next = text.find('\n', row_start);
          i = next == absl::string_view::npos ? text.size() : next + 1;
          line = row.line + 1;
          row.cells.clear();
          broken = false;
          row_done = true;
          continue;
        } else if (i < text.size() && text[i] != ',' && text[i] != '\n' && text[i] != '\r') {
          broken = true;
          why = "引用符の後に余分な文字があります";
          while (i < text.size() && text[i] != '\n') ++i;
        }
      } else {
        while (i < text.size() && text[i] != ',' && text[i] != '\n' && text[i] != '\r') {
          if (text[i] == '"') {
            broken = true;
            why = "引用されていないセルに引用符（\"）があります";
          }
          cell.push_back(text[i]);
          ++i;
        }
      }
      row.cells.push_back(cell);
      if (i >= text.size()) {
        row_done = true;
      } else if (text[i] == ',') {
        ++i;
      } else {
        if (text[i] == '\r') ++i;
        if (i < text.size() && text[i] == '\n') ++i;
        ++line;
        row_done = true;
        ended_by_line_break = true;
      }
    }
    const bool blank = row.cells.empty() || (row.cells.size() == 1 && row.cells[0].empty());
    // The last physical line the row touched: the file's last line has no line break after it.
    const int spanned_to = ended_by_line_break ? line - 1 : line;
    // A quoted line break that does not leave a row of the header's width is a stray quote that
    // swallowed the lines after it, not a multi-line cell.
    if (!broken && !blank && spanned_to > row.line && !table.rows.empty() &&
        (row.cells.size() != table.rows.front().cells.size() ||
         SwallowsARow(text.substr(row_start, i - row_start), table.rows.front().cells.size()))) {
      broken = true;
      why = "引用符（\"）が閉じられないまま次の行に続いています";
    }
    if (broken) {
      table.broken.emplace_back(row.line, why);
      // Read on from the next physical line, so a quote error costs only its own line.
      if (spanned_to > row.line || i < text.size()) {
        const size_t next = text.find('\n', row_start);
        i = next == absl::string_view::npos ? text.size() : next + 1;
        line = row.line + 1;
      }
    } else if (!blank) {
      table.rows.push_back(std::move(row));
    }
  }
  return table;
}

std::string CsvCell(absl::string_view value) {
  std::string v(value);
  if (LooksLikeFormula(v)) v = absl::StrCat("'", v);
  if (v.find_first_of(",\"\r\n") == std::string::npos) return v;
  return absl::StrCat("\"", absl::StrReplaceAll(v, {{"\"", "\"\""}}), "\"");
}

}  // namespace hosho
