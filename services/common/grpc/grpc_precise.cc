#include "services/common/grpc/grpc_precise.h"

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/unknown_field_set.h"
#include "services/common/text/text.h"

namespace hosho {
namespace {

// Walks the wire format guided by the descriptor; returns the path of the first string field whose
// bytes are not UTF-8, or "" when there is none.
std::string FindInvalidUtf8(absl::string_view bytes, const google::protobuf::Descriptor& descriptor,
                            const std::string& prefix, int depth) {
  if (depth > 32) return "";
  google::protobuf::UnknownFieldSet fields;
  if (!fields.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) return "";
  absl::flat_hash_map<int, int> seen;  // repeated fields: the index of each occurrence
  for (int i = 0; i < fields.field_count(); ++i) {
    const google::protobuf::UnknownField& f = fields.field(i);
    const int index = seen[f.number()]++;
    if (f.type() != google::protobuf::UnknownField::TYPE_LENGTH_DELIMITED) continue;
    const google::protobuf::FieldDescriptor* field = descriptor.FindFieldByNumber(f.number());
    if (field == nullptr) continue;
    const std::string path =
        absl::StrCat(prefix, field->name(), field->is_repeated() ? absl::StrCat("[", index, "]") : "");
    if (field->type() == google::protobuf::FieldDescriptor::TYPE_STRING && !IsValidUtf8(f.length_delimited())) {
      return path;
    }
    if (field->type() == google::protobuf::FieldDescriptor::TYPE_MESSAGE) {
      std::string inner = FindInvalidUtf8(f.length_delimited(), *field->message_type(), path + ".", depth + 1);
      if (!inner.empty()) return inner;
    }
  }
  return "";
}

}  // namespace

absl::Status ParseRefusal(absl::string_view bytes, const google::protobuf::Descriptor& descriptor) {
  const std::string field = FindInvalidUtf8(bytes, descriptor, "", 0);
  if (!field.empty()) {
    return ViolationStatus(absl::StatusCode::kInvalidArgument,
                           {{field, "TEXT_INVALID_UTF8", "文字コードが正しくありません（UTF-8 で送信してください）"}});
  }
  return ViolationStatus(absl::StatusCode::kInvalidArgument,
                         {{"", "REQUEST_UNREADABLE", "リクエストを読み取れません（protobuf の形式ではありません）"}});
}

}  // namespace hosho
