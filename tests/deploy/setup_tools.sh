#!/usr/bin/env bash
# setup_tools.sh CACHE_DIR: builds the checks' Go tools from the Go module proxy into CACHE_DIR/bin.
#   helm         the real Helm (helm template, helm lint), pinned by tests/deploy/helmtool/go.mod + go.sum
#   k8svalidate  tests/deploy/k8svalidate: strict decoding of rendered objects into the Kubernetes types
#   buf          buf lint and buf breaking over proto/ (tests/api), pinned by tests/deploy/buftool/go.mod + go.sum
# Idempotent: a tool whose stamp (version, sources, go.mod/go.sum, go version) matches is not rebuilt.
# GOPATH and the tools stay under CACHE_DIR. Go's module and build caches are the user's, shared by
# every clone ($HOSHO_GO_CACHE, default ${XDG_CACHE_HOME:-~/.cache}/hosho/go): both are content-addressed
# (modules checked against the committed go.sum, build results keyed by their inputs, and -trimpath keeps
# paths out of them), so a fresh clone links the pinned tools in seconds instead of compiling Helm and buf
# for minutes.
# The only site it needs is the Go module proxy ($GOPROXY, default proxy.golang.org). sum.golang.org is
# not reachable from the project's machines, so the checksum database is off; it is not needed: both
# modules build with -mod=readonly against their committed go.sum, so every downloaded module must match
# a pinned hash (and helmtool's go.sum equals Helm's own go.sum for every dependency).
set -euo pipefail

