
req-0002C-2026-0002B/
!https://confirm.example.jp/v?id=1pw-ÿþS-1