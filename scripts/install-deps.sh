#!/usr/bin/env bash
# Installs what wshub needs to build, test and run, and nothing else. Idempotent:
# a second run installs nothing and takes about a second. Debian 12 only (apt + npm).
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(
  build-essential cmake ninja-build pkg-config git ccache
  clang-14 libclang-rt-14-dev           # libFuzzer and sanitizers
  libssl-dev zlib1g-dev libhttp-parser-dev
  libtomlplusplus-dev libcli11-dev libspdlog-dev libfmt-dev libsimdjson-dev libmsgpack-cxx-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  libhiredis-dev redis-server            # the Redis broker (docs/clustering.md) and its tests
  libnats-dev nats-server               # the NATS broker (docs/clustering.md) and its tests
  python3 python3-websockets python3-msgpack   # integration test clients
  nodejs openssl curl procps
  chromium                              # the admin page test (headless, driven by playwright-core)
  gnuplot-nox                           # bench charts
)

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# Debian's nodejs ships npm separately; a NodeSource nodejs bundles it. Only ask apt for npm when absent.
command -v npm >/dev/null 2>&1 || missing+=(npm)

if [ ${#missing[@]} -gt 0 ]; then
  echo "install-deps: apt-get install ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# Node packages: the test clients (tests/js: ws) and the TypeScript SDK's build and test
# tools (clients/js: typescript, vitest, ws). Each lock file pins versions; a directory is
# reinstalled only when its lock changed.
for dir in tests/js clients/js; do
  [ -f "$dir/package-lock.json" ] || continue
  stamp=$dir/node_modules/.wshub-lock
  if ! cmp -s "$dir/package-lock.json" "$stamp" 2>/dev/null; then
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
    cp "$dir/package-lock.json" "$stamp"
  fi
done
