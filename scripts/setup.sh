#!/usr/bin/env bash
# Installs the Debian 12 packages the project needs, only those missing.
# Nothing is vendored or downloaded from elsewhere.
set -euo pipefail
packages=(cmake ninja-build g++ clang lld libabsl-dev libcereal-dev catch2
          libbenchmark-dev wabt wasi-libc libclang-rt-14-dev-wasm32
          libxxhash-dev rapidjson-dev libarchive-dev libcli11-dev llvm-14
          libclang-rt-14-dev)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" \
    || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}"
fi
