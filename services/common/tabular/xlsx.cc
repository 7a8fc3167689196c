#include "services/common/tabular/xlsx.h"

#include <stdlib.h>
#include <unistd.h>
#include <xlsxwriter.h>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace hosho {
namespace {

// libxlsxwriter 1.1.4 (Debian 12) writes only to a file: a private temporary one, removed on return.
class TemporaryFile {
 public:
  TemporaryFile() {
    const char* dir = getenv("TMPDIR");
    path_ = absl::StrCat(dir != nullptr && *dir != '\0' ? dir : "/tmp", "/hosho-xlsx-XXXXXX");
    const int fd = mkstemp(path_.data());
    if (fd < 0) {
      path_.clear();
    } else {
      close(fd);
    }
  }
  ~TemporaryFile() {
    if (!path_.empty()) unlink(path_.c_str());
  }
  TemporaryFile(const TemporaryFile&) = delete;
  TemporaryFile& operator=(const TemporaryFile&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// Up to 15 digits: exact in a double, as Excel keeps numbers.
bool IsDecimal(const std::string& text) {
  return !text.empty() && text.size() <= 15 &&
         std::all_of(text.begin(), text.end(), [](unsigned char c) { return c >= '0' && c <= '9'; });
}

absl::Status Failed(absl::string_view step, lxw_error error) {
  return absl::InternalError(absl::StrCat("xlsx: ", step, ": ", lxw_strerror(error)));
}

}  // namespace

absl::StatusOr<std::string> TextWorkbook(absl::string_view sheet_name, const std::vector<std::string>& header,
                                         const std::vector<std::vector<std::string>>& rows,
                                         const std::vector<bool>& numeric) {
  TemporaryFile file;
  if (file.path().empty()) return absl::InternalError("xlsx: no temporary file");
  lxw_workbook* workbook = workbook_new(file.path().c_str());
  if (workbook == nullptr) return absl::InternalError("xlsx: cannot start a workbook");
  lxw_worksheet* sheet = workbook_add_worksheet(workbook, std::string(sheet_name).c_str());
  lxw_format* bold = workbook_add_format(workbook);
  format_set_bold(bold);
  lxw_error error = LXW_NO_ERROR;
  for (size_t c = 0; c < header.size() && error == LXW_NO_ERROR; ++c) {
    error = worksheet_write_string(sheet, 0, static_cast<lxw_col_t>(c), header[c].c_str(), bold);
  }
  for (size_t r = 0; r < rows.size() && error == LXW_NO_ERROR; ++r) {
    for (size_t c = 0; c < rows[r].size() && error == LXW_NO_ERROR; ++c) {
      // An empty string cell is skipped by libxlsxwriter; a blank stays blank.
      if (rows[r][c].empty()) continue;
      const auto row = static_cast<lxw_row_t>(r + 1);
      const auto col = static_cast<lxw_col_t>(c);
      double number = 0;
      if (c < numeric.size() && numeric[c] && IsDecimal(rows[r][c]) && absl::SimpleAtod(rows[r][c], &number)) {
        error = worksheet_write_number(sheet, row, col, number, nullptr);
      } else {
        error = worksheet_write_string(sheet, row, col, rows[r][c].c_str(), nullptr);
      }
    }
  }
  if (error == LXW_NO_ERROR && !header.empty()) {
    worksheet_freeze_panes(sheet, 1, 0);
    error = worksheet_autofilter(sheet, 0, 0, static_cast<lxw_row_t>(rows.size()),
                                 static_cast<lxw_col_t>(header.size() - 1));
  }
  const lxw_error closed = workbook_close(workbook);  // frees the workbook whatever happened
  if (error != LXW_NO_ERROR) return Failed("write", error);
  if (closed != LXW_NO_ERROR) return Failed("close", closed);
  std::ifstream in(file.path(), std::ios::binary);
  std::ostringstream bytes;
  bytes << in.rdbuf();
  if (!in) return absl::InternalError("xlsx: cannot read the written workbook");
  return bytes.str();
}

}  // namespace hosho
