#!/usr/bin/env bash
# Installs every Debian package Vigil's build, tests and benchmarks need
# (Prometheus and VictoriaMetrics are the peers of the integration tests and
# the anchors of ../shared/bench).
# Idempotent: packages already present are skipped by apt-get; `apt-get update`
# runs only when something is missing. Run as root, or with sudo available.
set -euo pipefail

PACKAGES=(
  # toolchain
  g++ cmake ninja-build ccache pkg-config make clang libclang-rt-14-dev clang-format
  # libraries
  libboost-dev libyaml-cpp-dev libsimdjson-dev libprotobuf-dev protobuf-compiler
  libsnappy-dev libzstd-dev libxxhash-dev libre2-dev libssl-dev libcli11-dev
  libspdlog-dev libfmt-dev liblua5.4-dev libcurl4-openssl-dev libcairo2-dev fonts-dejavu-core
  # tests and benchmarks
  libgtest-dev libgmock-dev googletest libbenchmark-dev
  prometheus prometheus-node-exporter victoria-metrics python3 python3-snappy curl
  # the clouds' official clients, run against `vigil cloudsim` (tests/clients)
  awscli python3-boto3 python3-google-auth nodejs
  # log senders the logs tests run against `vigil serve` (logger is in util-linux)
  rsyslog bsdutils
  # the web UI's browser tests (playwright-core drives Debian's chromium) and
  # the notebook export test (pandas reads /api/v1/export)
  chromium python3-pandas
)
# Debian's npm is a package of its own; a nodejs from NodeSource carries npm.
if ! command -v npm >/dev/null 2>&1; then PACKAGES+=(npm); fi

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

# npm packages, pinned by each directory's package-lock.json: the web UI's
# libraries and esbuild (ui/, needed by the build) and the JavaScript SDKs of
# AWS, Azure and Google (tests/clients, run by the integration tests).
install_js_clients() {
  local root dir
  root="$(cd "$(dirname "$0")/.." && pwd)"
  for dir in "$root/ui" "$root/tests/clients"; do
    if [ ! -d "$dir/node_modules" ] || [ "$dir/package-lock.json" -nt "$dir/node_modules" ]; then
      echo "setup: npm ci in ${dir#"$root"/}"
      (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error && touch node_modules)
    fi
  done
}

if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: all ${#PACKAGES[@]} packages present"
  install_js_clients
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
echo "setup: installing ${missing[*]}"
$SUDO apt-get update -q
# The Debian prometheus package would start a system service on port 9090;
# policy-rc.d keeps package scripts from starting daemons during install.
if [ ! -e /usr/sbin/policy-rc.d ]; then
  printf '#!/bin/sh\nexit 101\n' | $SUDO tee /usr/sbin/policy-rc.d >/dev/null
  $SUDO chmod +x /usr/sbin/policy-rc.d
  trap '$SUDO rm -f /usr/sbin/policy-rc.d' EXIT
fi
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
install_js_clients
