// Runs a wasm32-wasip1 module under Node's built-in node:wasi with a fresh
// directory under /dev/shm (or under $W1_PARENT) preopened as /bench, then
// removes that directory.
//   node run_w1_node.mjs MODULE.wasm [ARGS...]
// The guest gets argv = [MODULE.wasm, ...ARGS]; its exit code becomes ours.
import { readFile, mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { WASI } from 'node:wasi';
import process from 'node:process';

const [wasmPath, ...args] = process.argv.slice(2);
if (!wasmPath) {
  console.error('usage: node run_w1_node.mjs MODULE.wasm [ARGS...]');
  process.exit(2);
}
const dir = await mkdtemp(join(process.env.W1_PARENT || '/dev/shm', 'vfs-w1-node-'));
let code = 1;
try {
  const wasi = new WASI({
    version: 'preview1',
    args: [wasmPath, ...args],
    env: {},
    preopens: { '/bench': dir },
    returnOnExit: true,
  });
  const module = await WebAssembly.compile(await readFile(wasmPath));
  const instance = await WebAssembly.instantiate(module, wasi.getImportObject());
  code = wasi.start(instance) ?? 0;
} finally {
  await rm(dir, { recursive: true, force: true });
}
process.exit(code);
