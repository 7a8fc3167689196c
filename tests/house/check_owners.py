#!/usr/bin/env python3
"""One owner per outside library: only the files named here, all in services/common, may call it.

The rule of the house (README, "How we write code"): a service sees small role interfaces, and the
library behind one is called from one place, so that a version change, a fault or a secret-handling
rule for it is mended once. This check reads every C++ source under services/ (comments removed) and
fails naming the file, the line and the owner when a library is called anywhere else. It then proves
that it bites, on a copy that calls librdkafka from a service.

yaml-cpp has four owners today (config, and the three readers of files that predate Config: topics,
principals, key rings); they are listed as they are rather than hidden.
"""
import pathlib
import re
import shutil
import sys
import tempfile

OWNERS = {
    "librdkafka": (r"\brd_kafka_\w+", {"kafka_impl.cc", "kafka_impl.h", "kafka_admin.cc", "kafka_conf.cc", "kafka_conf.h"}),
    "hiredis": (r"\bredis(Command|Connect\w*|Free\w*|AppendCommand\w*|GetReply|Context|Reply)\b|hiredis",
                {"redis_client.cc", "redis_client.h"}),
    "libsodium": (r"\bcrypto_\w+\s*\(|\bsodium\b|sodium\.h", {"sealing.cc", "sealing.h", "passwords.cc", "passwords.h"}),
    "gRPC start-up": (r"grpc::ServerBuilder|grpc::(Create\w*Channel|InsecureChannelCredentials|SslCredentials|"
                      r"SslServerCredentials|InsecureServerCredentials)", {"grpc_server.cc", "grpc_client.cc"}),
    "yaml-cpp": (r"\bYAML::|yaml-cpp/", {"config.cc", "topics.cc", "auth.cc", "sealing.cc"}),
    "libcurl": (r"\bcurl_\w+\s*\(|curl/curl\.h", {"outbound_curl.cc", "mail.cc"}),
    "GMime": (r"\bg_mime_\w+|gmime/", {"mail.cc"}),
    "ICU": (r"\bicu::|unicode/\w+\.h|\bucnv_\w+", {"text.cc"}),
    "libxlsxwriter": (r"xlsxwriter\.h|\bworkbook_\w+\s*\(|\bworksheet_\w+\s*\(|\blxw_\w+", {"xlsx.cc"}),
    "cpp-httplib": (r"\bhttplib::", {"http_server.cc", "admin_server.cc"}),
}

COMMENT = re.compile(r"//[^\n]*|/\*.*?\*/", re.S)


def violations(root):
    found = []
    for path in sorted((root / "services").rglob("*")):
        if path.suffix not in (".cc", ".h"):
            continue
        relative = path.relative_to(root)
        text = COMMENT.sub("", path.read_text(encoding="utf-8"))
        for library, (pattern, owners) in OWNERS.items():
            owned = relative.parent == pathlib.Path("services/common") and relative.name in owners
            if owned:
                continue
            for match in re.finditer(pattern, text):
                line = text.count("\n", 0, match.start()) + 1
                found.append("%s:%d calls %s (%s); only services/common/{%s} may" %
                             (relative, line, library, match.group(0), ",".join(sorted(owners))))
    return found


def main():
    root = pathlib.Path(__file__).resolve().parents[2]
    found = violations(root)
    for v in found:
        print(v)
    if found:
        print("FAIL: %d calls outside their library's owner" % len(found))
        return 1
    # The check bites: a service calling librdkafka itself is named.
    with tempfile.TemporaryDirectory() as tmp:
        copy = pathlib.Path(tmp)
        shutil.copytree(root / "services", copy / "services")
        (copy / "services/intake/shortcut.cc").write_text("void F() { rd_kafka_poll(nullptr, 0); }\n")
        bitten = violations(copy)
        if len(bitten) != 1 or not bitten[0].startswith("services/intake/shortcut.cc:1 calls librdkafka"):
            print("FAIL: the check did not name the planted call: %s" % bitten)
            return 1
    print("ok: %d libraries, each called only by its owner in services/common; a planted call is named" %
          len(OWNERS))
    return 0


if __name__ == "__main__":
    sys.exit(main())
