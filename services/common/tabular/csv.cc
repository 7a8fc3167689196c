#include "services/common/tabular/csv.h"

#include <algorithm>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "services/common/text/text.h"

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

// Reads a file's rows one at a time; a row with a quote error is reported and skipped, and reading
// goes on from the next physical line, so one stray quote costs only its own line.
class CsvReader {
 public:
  explicit CsvReader(absl::string_view text) : text_(text) {}

  CsvTable Read() {
    CsvTable table;
    while (i_ < text_.size()) {
      RowState s;
      s.row.line = line_;
      s.start = i_;
      if (!ReadCells(s)) {
        table.broken.emplace_back(s.row.line, "引用符（\"）が閉じられていません");
        ResumeAfter(s);
        continue;
      }
      FinishRow(s, &table);
    }
    return table;
  }

 private:
  struct RowState {
    CsvRow row;
    size_t start = 0;  // where the row began
    bool broken = false;
    std::string why;
    bool ended_by_line_break = false;
  };

  bool AtCellEnd() const { return text_[i_] == ',' || text_[i_] == '\n' || text_[i_] == '\r'; }

  // The cells of one row, up to its line break or the end; false when a quote never closes.
  bool ReadCells(RowState& s) {
    while (true) {
      std::string cell;
      if (i_ < text_.size() && text_[i_] == '"') {
        ++i_;
        if (!ReadQuotedCell(&cell)) return false;
        if (i_ < text_.size() && !AtCellEnd()) {
          s.broken = true;
          s.why = "引用符の後に余分な文字があります";
          while (i_ < text_.size() && text_[i_] != '\n') ++i_;
        }
      } else {
        ReadPlainCell(s, &cell);
      }
      s.row.cells.push_back(cell);
      if (i_ >= text_.size()) return true;
      if (text_[i_] == ',') {
        ++i_;
        continue;
      }
      if (text_[i_] == '\r') ++i_;
      if (i_ < text_.size() && text_[i_] == '\n') ++i_;
      ++line_;
      s.ended_by_line_break = true;
      return true;
    }
  }

  // After the opening quote: up to the closing one ("" is a quote); false when it never comes.
  bool ReadQuotedCell(std::string* cell) {
    while (i_ < text_.size()) {
      const char c = text_[i_];
      if (c == '"') {
        if (i_ + 1 < text_.size() && text_[i_ + 1] == '"') {
          cell->push_back('"');
          i_ += 2;
          continue;
        }
        ++i_;
        return true;
      }
      if (c == '\n') ++line_;
      cell->push_back(c);
      ++i_;
    }
    return false;
  }

  void ReadPlainCell(RowState& s, std::string* cell) {
    while (i_ < text_.size() && !AtCellEnd()) {
      if (text_[i_] == '"') {
        s.broken = true;
        s.why = "引用されていないセルに引用符（\"）があります";
      }
      cell->push_back(text_[i_]);
      ++i_;
    }
  }

  // Keeps a good row, or reports a broken one and reads on from the line after it started.
  void FinishRow(RowState& s, CsvTable* table) {
    const bool blank = s.row.cells.empty() || (s.row.cells.size() == 1 && s.row.cells[0].empty());
    // The last physical line the row touched: the file's last line has no line break after it.
    const int spanned_to = s.ended_by_line_break ? line_ - 1 : line_;
    // A quoted line break that does not leave a row of the header's width is a stray quote that
    // swallowed the lines after it, not a multi-line cell.
    if (!s.broken && !blank && spanned_to > s.row.line && !table->rows.empty() &&
        (s.row.cells.size() != table->rows.front().cells.size() ||
         SwallowsARow(text_.substr(s.start, i_ - s.start), table->rows.front().cells.size()))) {
      s.broken = true;
      s.why = "引用符（\"）が閉じられないまま次の行に続いています";
    }
    if (s.broken) {
      table->broken.emplace_back(s.row.line, s.why);
      if (spanned_to > s.row.line || i_ < text_.size()) ResumeAfter(s);
    } else if (!blank) {
      table->rows.push_back(std::move(s.row));
    }
  }

  void ResumeAfter(const RowState& s) {
    const size_t next = text_.find('\n', s.start);
    i_ = next == absl::string_view::npos ? text_.size() : next + 1;
    line_ = s.row.line + 1;
  }

  absl::string_view text_;
  size_t i_ = 0;
  int line_ = 1;
};

}  // namespace

CsvTable ParseCsv(absl::string_view text) { return CsvReader(text).Read(); }

std::string CsvCell(absl::string_view value) {
  std::string v(value);
  if (LooksLikeFormula(v)) v = absl::StrCat("'", v);
  if (v.find_first_of(",\"\r\n") == std::string::npos) return v;
  return absl::StrCat("\"", absl::StrReplaceAll(v, {{"\"", "\"\""}}), "\"");
}

}  // namespace hosho
