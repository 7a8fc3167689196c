#!/usr/bin/env python3
"""The Japanese manuals (docs/ja/) stay true to the code they describe.

1. The three manuals exist: 操作マニュアル (clerks), 運用ガイド (operators), 連携ガイド (vendors).
2. Every picture they show is one the browser tests retake on every run: an image under docs/ja/images/
   is named by a manualShot(page, '<name>') call in tests/browser/*.spec.mjs, any other by a
   shot(page, '<name>', true) call; each file exists, and no image in docs/ja/images/ is left unused.
3. Every RPC of hosho.v1 that docs/api.md names appears in the 連携ガイド in bold (its own entry).
"""
import pathlib
import re
import sys

ROOT = pathlib.Path(__file__).resolve().parents[2]
JA = ROOT / "docs" / "ja"
MANUALS = ["操作マニュアル.md", "運用ガイド.md", "連携ガイド.md"]


def main():
    failures = []
    specs = "".join(p.read_text(encoding="utf-8") for p in (ROOT / "tests" / "browser").glob("*.spec.mjs"))
    manual_shots = set(re.findall(r"manualShot\(\s*\w+\s*,\s*'([^']+)'", specs))
    docs_shots = set(re.findall(r"\bshot\(\s*\w+\s*,\s*'([^']+)'\s*,\s*true\s*\)", specs))

    used = set()
    for name in MANUALS:
        path = JA / name
        if not path.exists():
            failures.append(f"docs/ja/{name} is missing")
            continue
        text = path.read_text(encoding="utf-8")
        for target in re.findall(r"!\[[^\]]*\]\(([^)]+\.png)\)", text):
            image = (path.parent / target).resolve()
            if not image.exists():
                failures.append(f"{name} shows {target}, which does not exist")
            if image.parent == (JA / "images").resolve():
                used.add(image.name)
                if image.stem not in manual_shots:
                    failures.append(f"{name} shows {target}, which no manualShot() in tests/browser retakes")
            elif image.stem not in docs_shots:
                failures.append(f"{name} shows {target}, which no shot(..., true) in tests/browser retakes")
    for image in sorted((JA / "images").glob("*.png")):
        if image.name not in used:
            failures.append(f"docs/ja/images/{image.name} is shown by no manual")
    print(f"{len(used)} pictures in the manuals, each retaken by the browser tests")

    rpcs = set()
    for proto in (ROOT / "proto" / "hosho" / "v1").glob("*.proto"):
        rpcs |= set(re.findall(r"^\s*rpc\s+(\w+)\s*\(", proto.read_text(encoding="utf-8"), re.M))
    api = (ROOT / "docs" / "api.md").read_text(encoding="utf-8")
    documented = {r for r in rpcs if re.search(rf"\b{r}\b", api)}
    if len(documented) < 20:
        failures.append(f"only {len(documented)} RPCs found in docs/api.md: the check would prove nothing")
    guide = (JA / "連携ガイド.md").read_text(encoding="utf-8") if (JA / "連携ガイド.md").exists() else ""
    for r in sorted(documented):
        if f"**{r}**" not in guide:
            failures.append(f"{r} (docs/api.md) has no entry (**{r}**) in the 連携ガイド")
    print(f"{len(documented)} RPCs of docs/api.md, each with its entry in the 連携ガイド")

    if failures:
        print("\n".join(["FAILED:"] + failures), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
