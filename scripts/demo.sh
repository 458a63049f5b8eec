#!/usr/bin/env bash
# The main job: install what is missing, build, and run the bundled guest
# program against the fixture tree in demo/fixture, in memory. The guest's
# output goes to stdout; what it changed is listed afterwards.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
cmake --preset asan >/dev/null
cmake --build --preset asan --target vfs_cli demo_guest
./build/bin/vfs run --changes --dir demo/fixture::/ build/demo/guest.wasm
