"""Generates the stubs from proto/ into hosho_client/gen (grpcio-tools' protoc): python generate.py"""

import glob
import os
import sys

from grpc_tools import protoc

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "hosho_client")
PROTO = os.path.normpath(os.path.join(HERE, "..", "..", "..", "proto"))


def main() -> int:
    out = os.path.join(HERE, "gen")
    os.makedirs(out, exist_ok=True)
    files = sorted(glob.glob(os.path.join(PROTO, "hosho", "v1", "*.proto")))
    include = os.path.join(os.path.dirname(protoc.__file__), "_proto")
    code = protoc.main(["protoc", f"-I{PROTO}", f"-I{include}", f"--python_out={out}", f"--grpc_python_out={out}"]
                       + files)
    for d in ("hosho", os.path.join("hosho", "v1")):
        open(os.path.join(out, d, "__init__.py"), "a").close()
    return code


if __name__ == "__main__":
    sys.exit(main())
