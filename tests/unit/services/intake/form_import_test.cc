#include "services/intake/form_import.h"

#include <fstream>
#include <sstream>

#include "gtest/gtest.h"

namespace hosho {
namespace {

TEST(FormMappingTest, TheShippedMappingFileIsTheCompiledInDefault) {
  auto file = FormMapping::FromFile(std::string(HOSHO_SOURCE_DIR) + "/deploy/intake/form-mapping.yaml");
  ASSERT_TRUE(file.ok()) << file.status();
  const FormMapping builtin = FormMapping::Default();
  EXPECT_EQ(file->receipt_label, builtin.receipt_label);
  EXPECT_EQ(file->labels, builtin.labels);
  EXPECT_EQ(file->file_kinds, builtin.file_kinds);
  EXPECT_EQ(file->labels.at("authentication_key"), "認証キー");
}

TEST(FormMappingTest, UnknownFieldsAndMissingRequiredOnesAreRefused) {
  EXPECT_FALSE(
      FormMapping::FromYaml("fields: {contract_number: 工事番号, kind: 種類, issuer: 会社, password: x}").ok());
  EXPECT_FALSE(FormMapping::FromYaml("fields: {contract_number: 工事番号}").ok());
  EXPECT_FALSE(
      FormMapping::FromYaml("fields: {contract_number: a, kind: b, issuer: c}\nfiles: {請求書: not_a_kind}").ok());
}

TEST(FormMappingTest, RefusalsNameTheLabelsTheContractorSaw) {
  const FormMapping m = FormMapping::Default();
  EXPECT_EQ(m.LabelFor("d_sure.authentication_key"), "認証キー");
  EXPECT_EQ(m.LabelFor("contract_id"), "工事番号");
  EXPECT_EQ(m.LabelFor("source_receipt"), "受付番号");
  EXPECT_EQ(m.LabelFor("confirmation_system.viewing_url"), "閲覧用URL");
  absl::Status labelled = LabelViolations(
      m, ViolationStatus(absl::StatusCode::kInvalidArgument, {{"issuer_kind", "R02_BANK_NOT_ELIGIBLE", "x"},
                                                              {"uploads[0]", "R04_CERTIFICATE_NOT_CREDENTIAL", "y"}}));
  auto v = ViolationsOf(labelled);
  ASSERT_EQ(v.size(), 2u);
  EXPECT_EQ(v[0].field, "保証会社名");
  EXPECT_EQ(v[1].field, "uploads[0]");
}

TEST(FormMappingTest, TheReportIsACsvThatExcelOpens) {
  hosho::v1::ImportReport report;
  hosho::v1::ImportRow row;
  row.set_line(3);
  row.set_key("LF-1");
  FillRefusal(row, ViolationStatus(absl::StatusCode::kInvalidArgument,
                                   {{"保証会社名", "R02_BANK_NOT_ELIGIBLE", "金融機関, 紙"}}));
  CountRow(report, row);
  EXPECT_EQ(report.refused(), 1);
  const std::string csv = ReportCsv(report);
  EXPECT_EQ(csv.substr(0, 3), "\xEF\xBB\xBF");
  EXPECT_NE(csv.find("3,LF-1,不受理,,保証会社名,R02_BANK_NOT_ELIGIBLE,\"金融機関, 紙\"\r\n"), std::string::npos) << csv;
}

}  // namespace
}  // namespace hosho