[ $# -eq 1 ] || { echo "usage: $0 CACHE_DIR" >&2; exit 2; }
mkdir -p "$1"
CACHE=$(cd "$1" && pwd)
HERE=$(cd "$(dirname "$0")" && pwd)
HELMTOOL=$HERE/helmtool
VALIDATOR=$HERE/k8svalidate
BUFTOOL=$HERE/buftool
BIN=$CACHE/bin
mkdir -p "$BIN"
say() { printf '==> setup_tools: %s\n' "$*" >&2; }
die() { printf 'setup_tools: %s\n' "$*" >&2; exit 1; }
newest() { printf '%s\n' "$@" | sort -V | tail -1; }

# One run at a time per cache (ctest -j, two shells).
if command -v flock >/dev/null 2>&1; then
  exec 9>"$CACHE/.lock"
  flock 9
fi

HELM_VERSION=$(sed -n 's/^[[:space:]]*helm\.sh\/helm\/v3 \(v[0-9][^ ]*\).*/\1/p' "$HELMTOOL/go.mod")
K8S_MINOR=$(sed -n 's/^[[:space:]]*k8s\.io\/client-go v0\.\([0-9]*\)\..*/\1/p' "$HELMTOOL/go.mod")
[ -n "$HELM_VERSION" ] && [ -n "$K8S_MINOR" ] || die "cannot read Helm's and client-go's versions from $HELMTOOL/go.mod"
BUF_VERSION=$(sed -n 's/^[[:space:]]*github\.com\/bufbuild\/buf \(v[0-9][^ ]*\).*/\1/p' "$BUFTOOL/go.mod")
[ -n "$BUF_VERSION" ] || die "cannot read buf's version from $BUFTOOL/go.mod"
go_line() { sed -n 's/^go \([0-9.]*\)$/\1/p' "$1/go.mod"; }
NEED=$(newest "$(go_line "$HELMTOOL")" "$(go_line "$VALIDATOR")" "$(go_line "$BUFTOOL")")

# The newest go on the machine ($GO first if set). Debian 12's golang-go is 1.19: far too old for Helm 3.
go_version() { "$1" env GOVERSION 2>/dev/null | sed -n 's/^go\([0-9][0-9.]*\).*/\1/p'; }
GO_BIN="" GO_VER=""
for g in ${GO:-} "$(command -v go || true)" /usr/local/go/bin/go /usr/lib/go/bin/go /usr/lib/go-*/bin/go; do
  [ -n "$g" ] && [ -x "$g" ] || continue
  v=$(go_version "$g")
  [ -n "$v" ] || continue
  if [ -z "$GO_VER" ] || [ "$(newest "$GO_VER" "$v")" != "$GO_VER" ]; then
    GO_BIN=$g GO_VER=$v
  fi
done
# Without a new enough Go on the machine (a fresh Debian 12 has only golang-go 1.19, or none), the Go
# toolchain itself comes from the Go module proxy, as `GOTOOLCHAIN` fetches it, pinned by its sha256.
TOOLCHAIN_GO=1.26.8
TOOLCHAIN_SHA256=30c2b1bf7dcc88d3eb0a1364e47ddd9128edb3110a30e8a0ef61cd5856b31de7
fetch_toolchain() {
  local dir=$CACHE/go$TOOLCHAIN_GO zip=$CACHE/go$TOOLCHAIN_GO.zip
  local url=${GOPROXY:-https://proxy.golang.org}
  url=${url%%,*}/golang.org/toolchain/@v/v0.0.1-go$TOOLCHAIN_GO.linux-amd64.zip
  if [ ! -x "$dir/bin/go" ]; then
    say "fetching the Go $TOOLCHAIN_GO toolchain from the Go module proxy"
    command -v curl >/dev/null && command -v unzip >/dev/null || die "fetching Go needs curl and unzip"
    curl -fsSL -o "$zip" "$url" || die "cannot fetch $url"
    echo "$TOOLCHAIN_SHA256  $zip" | sha256sum -c --quiet - || die "$zip does not match its pinned sha256"
    rm -rf "$dir" "$dir.tmp" && mkdir -p "$dir.tmp"
    unzip -q "$zip" -d "$dir.tmp" && rm -f "$zip"
    mv "$dir.tmp/golang.org/toolchain@v0.0.1-go$TOOLCHAIN_GO.linux-amd64" "$dir" && rm -rf "$dir.tmp"
    chmod +x "$dir/bin/"* "$dir/pkg/tool/"*/* 2>/dev/null || true
  fi
  GO_BIN=$dir/bin/go GO_VER=$(go_version "$GO_BIN")
}
if [ -z "$GO_BIN" ] || [ "$(newest "$NEED" "$GO_VER")" != "$GO_VER" ]; then
  [ "$(uname -m)" = x86_64 ] || die "no go >= $NEED here (newest: ${GO_VER:-none}); set GO=/path/to/go"
  fetch_toolchain
  [ -n "$GO_VER" ] && [ "$(newest "$NEED" "$GO_VER")" = "$GO_VER" ] || die "the fetched Go ($GO_BIN) does not run"
fi

GO_CACHE=${HOSHO_GO_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/hosho/go}
mkdir -p "$GO_CACHE"
export GOPATH=$CACHE/gopath GOMODCACHE=$GO_CACHE/mod GOCACHE=$GO_CACHE/build
export GOPROXY=${GOPROXY:-https://proxy.golang.org} GOSUMDB=off GOTOOLCHAIN=local CGO_ENABLED=0
# readonly: the committed go.mod and go.sum are the pins; a build that would change them fails.
# modcacherw: the module cache is writable, so rm -rf removes it.
export GOFLAGS="-mod=readonly -modcacherw -buildvcs=false -trimpath"
unset GOBIN GOWORK

built=0
stamp_of() {
  (cd "$1" && cat go.mod go.sum && for f in ./*.go; do if [ -e "$f" ]; then cat "$f"; fi; done) | sha256sum | cut -d' ' -f1
}

# ------------------------------------------------------------------------------------------- helm
helm_stamp="helm $HELM_VERSION $(stamp_of "$HELMTOOL") go$GO_VER"
if [ -x "$BIN/helm" ] && [ "$(cat "$BIN/.helm.stamp" 2>/dev/null)" = "$helm_stamp" ] &&
   [ "$("$BIN/helm" version --template '{{.Version}}' 2>/dev/null)" = "$HELM_VERSION" ]; then
  :
else
  say "building helm $HELM_VERSION with go $GO_VER ($GO_BIN) into $BIN (about 3 minutes the first time)"
  # The ldflags of Helm's Makefile: the version, and the default Capabilities.KubeVersion (helm template,
  # lint's deprecation rules) = the Kubernetes minor of the client-go Helm builds with (else 1.20).
  ldflags="-s -w -X helm.sh/helm/v3/internal/version.version=$HELM_VERSION"
  for pkg in helm.sh/helm/v3/pkg/lint/rules helm.sh/helm/v3/pkg/chartutil; do
    ldflags+=" -X $pkg.k8sVersionMajor=1 -X $pkg.k8sVersionMinor=$K8S_MINOR"
  done
  (cd "$HELMTOOL" && "$GO_BIN" build -ldflags "$ldflags" -o "$BIN/helm.tmp" helm.sh/helm/v3/cmd/helm)
  mv -f "$BIN/helm.tmp" "$BIN/helm"
  got=$("$BIN/helm" version --template '{{.Version}}')
  [ "$got" = "$HELM_VERSION" ] || die "built helm says version $got, expected $HELM_VERSION"
  echo "$helm_stamp" >"$BIN/.helm.stamp"
  built=1
fi

# ------------------------------------------------------------------------------------ k8svalidate
validator_stamp="k8svalidate $(stamp_of "$VALIDATOR") go$GO_VER"
if [ -x "$BIN/k8svalidate" ] && [ "$(cat "$BIN/.k8svalidate.stamp" 2>/dev/null)" = "$validator_stamp" ]; then
  :
else
  say "building k8svalidate with go $GO_VER into $BIN"
  (cd "$VALIDATOR" && "$GO_BIN" build -o "$BIN/k8svalidate.tmp" .)
  mv -f "$BIN/k8svalidate.tmp" "$BIN/k8svalidate"
  echo "$validator_stamp" >"$BIN/.k8svalidate.stamp"
  built=1
fi

# -------------------------------------------------------------------------------------------- buf
buf_stamp="buf $BUF_VERSION $(stamp_of "$BUFTOOL") go$GO_VER"
if [ -x "$BIN/buf" ] && [ "$(cat "$BIN/.buf.stamp" 2>/dev/null)" = "$buf_stamp" ] &&
   [ "v$("$BIN/buf" --version 2>/dev/null)" = "$BUF_VERSION" ]; then
  :
else
  say "building buf $BUF_VERSION with go $GO_VER into $BIN (about 2 minutes the first time)"
  (cd "$BUFTOOL" && "$GO_BIN" build -ldflags "-s -w" -o "$BIN/buf.tmp" github.com/bufbuild/buf/cmd/buf)
  mv -f "$BIN/buf.tmp" "$BIN/buf"
  got=$("$BIN/buf" --version)
  [ "v$got" = "$BUF_VERSION" ] || die "built buf says version $got, expected $BUF_VERSION"
  echo "$buf_stamp" >"$BIN/.buf.stamp"
  built=1
fi

# Both caches stay (about 1 GB of build results after Helm, 1 GB of modules): the next clone links the
# tools from them. Go itself trims build results unused for five days; `rm -rf "$GO_CACHE"` frees them.
echo "helm $HELM_VERSION (Kubernetes 1.$K8S_MINOR by default), k8svalidate and buf $BUF_VERSION in $BIN"
