#!/usr/bin/env node
// bench/wasm_opt_no_asyncify.mjs: wasm-opt without the Asyncify pass.
//
// The code-size row of bench/run.mjs builds a program twice with bin/wa-cc,
// the second time with WA_WASM_OPT pointing here: the same wasm-opt calls
// (the same optimisation levels and passes) minus `--asyncify` and its
// `--pass-arg=asyncify-...` arguments, so the two modules differ only by the
// instrumentation. The result is for measuring, not running: the runtime's
// asyncify.* imports stay unresolved. WA_BENCH_WASM_OPT names the real tool.
import { spawnSync } from 'node:child_process';

const real = process.env.WA_BENCH_WASM_OPT;
if (!real) {
  process.stderr.write('wasm_opt_no_asyncify: WA_BENCH_WASM_OPT (the real wasm-opt) is not set\n');
  process.exit(2);
}
const args = process.argv.slice(2).filter((a) => a !== '--asyncify' && !a.startsWith('--pass-arg=asyncify'));
const r = spawnSync(real, args, { stdio: 'inherit' });
if (r.error) process.stderr.write(`wasm_opt_no_asyncify: ${r.error.message}\n`);
process.exit(r.status ?? 1);
