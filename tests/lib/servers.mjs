// What the tests of servers and protocol clients share: a free port, waiting
// until something accepts on it, a real redis-server, building a test program
// with an example client, starting a wasyncio server program, and wrk.
import { spawn } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { build, ROOT } from '../../bin/lib/compile.mjs';
import { tools } from '../../bin/lib/tools.mjs';

// A port nothing listens on now: the kernel picks it, we free it.
export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

// Resolves once something accepts on 127.0.0.1:port; rejects after timeoutMs.
export async function accepting(port, what, timeoutMs = 10000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise((resolve) => {
      const socket = net.connect(port, '127.0.0.1', () => { socket.destroy(); resolve(true); });
      socket.on('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`${what} did not listen on ${port}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

// Starts redis-server on 127.0.0.1 and a free port, with a password and no
// persistence; resolves { port, stop(), log() } once it accepts.
export async function startRedis(password) {
  const port = await freePort();
  let log = '';
  const server = spawn(tools.redisServer(), ['--port', String(port), '--bind', '127.0.0.1', '--requirepass', password,
    '--save', '', '--appendonly', 'no', '--daemonize', 'no', '--protected-mode', 'yes'], { stdio: ['ignore', 'pipe', 'pipe'] });
  server.stdout.on('data', (d) => (log += d));
  server.stderr.on('data', (d) => (log += d));
  try {
    await accepting(port, 'redis-server');
  } catch (e) {
    server.kill('SIGKILL');
    throw new Error(`${e.message}\n${log}`);
  }
  return { port, stop: () => server.kill('SIGTERM'), log: () => log };
}

// Builds test program src with an example client's source (warnings as
// errors) into outDir/<variant>/; returns the output's path.
export function buildWithClient(src, client, outDir, v) {
  const ext = v.target === 'wasi' ? '.wasm' : v.target === 'node' ? '.mjs' : '';
  const output = path.join(outDir, v.name.replace(/[^\w-]+/g, '_'), path.basename(src, '.c') + ext);
  build([src, client], output, v.target, { ...v, cflags: ['-Wall', '-Wextra', '-Werror'] });
  return output;
}

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
