#!/usr/bin/env node
// npm start: builds examples/demo.c for node, a WASI runner and natively with
// wa-cc, runs each, and shows what it printed and how long it took; then
// builds the browser demo (web/) and serves it until Ctrl-C.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { build, BuildError, ROOT } from '../bin/lib/compile.mjs';
import { buildWebDemo } from '../web/build.mjs';
import { startDemoServer } from '../web/serve.mjs';

const SRC = path.join(ROOT, 'examples/demo.c');
const OUT = path.join(ROOT, 'build/demo');
const HOSTS = [
  { name: 'node (emscripten + Asyncify)', target: 'node', out: 'demo-node.mjs', cmd: (o) => [process.execPath, [o]] },
  { name: 'WASI (wa-run, as wasmtime would)', target: 'wasi', out: 'demo.wasm', cmd: (o) => [process.execPath, [path.join(ROOT, 'bin/wa-run'), o]] },
  { name: 'native', target: 'native', out: 'demo-native', cmd: (o) => [o, []] },
];

let failed = false;
for (const host of HOSTS) {
  const out = path.join(OUT, host.out);
  console.log(`\n=== ${host.name}: wa-cc examples/demo.c --target=${host.target} -O2`);
  try {
    build([SRC], out, host.target, { opt: '-O2' });
  } catch (e) {
    if (!(e instanceof BuildError)) throw e;
    console.error(e.message);
    failed = true;
    continue;
  }
  const [cmd, args] = host.cmd(out);
  const start = performance.now();
  const r = spawnSync(cmd, args, { stdio: 'inherit' });
  console.log(`  (process ran ${((performance.now() - start) / 1000).toFixed(2)} s, exit ${r.status})`);
  failed ||= r.status !== 0;
}
console.log('\nBuild your own: node bin/wa-cc prog.c -o prog.wasm --target=wasi && node bin/wa-run prog.wasm');
if (failed) process.exit(1);

console.log('\n=== browser: wa-cc web/demo.c --target=web -O2, served by web/serve.mjs');
try {
  buildWebDemo();
} catch (e) {
  if (!(e instanceof BuildError)) throw e;
  console.error(e.message);
  process.exit(1);
}
const { url } = await startDemoServer();
console.log(`
  The browser demo is at ${url}
  Open it in a browser: C tasks sleep, fetch, time out, fail and get cancelled
  while the page draws their tree and timeline live.

  Press Ctrl-C to stop the server.`);
process.on('SIGINT', () => process.exit(0)); // Ctrl-C is how this ends: not an error
