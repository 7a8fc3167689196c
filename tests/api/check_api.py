#!/usr/bin/env python3
"""The API never breaks silently: buf lint and buf breaking over proto/, and proof that the check bites.

  check_api.py --buf PATH [--update-baseline]

1. `buf lint` passes with proto/buf.yaml.
2. `buf breaking` passes against the checked-in descriptor set of the last release
   (tests/api/baseline/hosho-api-<version>.binpb), for the gRPC APIs (hosho.v1) and the Kafka event
   payloads (hosho.events.v1) alike; every file of the release is still there.
3. On a copy of proto/, each change of BREAKING below is refused by `buf breaking` with the rule it
   names, and each change of COMPATIBLE is accepted (so the check neither sleeps nor refuses all).

--update-baseline writes the descriptor set of today's proto/ for a new release (docs/api-versioning.md).
"""
import argparse
import json
import os
import pathlib
import shutil
import subprocess
import sys
import tempfile

ROOT = pathlib.Path(__file__).resolve().parents[2]
PROTO = ROOT / "proto"
BASELINE_VERSION = "1.0.0"
BASELINE = ROOT / "tests" / "api" / "baseline" / f"hosho-api-{BASELINE_VERSION}.binpb"

# (what a careless change does, file, text it replaces, replacement, the buf rule that must refuse it)
BREAKING = [
    ("a request field deleted", "hosho/v1/intake.proto",
     "  string client_request_id = 1;", "", "FIELD_NO_DELETE"),
    ("a field's type changed", "hosho/v1/domain.proto",
     "  int64 version = ", "  string version = ", "FIELD_SAME_TYPE"),
    ("a field renamed", "hosho/v1/intake.proto",
     "  string client_request_id = 1;", "  string request_id = 1;", "FIELD_SAME_NAME"),
    ("an RPC deleted", "hosho/v1/cases.proto",
     "  rpc GetCase(", "  // rpc GetCase(", "RPC_NO_DELETE"),
    ("an enum value renumbered", "hosho/v1/domain.proto",
     "  CASE_STATE_ROUTED = 6;", "  CASE_STATE_ROUTED = 60;", "ENUM_VALUE_NO_DELETE"),
    ("a streaming RPC made unary", "hosho/v1/notification.proto",
     "returns (stream OfficeNotice)", "returns (OfficeNotice)", "RPC_SAME_SERVER_STREAMING"),
    ("an event payload's field deleted", "hosho/events/v1/events.proto",
     "  string case_id = 2;", "", "FIELD_NO_DELETE"),
    ("an event's package renamed", "hosho/events/v1/events.proto",
     "package hosho.events.v1;", "package hosho.events.v1beta;", "FILE_SAME_PACKAGE"),
]

# Changes hosho.v1 allows (docs/api-versioning.md): a new field, a new enum value, a new RPC, a field
# marked deprecated.
COMPATIBLE = [
    ("a new optional field", "hosho/v1/intake.proto",
     "  string client_request_id = 1;", "  string client_request_id = 1;\n  string vendor_note = 900;"),
    ("a new enum value", "hosho/v1/domain.proto",
     "  CASE_STATE_ROUTED = 6;", "  CASE_STATE_ROUTED = 6;\n  CASE_STATE_ARCHIVED_FOR_TEST = 99;"),
    ("a new RPC", "hosho/v1/cases.proto",
     "  rpc GetCase(", "  rpc GetCaseAgain(GetCaseRequest) returns (Case);\n  rpc GetCase("),
    ("a field deprecated", "hosho/v1/intake.proto",
     "  string client_request_id = 1;", "  string client_request_id = 1 [deprecated = true];"),
]


def run(buf, args, cwd):
    env = dict(os.environ, BUF_CACHE_DIR=str(pathlib.Path(tempfile.gettempdir()) / "hosho-buf-cache"))
    return subprocess.run([buf, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=300)


def rules_of(output):
    """The rule ids of buf's JSON lines."""
    rules = set()
    for line in output.splitlines():
        line = line.strip()
        if line.startswith("{"):
            rules.add(json.loads(line).get("type", ""))
    return rules


def mutate(root, path, old, new):
    file = root / path
    text = file.read_text(encoding="utf-8")
    if text.count(old) < 1:
        raise SystemExit(f"check_api: {path} no longer holds {old!r}; update the case")
    file.write_text(text.replace(old, new, 1), encoding="utf-8")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--buf", required=True)
    parser.add_argument("--update-baseline", action="store_true")
    args = parser.parse_args()
    buf = args.buf
    if args.update_baseline:
        r = run(buf, ["build", "--exclude-source-info", "-o", str(BASELINE)], PROTO)
        print(r.stdout + r.stderr, end="")
        return r.returncode

    failures = []
    version = run(buf, ["--version"], PROTO).stdout.strip()
    print(f"buf {version}; baseline {BASELINE.relative_to(ROOT)}")

    lint = run(buf, ["lint", "--error-format=json"], PROTO)
    if lint.returncode != 0:
        failures.append(f"buf lint refused proto/:\n{lint.stdout}{lint.stderr}")
    else:
        print("buf lint: proto/ passes")

    against = run(buf, ["breaking", "--error-format=json", "--against", str(BASELINE)], PROTO)
    if against.returncode != 0:
        failures.append(f"buf breaking: proto/ breaks release {BASELINE_VERSION}:\n{against.stdout}{against.stderr}")
    else:
        print(f"buf breaking: proto/ keeps every promise of release {BASELINE_VERSION}")

    # The baseline covers both packages (an empty or partial descriptor set would make step 2 vacuous).
    listed = run(buf, ["ls-files", str(BASELINE)], PROTO)
    released = {l.strip() for l in listed.stdout.splitlines() if l.strip().startswith("hosho/")}
    for must in ("hosho/v1/intake.proto", "hosho/v1/cases.proto", "hosho/events/v1/events.proto"):
        if must not in released:
            failures.append(f"the baseline lacks {must} (it lists {sorted(released)})")
    print(f"the baseline holds {len(released)} hosho files")

    with tempfile.TemporaryDirectory(prefix="hosho-api-") as tmp:
        for i, (what, path, old, new, rule) in enumerate(BREAKING):
            copy = pathlib.Path(tmp) / f"breaking-{i}" / "proto"
            shutil.copytree(PROTO, copy)
            mutate(copy, path, old, new)
            r = run(buf, ["breaking", "--error-format=json", "--against", str(BASELINE)], copy)
            found = rules_of(r.stdout)
            if r.returncode == 0 or rule not in found:
                failures.append(f"{what} ({path}) was not refused with {rule}: exit {r.returncode}, rules {sorted(found)}"
                                f"\n{r.stderr}")
            else:
                print(f"refused: {what} -> {rule}")
        for i, (what, path, old, new) in enumerate(COMPATIBLE):
            copy = pathlib.Path(tmp) / f"compatible-{i}" / "proto"
            shutil.copytree(PROTO, copy)
            mutate(copy, path, old, new)
            r = run(buf, ["breaking", "--error-format=json", "--against", str(BASELINE)], copy)
            if r.returncode != 0:
                failures.append(f"{what} ({path}) was refused: {r.stdout}{r.stderr}")
            else:
                print(f"accepted: {what}")

    if failures:
        print("\n".join(["FAILED:"] + failures), file=sys.stderr)
        return 1
    print(f"api checks: lint, breaking against {BASELINE_VERSION}, {len(BREAKING)} breaking changes refused, "
          f"{len(COMPATIBLE)} compatible changes accepted")
    return 0


if __name__ == "__main__":
    sys.exit(main())
