#!/usr/bin/env bash
# Builds the librdkafka that hosho links, from source, into PREFIX (static library and headers).
#
#   deploy/librdkafka/build.sh PREFIX [JOBS]
#
# Why not Debian 12's librdkafka (2.0.2): it cannot authenticate with SCRAM to a Kafka 4 broker (its
# client-final message repeats the client nonce, which Kafka 4 refuses; fixed in librdkafka 2.6.1), so a
# hosho built on it cannot reach Strimzi or MSK on Kafka 4 with SCRAM-SHA-512 (docs/kafka.md).
#
# Where the source comes from: the npm registry's node-rdkafka package carries librdkafka's complete
# source tree in deps/librdkafka (it compiles it on install). One pinned tarball, checked against the
# registry's sha512 integrity before anything is unpacked. Nothing of node-rdkafka itself is used.
# The result is cached: PREFIX/.stamp names the version, and a second call returns at once.
set -euo pipefail
PREFIX=${1:?usage: build.sh PREFIX [JOBS]}
JOBS=${2:-2}
NODE_RDKAFKA=3.6.1      # carries librdkafka 2.12.0
LIBRDKAFKA=2.12.0
INTEGRITY=sfpTbrT35429cs0RE8Yb9avGX9BiRRvpV7aweQsghKTjtrVZP3jBrKOPItWXAqHb8doyh3SkuGuUVBLgig1SRg==
URL=https://registry.npmjs.org/node-rdkafka/-/node-rdkafka-$NODE_RDKAFKA.tgz
# TLS and SCRAM (OpenSSL); gzip, zstd, lz4 and snappy, so that any batch a city's broker holds can be
# read (a topic's compression.type=zstd makes the broker recompress); no Cyrus SASL (GSSAPI), no
# libcurl (OIDC), no plugins: hosho uses none of them, and each would be one more library to install
# and keep patched. librdkafka's CMake turns SCRAM on only with Cyrus SASL, so it is asked for by name;
# the built library is then checked for the features hosho needs.
OPTIONS="-DWITH_SSL=ON -DWITH_SASL_SCRAM=ON -DWITH_ZLIB=ON -DWITH_ZSTD=ON -DWITH_SASL=OFF -DWITH_CURL=OFF
  -DWITH_PLUGINS=OFF -DENABLE_LZ4_EXT=OFF"
NEEDED_FEATURES="ssl sasl_plain sasl_scram gzip zstd lz4 snappy"
# The stamp names this script's own hash: any change to it (version, options, checks) builds again.
STAMP="librdkafka $LIBRDKAFKA from node-rdkafka $NODE_RDKAFKA (sha512-$INTEGRITY), build.sh $(sha256sum "$0" | cut -c1-16)"

if [ -f "$PREFIX/.stamp" ] && [ "$(cat "$PREFIX/.stamp")" = "$STAMP" ] && [ -f "$PREFIX/lib/librdkafka.a" ]; then
  exit 0
fi
# PREFIX is replaced as a whole: refuse a directory that holds anything but an earlier build of ours.
if [ -d "$PREFIX" ] && [ -n "$(ls -A "$PREFIX")" ] && [ ! -f "$PREFIX/.stamp" ]; then
  echo "build.sh: $PREFIX is not empty and holds no earlier librdkafka build (.stamp); refusing to replace it" >&2
  exit 1
fi
mkdir -p "$(dirname "$PREFIX")"
# One build at a time per PREFIX (two ./hosho commands started together).
exec 9>"$PREFIX.lock"
flock 9
if [ -f "$PREFIX/.stamp" ] && [ "$(cat "$PREFIX/.stamp")" = "$STAMP" ] && [ -f "$PREFIX/lib/librdkafka.a" ]; then
  exit 0  # the other one built it
