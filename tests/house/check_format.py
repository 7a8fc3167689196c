#!/usr/bin/python3
"""Every C++ source under services/ and tests/ is as clang-format 14 writes it (.clang-format at the root).

  check_format.py [CLANG_FORMAT]

Prints each file that differs and how to fix it; exits 1 if any does. Debian 12's clang-format-14
(./hosho test installs it) is the pinned formatter: another major version formats differently.
"""
import os
import shutil
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SKIP = {"node_modules", "build", "build-fuzz", ".cache"}


def sources():
    for top in ("services", "tests"):
        for folder, dirs, files in os.walk(os.path.join(ROOT, top)):
            dirs[:] = sorted(d for d in dirs if d not in SKIP)
            for name in sorted(files):
                if name.endswith((".cc", ".h")):
                    yield os.path.join(folder, name)


def main():
    tool = sys.argv[1] if len(sys.argv) > 1 else "clang-format-14"
    if shutil.which(tool) is None:
        print(f"{tool} is not installed (Debian: clang-format-14; ./hosho test installs it)")
        return 1
    files = list(sources())
    differing = []
    for start in range(0, len(files), 50):
        batch = files[start:start + 50]
        run = subprocess.run([tool, "--dry-run", "-Werror", "--style=file"] + batch, cwd=ROOT,
                             capture_output=True, text=True)
        if run.returncode == 0:
            continue
        for path in batch:  # which of the batch: one at a time
            if subprocess.run([tool, "--dry-run", "-Werror", "--style=file", path], cwd=ROOT,
                              capture_output=True).returncode != 0:
                differing.append(os.path.relpath(path, ROOT))
    if differing:
        print(f"{len(differing)} of {len(files)} sources are not formatted; fix with:")
        print(f"  {tool} -i " + " ".join(differing))
        return 1
    print(f"{len(files)} sources formatted as .clang-format says")
    return 0


if __name__ == "__main__":
    sys.exit(main())
