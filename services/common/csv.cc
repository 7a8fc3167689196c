#include "services/common/csv.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "services/common/text.h"

namespace hosho {

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
      }
    }
    const bool blank = row.cells.empty() || (row.cells.size() == 1 && row.cells[0].empty());
    if (broken) {
      table.broken.emplace_back(row.line, why);
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
