#!/usr/bin/env python3
"""The API never breaks silently: buf lint and buf breaking over proto/, and proof that the check bites.

  check_api.py --buf PATH [--release VERSION]

1. `buf lint` passes with proto/buf.yaml.
2. `buf breaking` passes against the checked-in descriptor set of every release
   (tests/api/baseline/hosho-api-<version>.binpb), for the gRPC APIs (hosho.v1) and the Kafka event
   payloads (hosho.events.v1) alike; every hosho file of each release is still in proto/.
3. On a copy of proto/, each change of BREAKING below is refused by `buf breaking` with the rule it
   names, and each change of COMPATIBLE is accepted (so the check neither sleeps nor refuses all).

--release VERSION writes tests/api/baseline/hosho-api-VERSION.binpb, the descriptor set of today's proto/,
for a new release (docs/api-versioning.md); it never overwrites a released one.
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
BASELINES = ROOT / "tests" / "api" / "baseline"


def release_of(baseline):
    return baseline.stem.removeprefix("hosho-api-")


def version_key(baseline):
    return tuple(int(p) if p.isdigit() else 0 for p in release_of(baseline).split("."))

# (what a careless change does, [(file, text it replaces (once, exactly), replacement)], the buf rule
# that must refuse it)
BREAKING = [
    ("a request field deleted", [("hosho/v1/intake.proto", "  string client_request_id = 1;", "")],
     "FIELD_NO_DELETE"),
    ("a field's type changed", [("hosho/v1/domain.proto", "  int64 version = 17;", "  string version = 17;")],
     "FIELD_SAME_TYPE"),
    ("a field renamed",
     [("hosho/v1/intake.proto", "  string client_request_id = 1;", "  string request_id = 1;")], "FIELD_SAME_NAME"),
    ("an RPC deleted", [("hosho/v1/cases.proto", "  rpc GetCase(", "  // rpc GetCase(")], "RPC_NO_DELETE"),
    ("an enum value renumbered",
     [("hosho/v1/domain.proto", "  CASE_STATE_ROUTED = 6;", "  CASE_STATE_ROUTED = 60;")], "ENUM_VALUE_NO_DELETE"),
    ("a streaming RPC made unary",
     [("hosho/v1/notification.proto", "returns (stream OfficeNotice)", "returns (OfficeNotice)")],
     "RPC_SAME_SERVER_STREAMING"),
    ("a message moved to another file",
     [("hosho/v1/cases.proto", "message WatchCaseRequest {\n  string case_id = 1;\n}\n", ""),
      ("hosho/v1/domain.proto", "enum CaseState {", "message WatchCaseRequest {\n  string case_id = 1;\n}\n\nenum CaseState {")],
     "MESSAGE_NO_DELETE"),
    ("an event payload's field deleted", [("hosho/events/v1/events.proto", "  string case_id = 2;", "")],
     "FIELD_NO_DELETE"),
    ("an event field moved into the payload oneof",
     [("hosho/events/v1/events.proto", '  string producer = 4;   // "hosho-intake", ...\n  oneof payload {\n',
       "  oneof payload {\n    string producer = 4;\n")],
     "FIELD_SAME_ONEOF"),
    ("an event's package renamed",
     [("hosho/events/v1/events.proto", "package hosho.events.v1;", "package hosho.events.v1beta;")],
     "FILE_SAME_PACKAGE"),
]

# Changes hosho.v1 allows (docs/api-versioning.md): a new field, a new enum value, a new RPC, a field
# marked deprecated.
COMPATIBLE = [
    ("a new optional field", [("hosho/v1/intake.proto", "  string client_request_id = 1;",
                               "  string client_request_id = 1;\n  string vendor_note = 900;")]),
    ("a new enum value", [("hosho/v1/domain.proto", "  CASE_STATE_ROUTED = 6;",
                           "  CASE_STATE_ROUTED = 6;\n  CASE_STATE_ARCHIVED_FOR_TEST = 99;")]),
    ("a new RPC", [("hosho/v1/cases.proto", "  rpc GetCase(",
                    "  rpc GetCaseAgain(GetCaseRequest) returns (Case);\n  rpc GetCase(")]),
    ("a field deprecated", [("hosho/v1/intake.proto", "  string client_request_id = 1;",
                             "  string client_request_id = 1 [deprecated = true];")]),
]

CACHE = tempfile.mkdtemp(prefix="hosho-buf-cache-")


def run(buf, args, cwd):
    env = dict(os.environ, BUF_CACHE_DIR=CACHE)
    return subprocess.run([buf, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=300)


def rules_of(output):
    """The rule ids of buf's JSON lines."""
    rules = set()
    for line in output.splitlines():
        line = line.strip()
        if line.startswith("{"):
            try:
                rules.add(json.loads(line).get("type", ""))
            except json.JSONDecodeError:
                pass  # not one of buf's findings
    return rules


