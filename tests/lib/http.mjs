// Helpers of the HTTP server tests: starting a server program, and wrk.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { ROOT } from '../../bin/lib/compile.mjs';
import { tools } from '../../bin/lib/tools.mjs';

// Starts a program that prints "listening PORT" (natively, in node) or whose
// runner says "listening on 127.0.0.1:PORT" (WASI); resolves { port, child, done }.
export function startServer(out, variant, args = [], env = {}) {
  const [cmd, argv] = variant.target === 'wasi'
    ? [process.execPath, [path.join(ROOT, 'bin', 'wa-run'), '--tcplisten=127.0.0.1:0', out, ...args]]
    : variant.target === 'node' ? [process.execPath, [out, ...args]] : [out, args];
  const wasiEnv = variant.target === 'wasi' ? Object.entries(env).map(([k, v]) => `--env=${k}=${v}`) : [];
  if (wasiEnv.length) argv.splice(1, 0, ...wasiEnv);
  const child = spawn(cmd, argv, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  let stdout = '', stderr = '';
  const done = new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
  return new Promise((resolve, reject) => {
    const check = () => {
      const m = /listening on 127\.0\.0\.1:(\d+)/.exec(stderr) ?? /^listening ([1-9]\d*)$/m.exec(stdout);
      if (m) resolve({ port: Number(m[1]), child, done });
    };
    child.stdout.on('data', (d) => { stdout += d; check(); });
    child.stderr.on('data', (d) => { stderr += d; check(); });
    child.on('close', (code) => reject(new Error(`the server ended (${code}) before listening:\n${stderr}`)));
  });
}

// wrk's summary: requests, and any socket errors or non-2xx/3xx answers.
export function runWrk(url, { threads = 1, connections = 32, duration = '1s' } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(tools.wrk(), [`-t${threads}`, `-c${connections}`, `-d${duration}`, url], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('error', reject);
    child.on('close', (code) => {
      const requests = Number(/(\d+) requests in/.exec(out)?.[1] ?? 0);
      const perSecond = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? 0);
      resolve({ code, out, requests, perSecond, socketErrors: /Socket errors/.test(out), non2xx: /Non-2xx/.test(out) });
    });
  });
}
