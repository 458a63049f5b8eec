#!/usr/bin/env bash
# The main job: install what is missing, build, and run the bundled guest
# program against the fixture tree in demo/fixture, in memory. The guest's
# output goes to stdout; what it changed is listed afterwards. The state it
# left is saved as a snapshot, described by `vfs info`, and a second run
# starts from that snapshot instead of the host tree.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
cmake --preset asan >/dev/null
cmake --build --preset asan --target vfs_cli demo_guest
./build/bin/vfs run --changes --save build/demo/state.snap \
  --dir demo/fixture::/ build/demo/guest.wasm
echo
echo "== vfs info build/demo/state.snap"
./build/bin/vfs info build/demo/state.snap
echo
echo "== a second run, from the snapshot (--image): it sees the first run's changes"
./build/bin/vfs run --changes --image build/demo/state.snap build/demo/guest.wasm
