#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace hosho {

struct CsvRow {
  int line = 0;  // 1-based line where the row starts
  std::vector<std::string> cells;
};

struct CsvTable {
  std::vector<CsvRow> rows;
  // Rows that could not be read (an unterminated quote, a stray quote), with the line and why.
  std::vector<std::pair<int, std::string>> broken;
};

// Excel-style CSV (RFC 4180): quoted cells with doubled quotes and line breaks,
// CRLF or LF, a UTF-8 text (decode first). A row whose quoting is broken is reported and reading
// continues at the next physical line, so every line of the file is either in a row or reported:
// a stray quote never swallows the lines after it. A quoted line break is kept only when its row
// has the header's width.
CsvTable ParseCsv(absl::string_view text);

// One cell for writing: quoted when needed, formula prefixes neutralised with a leading quote.
std::string CsvCell(absl::string_view value);

}  // namespace hosho
