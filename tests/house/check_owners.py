#!/usr/bin/env python3
"""The house rules that a compiler does not check, each proved to bite on a planted copy.

1. One owner per outside library (README, "How we write code"): only its folder in services/common
   calls it, so that a version change, a fault or a secret-handling rule for it is mended once.
2. Layers inside services/common: a folder includes only folders of lower layers (and itself), so the
   targets of services/common/CMakeLists.txt stay a stack with no dependency running back up.
3. No service includes another service's headers: they meet only through services/common and proto/.
   The tools (stack, hoshoctl, bench) may use the stack, the CLI's client and the simulator's
   certificate book (the demo seeds it).

Comments are removed before reading. yaml-cpp has four owners (config, and the readers of files that
predate Config: topics, principals, key rings); they are listed as they are rather than hidden.
"""
import pathlib
import re
import shutil
import sys
import tempfile

OWNERS = {
    "librdkafka": (r"\brd_kafka_\w+", {"kafka/"}),
    "hiredis": (r"\bredis(Command|Connect\w*|Free\w*|AppendCommand\w*|GetReply|Context|Reply)\b|hiredis", {"redis/"}),
    "libsodium": (r"\bcrypto_\w+\s*\(|\bsodium\b|sodium\.h", {"crypto/"}),
    "gRPC start-up": (r"grpc::ServerBuilder|grpc::(Create\w*Channel|InsecureChannelCredentials|SslCredentials|"
                      r"SslServerCredentials|InsecureServerCredentials)",
                      {"grpc/grpc_server.cc", "grpc/grpc_client.cc"}),
    "yaml-cpp": (r"\bYAML::|yaml-cpp/", {"runtime/config.cc", "kafka/topics.cc", "auth/auth.cc", "crypto/sealing.cc"}),
    "libcurl": (r"\bcurl_\w+\s*\(|curl/curl\.h", {"mail/"}),
    "GMime": (r"\bg_mime_\w+|gmime/", {"mail/mail.cc"}),
    "ICU": (r"\bicu::|unicode/\w+\.h|\bucnv_\w+", {"text/"}),
    "libxlsxwriter": (r"xlsxwriter\.h|\bworkbook_\w+\s*\(|\bworksheet_\w+\s*\(|\blxw_\w+", {"tabular/"}),
    "cpp-httplib": (r"\bhttplib::", {"http/"}),
}

# services/common's folders by layer; a folder may include its own layer's folder only when it is itself.
LAYERS = [
    {"text", "crypto"},
    {"runtime"},
    {"redis", "kafka", "auth", "grpc", "http", "mail", "tabular"},
    {"store"},
    {"domain"},
    {"host", "client"},
]
# Within one layer, the few includes that are allowed (a lower-level role inside the same band).
SAME_LAYER = {("grpc", "auth")}
TOOLS = {"stack", "hoshoctl", "bench"}
TOOL_MAY_USE = {"stack", "hoshoctl", "platform_sim"}  # the demo seeds the simulator's book

COMMENT = re.compile(r"//[^\n]*|/\*.*?\*/", re.S)
INCLUDE = re.compile(r'^\s*#include\s+"services/([a-z_]+)/(?:([a-z_]+)/)?[^"]*"', re.M)


def layer_of(folder):
    for i, layer in enumerate(LAYERS):
        if folder in layer:
            return i
    return None


def sources(root):
    for path in sorted((root / "services").rglob("*")):
        if path.suffix in (".cc", ".h"):
            yield path, path.relative_to(root)


def owned(relative, owners):
    inside = relative.relative_to("services/common").as_posix() if relative.parts[1] == "common" else None
    return inside is not None and any(inside == o or (o.endswith("/") and inside.startswith(o)) for o in owners)


def library_violations(root):
    found = []
    for path, relative in sources(root):
        text = COMMENT.sub("", path.read_text(encoding="utf-8"))
        for library, (pattern, owners) in OWNERS.items():
            if owned(relative, owners):
                continue
            for match in re.finditer(pattern, text):
                line = text.count("\n", 0, match.start()) + 1
                found.append("%s:%d calls %s (%s); only services/common/{%s} may" %
                             (relative, line, library, match.group(0), ",".join(sorted(owners))))
    return found


def include_violations(root):
    found = []
    for path, relative in sources(root):
        text = COMMENT.sub("", path.read_text(encoding="utf-8"))
        service = relative.parts[1]
        for match in INCLUDE.finditer(text):
            target_service, target_folder = match.group(1), match.group(2)
            line = text.count("\n", 0, match.start()) + 1
            where = "%s:%d includes %s" % (relative, line, match.group(0).split('"')[1])
            if service == "common":
                if target_service != "common":
                    found.append(where + ": services/common includes no service")
                    continue
                folder = relative.parts[2] if len(relative.parts) > 3 else None
                if folder is None or target_folder is None:
                    found.append(where + ": every source of services/common lives in a folder")
                    continue
                mine, theirs = layer_of(folder), layer_of(target_folder)
                if mine is None or theirs is None:
                    found.append(where + ": folder not in a layer (add it to LAYERS and CMakeLists.txt)")
                elif folder != target_folder and (theirs > mine or (theirs == mine and
                                                                     (folder, target_folder) not in SAME_LAYER)):
                    found.append(where + ": %s (layer %d) may include only lower layers" % (folder, mine))
            elif target_service not in ("common", service):
                if not (service in TOOLS and target_service in TOOL_MAY_USE):
                    found.append(where + ": a service includes only services/common, proto and itself")
    return found


def planted(root, name, text):
    """The violations found on a copy of services/ with one planted file."""
    with tempfile.TemporaryDirectory() as tmp:
        copy = pathlib.Path(tmp)
        shutil.copytree(root / "services", copy / "services")
        (copy / name).write_text(text)
        return library_violations(copy) + include_violations(copy)


def main():
    root = pathlib.Path(__file__).resolve().parents[2]
    found = library_violations(root) + include_violations(root)
    for v in found:
        print(v)
    if found:
        print("FAIL: %d breaks of the house rules" % len(found))
        return 1
    plants = [
        ("services/intake/shortcut.cc", "void F() { rd_kafka_poll(nullptr, 0); }\n",
         "services/intake/shortcut.cc:1 calls librdkafka"),
        ("services/common/runtime/upward.cc", '#include "services/common/store/case_store.h"\n',
         "services/common/runtime/upward.cc:1 includes services/common/store/case_store.h: runtime (layer 1)"),
        ("services/routing/across.cc", '#include "services/intake/webhook.h"\n',
         "services/routing/across.cc:1 includes services/intake/webhook.h: a service"),
    ]
    for name, text, expected in plants:
        bitten = planted(root, name, text)
        if len(bitten) != 1 or not bitten[0].startswith(expected):
            print("FAIL: the check did not name the planted %s: %s" % (name, bitten))
            return 1
    print("ok: %d libraries each called only in its folder; %d layers with no include running back up; "
          "no service includes another; %d planted breaks named" % (len(OWNERS), len(LAYERS), len(plants)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
