// The MySQL client (examples/mysql) and the MySQL seed ports against a real
// MariaDB, which this file sets up once (mariadb-install-db into a temporary
// directory) and starts on 127.0.0.1 with a random port, two accounts with
// passwords and 64 MiB packets, and stops. Natively (ASan+UBSan too) and in
// node at -O0 and -O2; WASI preview1 cannot connect out, so there the
// client's parsers run alone.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { build, ROOT } from '../bin/lib/compile.mjs';
import { tools } from '../bin/lib/tools.mjs';
import { needs } from './lib/needs.mjs';
import { VARIANTS, parseCases, reportCases, runBuilt } from './lib/programs.mjs';
import { buildWithClient, freePort } from './lib/servers.mjs';

const CLIENT = path.join(ROOT, 'examples', 'mysql', 'mysql.c');
const PORTS_DIR = path.join(ROOT, 'examples', 'seeds', 'mysql');
const OUT = path.join(ROOT, 'build', 'tests', 'mysql');
const ONE = ['wa_one', 'first-secret'];
const TWO = ['wa_two', 'second-secret'];
const variant = (name) => VARIANTS.find((v) => v.name === name);

// mariadbd refuses to run as root unless told to.
const asRoot = process.getuid?.() === 0 ? ['--user=root'] : [];

describe('MySQL, against a real MariaDB', needs('mariadbd', 'mariadbInstallDb', 'cc'), () => {
  let dir, server, port, exited;
  const log = () => {
    try {
      return fs.readFileSync(path.join(dir, 'error.log'), 'utf8').split('\n').slice(-30).join('\n');
    } catch {
      return '';
    }
  };

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wasyncio-mariadb-'));
    const data = path.join(dir, 'data');
    const install = spawnSync(tools.mariadbInstallDb(), ['--no-defaults', `--datadir=${data}`, '--auth-root-authentication-method=normal',
      '--skip-test-db', ...asRoot], { encoding: 'utf8', timeout: 120000 });
    assert.equal(install.status, 0, `mariadb-install-db failed:\n${install.stdout}\n${install.stderr}`);
    // The accounts the tests log in as; run by the server as it starts.
    fs.writeFileSync(path.join(dir, 'init.sql'), [
      `CREATE USER '${ONE[0]}'@'127.0.0.1' IDENTIFIED BY '${ONE[1]}';`,
      `GRANT ALL ON *.* TO '${ONE[0]}'@'127.0.0.1';`,
      `CREATE USER '${TWO[0]}'@'127.0.0.1' IDENTIFIED BY '${TWO[1]}';`,
      `GRANT SELECT ON mysql.* TO '${TWO[0]}'@'127.0.0.1';`,
    ].join('\n') + '\n');
    port = await freePort();
    server = spawn(tools.mariadbd(), ['--no-defaults', ...asRoot, `--datadir=${data}`, `--port=${port}`, '--bind-address=127.0.0.1',
      `--socket=${path.join(dir, 'sock')}`, '--skip-networking=0', `--pid-file=${path.join(dir, 'pid')}`,
      `--log-error=${path.join(dir, 'error.log')}`, `--init-file=${path.join(dir, 'init.sql')}`, '--max-allowed-packet=64M',
      '--skip-name-resolve', '--innodb-buffer-pool-size=32M'], { stdio: 'ignore' });
    exited = new Promise((resolve) => server.on('exit', resolve));
    // Ready once the log says so (the init file has run by then).
    const deadline = Date.now() + 60000;
    let gone = false;
    exited.then(() => (gone = true));
    while (!/ready for connections/.test(log())) {
      if (gone) throw new Error(`mariadbd exited:\n${log()}`);
      if (Date.now() > deadline) throw new Error(`mariadbd did not get ready on ${port}:\n${log()}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  });

  after(async () => {
    if (server && server.exitCode === null) {
      server.kill('SIGTERM');
      const timer = setTimeout(() => server.kill('SIGKILL'), 20000);
      await exited;
      clearTimeout(timer);
    }
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  for (const name of ['native -O2', 'native ASan+UBSan', 'node -O0', 'node -O2']) {
    test(`the client on ${name}`, name.startsWith('node') ? needs('emcc', 'wasmOpt') : {}, async (t) => {
      const v = variant(name);
      const out = buildWithClient(path.join(ROOT, 'tests', 'mysql', 'client.c'), CLIENT, OUT, v);
      const { code, stdout, stderr } = await runBuilt(out, v, { args: [String(port), ...ONE], timeoutMs: 300000 });
      await reportCases(t, parseCases(stdout), `${stdout}\n${stderr}\n${log()}`);
      assert.equal(code, 0, stderr);
      assert.doesNotMatch(stderr, /AddressSanitizer|runtime error|LeakSanitizer/);
    });
  }

  test('the client\'s parsers on wasi -O2', needs('clang', 'wasiSysroot', 'wasmOpt'), async (t) => {
    const v = variant('wasi -O2');
    const out = buildWithClient(path.join(ROOT, 'tests', 'mysql', 'client.c'), CLIENT, OUT, v);
    const { code, stdout, stderr } = await runBuilt(out, v);
    await reportCases(t, parseCases(stdout), `${stdout}\n${stderr}`);
    assert.equal(code, 0, stderr);
  });

  const seeds = fs.readdirSync(PORTS_DIR).filter((f) => f.endsWith('.c')).map((f) => f.slice(0, -2));
  for (const [seed, name] of seeds.flatMap((s) => ['native ASan+UBSan', 'node -O0', 'node -O2'].map((n) => [s, n]))) {
    test(`seed port ${seed} on ${name} prints what the seed prints`, name.startsWith('node') ? needs('emcc', 'wasmOpt') : {}, async () => {
      const v = variant(name);
      const out = buildWithClient(path.join(PORTS_DIR, `${seed}.c`), CLIENT, OUT, v);
      const { code, stdout, stderr } = await runBuilt(out, v, {
        args: [`mysql://${ONE[0]}@127.0.0.1:${port}/mysql`, `mysql://${TWO[0]}@127.0.0.1:${port}/mysql`],
        env: { WA_MYSQL_PASSWORD: ONE[1], WA_MYSQL_PASSWORD2: TWO[1] },
      });
      assert.equal(code, 0, `${stderr}\n${log()}`);
      assert.equal(stderr, '');
      assert.equal(stdout.replaceAll(`:${port}/`, ':PORT/'), fs.readFileSync(path.join(PORTS_DIR, `${seed}.expected`), 'utf8'));
    });
  }
});