def mutate(root, edits):
    for path, old, new in edits:
        file = root / path
        text = file.read_text(encoding="utf-8")
        if text.count(old) != 1:
            raise SystemExit(f"check_api: {path} holds {old!r} {text.count(old)} times, not once; update the case")
        file.write_text(text.replace(old, new, 1), encoding="utf-8")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--buf", required=True)
    parser.add_argument("--release", help="write the baseline of a new release VERSION")
    args = parser.parse_args()
    buf = str(pathlib.Path(args.buf).resolve())
    if args.release:
        target = BASELINES / f"hosho-api-{args.release}.binpb"
        if target.exists():
            print(f"check_api: {target.relative_to(ROOT)} is a released baseline; it is never rewritten", file=sys.stderr)
            return 2
        r = run(buf, ["build", "--exclude-source-info", "-o", str(target)], PROTO)
        print(r.stdout + r.stderr, end="")
        return r.returncode

    failures = []
    baselines = sorted(BASELINES.glob("hosho-api-*.binpb"), key=version_key)
    if not baselines:
        print(f"check_api: no baseline in {BASELINES}", file=sys.stderr)
        return 1
    latest = baselines[-1]
    version = run(buf, ["--version"], PROTO).stdout.strip()
    print(f"buf {version}; releases {', '.join(release_of(b) for b in baselines)}")

    lint = run(buf, ["lint", "--error-format=json"], PROTO)
    if lint.returncode != 0:
        failures.append(f"buf lint refused proto/:\n{lint.stdout}{lint.stderr}")
    else:
        print("buf lint: proto/ passes")

    today = {str(p.relative_to(PROTO)) for p in (PROTO / "hosho").rglob("*.proto")}
    for baseline in baselines:
        against = run(buf, ["breaking", "--error-format=json", "--against", str(baseline)], PROTO)
        if against.returncode != 0:
            failures.append(f"buf breaking: proto/ breaks release {release_of(baseline)}:\n"
                            f"{against.stdout}{against.stderr}")
        else:
            print(f"buf breaking: proto/ keeps every promise of release {release_of(baseline)}")
        # Every file of the release is in the baseline and still in proto/ (an empty or partial
        # descriptor set would make the comparison vacuous).
        listed = run(buf, ["ls-files", str(baseline)], PROTO)
        released = {l.strip() for l in listed.stdout.splitlines() if l.strip().startswith("hosho/")}
        if listed.returncode != 0 or not released:
            failures.append(f"buf ls-files {baseline.name}: exit {listed.returncode}\n{listed.stderr}")
        for must in ("hosho/v1/intake.proto", "hosho/v1/cases.proto", "hosho/events/v1/events.proto"):
            if must not in released:
                failures.append(f"release {release_of(baseline)} lacks {must} (it lists {sorted(released)})")
        for gone in sorted(released - today):
            failures.append(f"{gone} of release {release_of(baseline)} is no longer in proto/")
        print(f"release {release_of(baseline)} holds {len(released)} hosho files, all still in proto/")

    with tempfile.TemporaryDirectory(prefix="hosho-api-") as tmp:
        for i, (what, edits, rule) in enumerate(BREAKING):
            path = edits[0][0]
            copy = pathlib.Path(tmp) / f"breaking-{i}" / "proto"
            shutil.copytree(PROTO, copy)
            mutate(copy, edits)
            r = run(buf, ["breaking", "--error-format=json", "--against", str(latest)], copy)
            found = rules_of(r.stdout)
            if r.returncode == 0 or rule not in found:
                failures.append(f"{what} ({path}) was not refused with {rule}: exit {r.returncode}, rules {sorted(found)}"
                                f"\n{r.stderr}")
            else:
                print(f"refused: {what} -> {rule}")
        for i, (what, edits) in enumerate(COMPATIBLE):
            path = edits[0][0]
            copy = pathlib.Path(tmp) / f"compatible-{i}" / "proto"
            shutil.copytree(PROTO, copy)
            mutate(copy, edits)
            r = run(buf, ["breaking", "--error-format=json", "--against", str(latest)], copy)
            if r.returncode != 0:
                failures.append(f"{what} ({path}) was refused: {r.stdout}{r.stderr}")
            else:
                print(f"accepted: {what}")
    shutil.rmtree(CACHE, ignore_errors=True)

    if failures:
        print("\n".join(["FAILED:"] + failures), file=sys.stderr)
        return 1
    print(f"api checks: lint, breaking against {len(baselines)} release(s), {len(BREAKING)} breaking changes refused, "
          f"{len(COMPATIBLE)} compatible changes accepted")
    return 0


if __name__ == "__main__":
    sys.exit(main())
