#!/usr/bin/env python3
"""Writes the demo's channel inputs and the tests' fixtures (committed; re-run to regenerate).

Real encodings as contractors' tools produce them: Shift_JIS/CP932 CSV exports, ISO-2022-JP
and UTF-8 MIME mail with PDF attachments. Every secret is PLANTED-*, so the tests can prove
none of them leaks.
"""
import json
import os
from email.header import Header
from email.mime.application import MIMEApplication
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import make_msgid, formatdate

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DEMO = os.path.join(ROOT, "deploy", "demo")
DATA = os.path.join(ROOT, "tests", "data")


def pdf(title: str) -> bytes:
    """A small, valid one-page PDF."""
    stream = f"BT /F1 18 Tf 72 720 Td ({title}) Tj ET".encode()
    objs = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n"
    offsets = []
    for i, body in enumerate(objs, 1):
        offsets.append(len(out))
        out += f"{i} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objs) + 1}\n0000000000 65535 f \n".encode()
    for off in offsets:
        out += f"{off:010d} 00000 n \n".encode()
    out += f"trailer\n<< /Size {len(objs) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return out


def write(path: str, data: bytes) -> None:
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)


CONTRACT_HEADER = ["契約ID", "工事番号", "工事名", "工事場所", "発注課", "工事担当課", "業種区分", "受注者名", "受注者住所",
                   "代表者", "連絡先メール", "請負代金額", "低入札", "工期開始", "工期終了", "中間前払金認定", "前払金支払額", "発注者"]
CONTRACTS = [
    ["K-2026-0001", "R8-土木-0001", "市道みなと線舗装補修工事", "みなと市中央区港町一丁目", "contract-division", "road-maintenance",
     "建設工事", "株式会社みなと建設", "みなと市北区一丁目2-3", "代表取締役 港一郎", "keiyaku@minato-kensetsu.example",
     "48,000,000", "いいえ", "2026-12-01", "2027-03-19", "いいえ", "0", "みなと市長"],
    ["K-2026-0002", "R8-下水-0002", "港町ポンプ場改築工事", "みなと市南区港町五丁目", "water-sewerage-policy", "sewerage-works",
     "建設工事", "株式会社みなと建設", "みなと市北区一丁目2-3", "代表取締役 港一郎", "keiyaku@minato-kensetsu.example",
     "120,000,000", "いいえ", "2026-12-10", "2027-11-30", "いいえ", "0", "みなと市長"],
    ["K-2026-0003", "R8-橋梁-0003", "潮見橋耐震補強工事", "みなと市西区潮見町", "contract-division", "bridges",
     "建設工事", "潮見工業株式会社", "みなと市西区潮見町4-5", "代表取締役 潮見花子", "info@shiomi-kogyo.example",
     "65,000,000", "はい", "2026-12-15", "2027-09-30", "いいえ", "0", "みなと市長"],
    ["K-2026-0004", "R8-道路-0004", "緑町通り歩道整備工事", "みなと市東区緑町", "contract-division", "road-maintenance",
     "建設工事", "緑町土木株式会社", "みなと市東区緑町7-1", "代表取締役 緑川次郎", "koji@midori-doboku.example",
     "30,800,000", "いいえ", "2027-01-10", "2027-06-30", "いいえ", "0", "みなと市長"],
    ["K-2026-0005", "R8-公園-0005", "中央公園遊具更新工事", "みなと市中央区公園通り", "contract-division", "parks",
     "建設工事", "みなと造園株式会社", "みなと市中央区3-8", "代表取締役 森林一", "info@minato-zoen.example",
     "12,000,000", "いいえ", "2027-01-15", "2027-03-31", "いいえ", "0", "みなと市長"],
    ["K-2026-0099", "R8-総務-0099", "庁舎清掃業務委託", "みなと市役所本庁舎", "general-affairs", "general-affairs",
     "役務", "みなとビルサービス株式会社", "みなと市中央区2-2", "代表取締役 清水", "eigyo@minato-bs.example",
     "9,000,000", "いいえ", "2027-04-01", "2028-03-31", "いいえ", "0", "みなと市長"],
]