fi
echo "==> building $STAMP into $PREFIX (once)" >&2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
curl -fsSL --retry 3 -o "$work/src.tgz" "$URL"
got=$(openssl dgst -sha512 -binary "$work/src.tgz" | base64 -w0)
if [ "$got" != "$INTEGRITY" ]; then
  echo "build.sh: $URL has sha512-$got, expected sha512-$INTEGRITY; refusing to build it" >&2
  exit 1
fi
tar -xzf "$work/src.tgz" -C "$work" package/deps/librdkafka
src=$work/package/deps/librdkafka
version=$(sed -n 's/^#define RD_KAFKA_VERSION *0x\([0-9a-f]*\).*/\1/p' "$src/src/rdkafka.h")
if [ "$version" != "$(printf '%02x%02x%02xff' ${LIBRDKAFKA//./ })" ]; then
  echo "build.sh: the tarball holds librdkafka 0x$version, expected $LIBRDKAFKA" >&2
  exit 1
fi
# With ccache, paths are hashed relative to the unpacked tree, so another clone of hosho (another
# PREFIX) compiles nothing again.
launcher=()
if command -v ccache >/dev/null 2>&1; then
  launcher=(-DCMAKE_C_COMPILER_LAUNCHER=ccache -DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
  export CCACHE_BASEDIR="$work" CCACHE_NOHASHDIR=true
fi
cmake -S "$src" -B "$work/build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_INSTALL_PREFIX="$PREFIX" \
  -DCMAKE_POSITION_INDEPENDENT_CODE=ON -DRDKAFKA_BUILD_STATIC=ON -DRDKAFKA_BUILD_EXAMPLES=OFF \
  -DRDKAFKA_BUILD_TESTS=OFF "${launcher[@]}" $OPTIONS >"$work/configure.log" 2>&1 || { cat "$work/configure.log" >&2; exit 1; }
cmake --build "$work/build" -j "$JOBS" --target rdkafka >"$work/build.log" 2>&1 || { tail -50 "$work/build.log" >&2; exit 1; }
# The features hosho needs are really in it (a configuration flag that silently did nothing would
# otherwise surface only as a refused SASL handshake at a city's broker).
cat >"$work/features.c" <<'C'
#include <stdio.h>
#include <librdkafka/rdkafka.h>
int main(void) {
  char features[512];
  size_t size = sizeof features;
  rd_kafka_conf_t *conf = rd_kafka_conf_new();
  if (rd_kafka_conf_get(conf, "builtin.features", features, &size) != RD_KAFKA_CONF_OK) return 1;
  printf("%s %s\n", rd_kafka_version_str(), features);
  rd_kafka_conf_destroy(conf);
  return 0;
}
C
mkdir -p "$work/include/librdkafka"
cp "$src/src/rdkafka.h" "$work/include/librdkafka/"
cc -o "$work/features" "$work/features.c" -I"$work/include" "$work/build/src/librdkafka.a" -lssl -lcrypto -lz -lzstd \
  -lpthread -lm -ldl
if ! probe=$("$work/features"); then
  echo "build.sh: the built librdkafka could not report its features" >&2
  exit 1
fi
read -r built features <<<"$probe"
for f in $NEEDED_FEATURES; do
  if [[ ",$features," != *",$f,"* ]]; then
    echo "build.sh: librdkafka $built was built without $f (it has: $features)" >&2
    exit 1
  fi
done
echo "==> librdkafka $built: $features" >&2
# Assembled beside PREFIX, then swapped in: an interrupted run leaves the old build or none, never half.
next="$PREFIX.new"
rm -rf "$next"
mkdir -p "$next/lib" "$next/include/librdkafka"
cp "$work/build/src/librdkafka.a" "$next/lib/"
cp "$src/src/rdkafka.h" "$src/src/rdkafka_mock.h" "$next/include/librdkafka/"
cp "$src/LICENSE" "$src/LICENSES.txt" "$next/"
echo "$STAMP" >"$next/.stamp"
rm -rf "$PREFIX"
mv "$next" "$PREFIX"
