#!/usr/bin/env bash
# Install what is missing, build everything under ASan+UBSan, run every test.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
cmake --preset asan
cmake --build --preset asan
ctest --preset asan