def csv_line(cells) -> str:
    out = []
    for c in cells:
        c = str(c)
        if any(ch in c for ch in ',"\r\n'):
            c = '"' + c.replace('"', '""') + '"'
        out.append(c)
    return ",".join(out) + "\r\n"


def contracts_csv() -> str:
    return csv_line(CONTRACT_HEADER) + "".join(csv_line(r) for r in CONTRACTS)


FORM_HEADER = ["受付番号", "受付日時", "工事番号", "保証の種類", "保証会社名", "保証契約番号", "認証キー", "閲覧用URL",
               "閲覧用パスワード", "請求金額", "備考"]

WEBHOOK = {
    "receipt_number": "LF-2026-000501",
    "submitted_at": "2026-11-26T10:15:00+09:00",
    "answers": {
        "工事番号": "R8-道路-0004",
        "保証の種類": "契約保証",
        "保証会社名": "東日本建設業保証株式会社",
        "保証契約番号": "DS-26-000104",
        "認証キー": "PLANTED-AK-W-4a1f09c2e7",
        "受注者名": "緑町土木株式会社",
    },
    "files": [],
}


def form_export_rows():
    w = WEBHOOK["answers"]
    return [
        FORM_HEADER,
        # The answer the webhook already brought: importing it again creates nothing.
        ["LF-2026-000501", "2026/11/26 10:15", w["工事番号"], w["保証の種類"], w["保証会社名"], w["保証契約番号"], w["認証キー"],
         "", "", "", ""],
        # Flow B by form, typed with full-width digits and a ㈱ (CP932 only).
        ["ＬＦ－２０２６－０００５０２", "2026/11/26 10:40", "Ｒ８－下水－０００２", "前払金保証", "東日本建設業保証㈱",
         "ＤＳ－２６－０００１０５", "PLANTED-AK-F-8c2d7e5a10", "", "", "３６，０００，０００円", "前払金の請求です\n請求書は郵送します"],
        # A bank: refused (R02), with its reason in the report.
        ["LF-2026-000503", "2026/11/26 11:02", "R8-土木-0001", "契約保証", "みなと銀行", "BK-77", "PLANTED-AK-BANK-FORM-19", "",
         "", "", ""],
    ]


def form_export_csv() -> str:
    text = "".join(csv_line(r) for r in form_export_rows())
    # A broken row: its quote never closes on its line (a hand-edited export).
    text += 'LF-2026-000504,"2026/11/26 11:30,R8-土木-0001,契約保証\r\n'
    return text


def mime_advance_iso2022jp() -> bytes:
    msg = MIMEMultipart()
    msg["From"] = "keiri@shiomi-kogyo.example"
    msg["To"] = "intake@city.example"
    msg["Subject"] = Header("【電子保証】R8-橋梁-0003 潮見橋耐震補強工事", "iso-2022-jp")
    msg["Message-ID"] = "<demo-advance-0003@shiomi-kogyo.example>"
    msg["Date"] = "Thu, 26 Nov 2026 11:45:00 +0900"
    body = ("みなと市 橋梁課 御中\n\n前払金の請求書と電子保証の認証キーをお送りします。\n\n"
            "保証の種類：前払金保証\n保証会社：西日本建設業保証株式会社\n保証契約番号：DS-26-000106\n"
            "認証キー：PLANTED-AK-M-6b0e3f9d21\n請求金額：26,000,000円\n\n潮見工業株式会社 経理課\n")
    msg.attach(MIMEText(body, "plain", "iso-2022-jp"))
    part = MIMEApplication(pdf("Invoice R8-0003"), "pdf")
    part.add_header("Content-Disposition", "attachment", filename=("utf-8", "", "請求書_R8-橋梁-0003.pdf"))
    msg.attach(part)
    return msg.as_bytes()


