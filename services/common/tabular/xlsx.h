#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace hosho {

// A one-sheet Office Open XML workbook (.xlsx), as the bytes of the file: a header row in bold,
// frozen, with a filter, then `rows`. A cell is written as a string, never as a formula or a number
// Excel would reformat (guarantee numbers keep their leading zeros, a text starting with '=' stays
// text), except in a column marked in `numeric` where a cell of decimal digits is written as a number
// (amounts a clerk sums). The only caller of libxlsxwriter.
absl::StatusOr<std::string> TextWorkbook(absl::string_view sheet_name, const std::vector<std::string>& header,
                                         const std::vector<std::vector<std::string>>& rows,
                                         const std::vector<bool>& numeric = {});

}  // namespace hosho
