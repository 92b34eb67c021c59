#!/usr/bin/env node
// Builds the C side of the browser demo (web/demo.c) into build/web/ with
// wa-cc's web target: demo-c.mjs, which web/demo.mjs imports, and the files
// beside it (core module, wasm, driver, bridge, fetch).
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, ROOT } from '../bin/lib/compile.mjs';

export const OUTPUT = path.join(ROOT, 'build/web/demo-c.mjs');

export function buildWebDemo() {
  return build([path.join(ROOT, 'web/demo.c')], OUTPUT, 'web', { opt: '-O2' });
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  buildWebDemo();
  console.log(`built ${path.relative(ROOT, OUTPUT)}`);
}