def mime_notice_utf8() -> bytes:
    """UTF-8 body; the key arrives in the attached notice (Shift_JIS text)."""
    msg = MIMEMultipart()
    msg["From"] = "koji@midori-doboku.example"
    msg["To"] = "intake@city.example"
    msg["Subject"] = Header("【電子保証】R8-道路-0004 緑町通り歩道整備工事（前払金）", "utf-8")
    msg["Message-ID"] = "<notice-0004@midori-doboku.example>"
    msg["Date"] = "Thu, 26 Nov 2026 13:00:00 +0900"
    msg.attach(MIMEText("お世話になっております。\n前払金保証の認証キーのお知らせを添付します。\n請求金額：１２，３２０，０００円\n",
                        "plain", "utf-8"))
    notice = ("電子保証にかかる「認証キー」のお知らせ\n\n保証事業会社：東日本建設業保証株式会社\n"
              "保証の種類：前払金保証\n保証契約番号：DS-26-000107\n認証キー：PLANTED-AK-N-2f6a8c0d44\n")
    att = MIMEText(notice, "plain", "shift_jis")
    att.add_header("Content-Disposition", "attachment", filename=("utf-8", "", "認証キーのお知らせ.txt"))
    msg.attach(att)
    inv = MIMEApplication(pdf("Invoice R8-0004"), "pdf")
    inv.add_header("Content-Disposition", "attachment", filename=("utf-8", "", "請求書.pdf"))
    msg.attach(inv)
    return msg.as_bytes()


def mime_certificate_pdf() -> bytes:
    """The certificate itself instead of the key: R04."""
    msg = MIMEMultipart()
    msg["From"] = "info@minato-zoen.example"
    msg["To"] = "intake@city.example"
    msg["Subject"] = Header("【電子保証】R8-公園-0005 中央公園遊具更新工事", "iso-2022-jp")
    msg["Message-ID"] = "<certificate-0005@minato-zoen.example>"
    msg.attach(MIMEText("保証証書をPDFでお送りします。\n保証の種類：契約保証\n保証会社：東日本建設業保証株式会社\n", "plain",
                        "iso-2022-jp"))
    part = MIMEApplication(pdf("Certificate"), "pdf")
    part.add_header("Content-Disposition", "attachment", filename=("utf-8", "", "保証証書.pdf"))
    msg.attach(part)
    return msg.as_bytes()


def mime_bad_subject() -> bytes:
    msg = MIMEText("保証契約番号：DS-26-000199\n認証キー：PLANTED-AK-SUBJ-001\n", "plain", "utf-8")
    msg["From"] = "someone@example.com"
    msg["To"] = "intake@city.example"
    msg["Subject"] = Header("認証キーの送付", "utf-8")
    msg["Message-ID"] = "<bad-subject@example.com>"
    return msg.as_bytes()


def main() -> None:
    write(os.path.join(DEMO, "files", "seikyusho-R8-0001.pdf"), pdf("Invoice R8-0001"))
    write(os.path.join(DEMO, "contracts.csv"), b"\xef\xbb\xbf" + contracts_csv().encode("utf-8"))
    write(os.path.join(DEMO, "channels", "form-webhook.json"),
          (json.dumps(WEBHOOK, ensure_ascii=False, indent=2) + "\n").encode("utf-8"))
    write(os.path.join(DEMO, "channels", "form-export.csv"), form_export_csv().encode("cp932"))
    write(os.path.join(DEMO, "channels", "mail-advance.eml"), mime_advance_iso2022jp())
    # Test fixtures.
    write(os.path.join(DATA, "csv", "contracts-cp932.csv"), contracts_csv().encode("cp932"))
    write(os.path.join(DATA, "csv", "form-export-utf8.csv"), b"\xef\xbb\xbf" + form_export_csv().encode("utf-8"))
    write(os.path.join(DATA, "mail", "notice-utf8.eml"), mime_notice_utf8())
    write(os.path.join(DATA, "mail", "certificate-pdf.eml"), mime_certificate_pdf())
    write(os.path.join(DATA, "mail", "bad-subject.eml"), mime_bad_subject())


if __name__ == "__main__":
    main()
