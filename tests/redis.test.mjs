// The Redis client (examples/redis) and the Redis seed ports against a real
// redis-server, which this file starts on 127.0.0.1 with a random port and a
// password, and stops. Natively and in node; WASI preview1 cannot connect
// out, so there the client's parser runs alone.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ROOT } from '../bin/lib/compile.mjs';
import { needs } from './lib/needs.mjs';
import { VARIANTS, parseCases, reportCases, runBuilt } from './lib/programs.mjs';
import { buildWithClient, startRedis } from './lib/servers.mjs';

const CLIENT = path.join(ROOT, 'examples', 'redis', 'redis.c');
const PORTS_DIR = path.join(ROOT, 'examples', 'seeds', 'redis');
const OUT = path.join(ROOT, 'build', 'tests', 'redis');
const PASSWORD = 'wasyncio-test';
const variant = (name) => VARIANTS.find((v) => v.name === name);

describe('Redis, against a real redis-server', needs('redisServer', 'cc'), () => {
  let redis, port;
  before(async () => {
    redis = await startRedis(PASSWORD);
    port = redis.port;
  });
  after(() => redis?.stop());

  for (const name of ['native -O0', 'native -O2', 'native ASan+UBSan', 'node -O0', 'node -O2']) {
    test(`the client on ${name}`, name.startsWith('node') ? needs('emcc', 'wasmOpt') : {}, async (t) => {
      const v = variant(name);
      const out = buildWithClient(path.join(ROOT, 'tests', 'redis', 'client.c'), CLIENT, OUT, v);
      const { code, stdout, stderr } = await runBuilt(out, v, { args: [String(port), PASSWORD] });
      await reportCases(t, parseCases(stdout), `${stdout}\n${stderr}\n${redis.log()}`);
      assert.equal(code, 0, stderr);
      assert.doesNotMatch(stderr, /AddressSanitizer|runtime error|LeakSanitizer/);
    });
  }

  for (const name of ['wasi -O2']) {
    test(`the client's parser on ${name}`, needs('clang', 'wasiSysroot', 'wasmOpt'), async (t) => {
      const v = variant(name);
      const out = buildWithClient(path.join(ROOT, 'tests', 'redis', 'client.c'), CLIENT, OUT, v);
      const { code, stdout, stderr } = await runBuilt(out, v);
      await reportCases(t, parseCases(stdout), `${stdout}\n${stderr}`);
      assert.equal(code, 0, stderr);
    });
  }

  const seeds = fs.readdirSync(PORTS_DIR).filter((f) => f.endsWith('.c')).map((f) => f.slice(0, -2));
  for (const [seed, name] of seeds.flatMap((s) => [[s, 'native -O2'], [s, 'node -O2']])) {
    test(`seed port ${seed} on ${name} prints what the seed prints`, async () => {
      const v = variant(name);
      const out = buildWithClient(path.join(PORTS_DIR, `${seed}.c`), CLIENT, OUT, v);
      const { code, stdout, stderr } = await runBuilt(out, v, { args: [`redis://127.0.0.1:${port}`], env: { WA_REDIS_PASSWORD: PASSWORD } });
      assert.equal(stdout.replaceAll(`:${port}`, ':PORT'), fs.readFileSync(path.join(PORTS_DIR, `${seed}.expected`), 'utf8'));
      assert.equal(code, 0, stderr);
      assert.equal(stderr, '');
    });
  }
});
