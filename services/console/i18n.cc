#include "services/console/i18n.h"

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"

namespace hosho {
namespace {

struct Text {
  const char* ja;
  const char* en;
};

struct Entry {
  const char* key;
  Text text;
};

// Every text of the console's pages, by key.
constexpr Entry kTexts[] = {
    {"app.title", {"電子保証 受付コンソール", "Electronic guarantee console"}},
    {"nav.overview", {"概況", "Overview"}},
    {"nav.feed", {"ライブ", "Live feed"}},
    {"nav.cases", {"案件検索", "Cases"}},
    {"nav.tasks", {"確認作業", "Verification tasks"}},
    {"nav.signout", {"ログアウト", "Sign out"}},
    {"nav.lang", {"English", "日本語"}},
    {"signin.title", {"ログイン", "Sign in"}},
    {"signin.username", {"ユーザー名", "User name"}},
    {"signin.password", {"パスワード", "Password"}},
    {"signin.submit", {"ログイン", "Sign in"}},
    {"signin.failed", {"ユーザー名またはパスワードが違います。", "Unknown user or wrong password."}},
    {"signin.busy",
     {"ログインが混み合っています。しばらくしてからやり直してください。",
      "Too many sign-ins at once. Please try again shortly."}},
    {"signin.limited",
     {"ログインの試行が多すぎます。しばらくしてからやり直してください。",
      "Too many sign-in attempts. Please wait and try again."}},
    {"signin.expired",
     {"ページの有効期限が切れました。もう一度お試しください。", "The page expired. Please try again."}},
    {"user.role.clerk", {"職員", "Clerk"}},
    {"user.role.operator", {"運用担当", "Operator"}},
    {"office.operators", {"運用担当", "Operators"}},  // the operators' queue, where an office would be
    {"overview.title", {"概況", "Overview"}},
    {"overview.by_state", {"処理中の案件（状態 × 課）", "Cases in flight (state × office)"}},
    {"task.paper",
     {"紙の保証書です。表示する認証情報はありません。原本を見て、書かれているとおりに入力してください。",
      "A paper guarantee: there is no credential to reveal. Type what the original reads."}},
    {"overview.ended", {"終了した案件（状態 × 課、累計）", "Ended cases (final state × office, all time)"}},
    {"overview.ended_total", {"終了した案件", "Ended cases"}},
    {"overview.none_ended", {"終了した案件はまだありません。", "No case has ended yet."}},
    {"overview.in_flight", {"処理中", "In flight"}},
    {"overview.deadlines", {"期限", "Deadlines"}},
    {"overview.approaching", {"期限間近", "Approaching"}},
    {"overview.breached", {"期限超過", "Breached"}},
    {"overview.no_deadlines", {"期限が近い案件はありません。", "No deadline is near."}},
    {"overview.dlq", {"デッドレターキュー（未再送）", "Dead-letter queues (not replayed)"}},
    {"overview.connectors", {"保証確認システムとの接続", "Platform connectors"}},
    {"overview.unknown", {"不明", "unknown"}},
    {"overview.computed_at", {"集計時刻", "Computed at"}},
    {"health.SERVING", {"正常", "Serving"}},
    {"health.NOT_SERVING", {"停止中（遮断）", "Not serving (breaker open)"}},
    {"health.UNKNOWN", {"不明", "Unknown"}},
    {"health.SERVICE_UNKNOWN", {"不明", "Unknown"}},
    {"total", {"計", "Total"}},
    {"feed.title", {"ライブ（案件のできごと）", "Live feed (case events)"}},
    {"feed.connected", {"接続中", "Connected"}},
    {"feed.disconnected", {"再接続しています…", "Reconnecting…"}},
    {"filter.office", {"課", "Office"}},
    {"filter.kind", {"種類", "Kind"}},
    {"filter.state", {"状態", "State"}},
    {"filter.any", {"すべて", "Any"}},
    {"filter.search", {"検索", "Search"}},
    {"filter.query", {"案件ID・保証番号・契約ID", "Case id, guarantee or contract number"}},
    {"col.time", {"時刻", "Time"}},
    {"col.case", {"案件", "Case"}},
    {"col.event", {"できごと", "Event"}},
    {"col.detail", {"内容", "Detail"}},
    {"col.state", {"状態", "State"}},
    {"col.office", {"担当課", "Office"}},
    {"col.kind", {"種類", "Kind"}},
    {"col.deadline", {"期限", "Deadline"}},
    {"col.received", {"受付", "Received"}},
    {"col.contract", {"契約ID", "Contract"}},
    {"col.guarantee", {"保証番号", "Guarantee no."}},
    {"case.stated_project", {"工事名（フォーマット記載）", "Project (as on the insurer's format)"}},
    {"case.stated_contractor", {"受注者名（フォーマット記載）", "Contractor (as on the insurer's format)"}},
    {"col.claimed_by", {"担当者", "Claimed by"}},
    {"col.due", {"確認期限", "Due"}},
    {"col.platform", {"確認先", "Platform"}},
    {"cases.title", {"案件検索", "Case search"}},
    {"cases.none", {"該当する案件はありません。", "No case matches."}},
    {"cases.next", {"次へ", "Next"}},
    {"case.printed", {"表示日時", "Shown at"}},
    {"case.amended_guarantee", {"変更保証", "Amended guarantee"}},
    {"case.amended_guarantee_due",
     {"契約変更により変更保証の提出が必要です。提出期限", "The contract changed: an amended guarantee is due by"}},
    {"case.supersedes", {"変更前の案件", "Amends case"}},
    {"case.superseded_by", {"変更後の案件", "Amended by case"}},
    {"filter.amend", {"変更保証の提出待ちのみ", "Awaiting an amended guarantee only"}},
    {"ledger.title", {"保証台帳の出力", "Guarantee ledger"}},
    {"ledger.help",
     {"受付期間の案件を、契約・保証証書・判定・確認者・締結日などとともに一覧にして出力します（自課の案件のみ）。",
      "Every case received in the period, with its contract, certificate, verdict, checker and hand-off dates "
      "(your office's cases only)."}},
    {"ledger.all", {"全課", "Every office"}},
    {"ledger.from", {"受付期間（初日）", "Received from"}},
    {"ledger.to", {"受付期間（末日）", "Received to"}},
    {"ledger.format", {"形式", "Format"}},
    {"ledger.download", {"出力", "Download"}},
    {"case.title", {"案件", "Case"}},
    {"case.summary", {"概要", "Summary"}},
    {"case.history", {"経過", "History"}},
    {"case.rules", {"確認結果", "Rule results"}},
    {"case.attachments", {"添付ファイル", "Attachments"}},
    {"case.no_attachments", {"添付ファイルはありません。", "No attachments."}},
    {"case.no_rules", {"まだ確認されていません。", "Not verified yet."}},
    {"case.actions", {"操作", "Actions"}},
    {"case.version", {"版", "Version"}},
    {"case.amount", {"請求額", "Requested (yen)"}},
    {"case.action", {"求められる処理", "Required action"}},
    {"case.channel", {"受付経路", "Channel"}},
    {"case.waiting", {"待機理由", "Waiting because"}},
    {"case.not_found", {"案件が見つかりません。", "Case not found."}},
    {"case.actor", {"実施者", "By"}},
    {"case.reason", {"理由", "Reason"}},
    {"case.transition", {"状態", "State"}},
    {"rule.rule", {"規則", "Rule"}},
    {"rule.outcome", {"結果", "Outcome"}},
    {"rule.expected", {"期待値", "Expected"}},
    {"rule.found", {"確認値", "Found"}},
    {"rule.message", {"説明", "Message"}},
    {"outcome.OUTCOME_PASS", {"適合", "Pass"}},
    {"outcome.OUTCOME_FAIL", {"不適合", "Fail"}},
    {"outcome.OUTCOME_WARN", {"要確認", "Warning"}},
    {"outcome.OUTCOME_NA", {"対象外", "N/A"}},
    {"handoff.note", {"メモ", "Note"}},
    {"handoff.conclude", {"契約締結を記録する", "Record contract concluded"}},
    {"handoff.acknowledge", {"受領を記録する", "Record receipt"}},
    {"handoff.payment", {"支払処理へ引き継ぐ", "Hand off for payment"}},
    {"handoff.withdraw", {"取下げにする", "Withdraw"}},
    {"handoff.withdraw_reason", {"取下げの理由（必須）", "Reason for withdrawal (required)"}},
    {"handoff.done", {"記録しました。", "Recorded."}},
    {"tasks.title", {"確認作業の一覧", "Verification tasks"}},
    {"tasks.none", {"確認待ちの案件はありません。", "No case waits for verification."}},
    {"tasks.claim", {"引き受ける", "Claim"}},
    {"tasks.release", {"引き受けをやめる", "Release"}},
    {"tasks.open", {"開く", "Open"}},
    {"task.title", {"確認作業", "Verification task"}},
    {"task.not_found", {"確認作業が見つかりません。", "Task not found."}},
    {"task.claim_first", {"確認するには、まず引き受けてください。", "Claim the task before working on it."}},
    {"task.claimed", {"引き受けました。", "Claimed."}},
    {"task.released", {"引き受けをやめました。", "Released."}},
    {"reveal.title", {"認証キー等の表示", "Reveal credential"}},
    {"reveal.reason", {"表示する理由（記録されます）", "Why you need it (recorded)"}},
    {"reveal.submit", {"表示する", "Reveal"}},
    {"reveal.warning",
     {"この画面の内容は秘密情報です。確認が済んだら閉じてください。表示したことは記録されました。",
      "This is secret. Close it once you are done. Revealing it was recorded."}},
    {"reveal.key", {"認証キー", "Authentication key"}},
    {"reveal.url", {"閲覧用URL", "Viewing URL"}},
    {"reveal.password", {"閲覧用パスワード", "Viewing password"}},
    {"reveal.number", {"保証契約番号・証券番号", "Guarantee / certificate number"}},
    {"cert.title", {"保証書の内容を入力", "Enter the certificate"}},
    {"cert.guarantee_number", {"保証契約番号・証券番号", "Guarantee / certificate number"}},
    {"cert.kind", {"保証の種類", "Kind of guarantee"}},
    {"cert.issuer", {"保証事業会社・保険会社", "Issuer"}},
    {"cert.beneficiary", {"発注者（保証を受ける者）", "Beneficiary"}},
    {"cert.contractor_name", {"受注者", "Contractor"}},
    {"cert.project_name", {"工事名", "Project name"}},
    {"cert.project_location", {"工事場所", "Project location"}},
    {"cert.contract_price_yen", {"請負代金額（円）", "Contract price (yen)"}},
    {"cert.guaranteed_amount_yen", {"保証金額（円）", "Guaranteed amount (yen)"}},
    {"cert.advance_amount_yen", {"前払金額（円）", "Advance amount (yen)"}},
    {"cert.period_start", {"工期（始期）", "Period start"}},
    {"cert.period_end", {"工期（終期）", "Period end"}},
    {"cert.issue_date", {"発行日", "Issue date"}},
    {"cert.submit", {"記録して判定する", "Record and decide"}},
    {"cert.no_certificate", {"保証書を確認できなかった", "The certificate could not be opened"}},
    {"cert.no_certificate_reason", {"確認できなかった理由", "Why it could not be opened"}},
    {"cert.no_certificate_submit", {"確認できなかったとして記録する", "Record as not openable"}},
    {"cert.invalid", {"入力に誤りがあります。", "Some fields need correcting."}},
    {"cert.required", {"入力してください。", "Required."}},
    {"cert.bad_number", {"数字で入力してください（例: 4800000）。", "Enter digits only (e.g. 4800000)."}},
    {"cert.bad_date", {"日付は 2026-04-01 の形で入力してください。", "Enter a date as 2026-04-01."}},
    {"verdict.title", {"判定結果", "Verdict"}},
    {"verdict.VERIFIED", {"適合：回付されます。", "Verified: the case is routed."}},
    {"verdict.RETURNED", {"不適合：受注者に差し戻されます。", "Returned to the contractor."}},
    {"verdict.other", {"記録しました。", "Recorded."}},
    {"error.title", {"エラー", "Error"}},
    {"error.forbidden", {"この操作は許可されていません。", "You may not do this."}},
    {"error.csrf",
     {"フォームの有効期限が切れました。画面を開き直してください。", "The form expired. Reload the page."}},
    {"error.unavailable",
     {"サービスが応答しません。しばらくしてからやり直してください。",
      "A service is not answering. Please try again shortly."}},
    {"error.not_found", {"ページが見つかりません。", "Page not found."}},
    {"back", {"戻る", "Back"}},
    {"yes", {"はい", "Yes"}},
};

const absl::flat_hash_map<std::string, Text>& Catalogue() {
  static const auto* catalogue = [] {
    auto* texts = new absl::flat_hash_map<std::string, Text>;
    for (const Entry& e : kTexts) texts->emplace(e.key, e.text);
    return texts;
  }();
  return *catalogue;
}

struct Label {
  const char* ja;
  const char* en;
};

const absl::flat_hash_map<std::string, Label>& Labels() {
  static const auto* labels = new absl::flat_hash_map<std::string, Label>{
      {"RECEIVED", {"受付済み", "Received"}},
      {"AWAITING_VERIFICATION", {"確認待ち", "Awaiting verification"}},
      {"VERIFYING", {"確認中", "Verifying"}},
      {"VERIFIED", {"確認済み", "Verified"}},
      {"RETURNED", {"差戻し", "Returned"}},
      {"ROUTED", {"回付済み", "Routed"}},
      {"CONTRACT_CONCLUDED", {"契約締結済み", "Contract concluded"}},
      {"FORWARDED", {"工事担当課へ送付済み", "Forwarded"}},
      {"PAYMENT_HANDED_OFF", {"支払処理へ引継ぎ済み", "Handed off for payment"}},
      {"CLOSED", {"完了", "Closed"}},
      {"WITHDRAWN", {"取下げ", "Withdrawn"}},
      {"GUARANTEE_KIND_CONTRACT", {"契約保証", "Contract guarantee"}},
      {"GUARANTEE_KIND_ADVANCE_PAYMENT", {"前払金保証", "Advance-payment guarantee"}},
      {"GUARANTEE_KIND_INTERMEDIATE_ADVANCE_PAYMENT", {"中間前払金保証", "Intermediate advance guarantee"}},
      {"HANDOFF_ACTION_CONCLUDE_CONTRACT", {"契約締結", "Conclude the contract"}},
      {"HANDOFF_ACTION_FORWARD", {"工事担当課へ送付", "Forward to the department"}},
      {"HANDOFF_ACTION_PROCESS_PAYMENT", {"前払金の支払処理", "Process the advance payment"}},
      {"HANDOFF_ACTION_OPERATOR_REVIEW", {"運用担当の確認", "Operator review"}},
  };
  return *labels;
}

std::string LabelOf(Lang lang, absl::string_view code) {
  auto it = Labels().find(code);
  if (it == Labels().end()) return std::string(code);
  return lang == Lang::kEn ? it->second.en : it->second.ja;
}

}  // namespace

Lang ParseLang(absl::string_view code) { return code == "en" ? Lang::kEn : Lang::kJa; }
absl::string_view LangCode(Lang lang) { return lang == Lang::kEn ? "en" : "ja"; }

absl::string_view T(Lang lang, absl::string_view key) {
  auto it = Catalogue().find(key);
  if (it == Catalogue().end()) return key;
  return lang == Lang::kEn ? it->second.en : it->second.ja;
}

bool HasText(absl::string_view key) { return Catalogue().contains(key); }

std::string StateLabel(Lang lang, absl::string_view state) { return LabelOf(lang, state); }
std::string KindLabel(Lang lang, absl::string_view kind) { return LabelOf(lang, kind); }
std::string ActionLabel(Lang lang, absl::string_view action) { return LabelOf(lang, action); }

}  // namespace hosho
