// The seed's FastAPI example (examples/seeds/http/fastapi.c) natively and in
// node, against a real redis-server this file starts on 127.0.0.1 with a
// random port and a password: both routes fetched with node's http, the async
// one from many clients at once (through the pool of ten connections), and
// the plain one under wrk.
import assert from 'node:assert/strict';
import http from 'node:http';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ROOT } from '../bin/lib/compile.mjs';
import { buildWithClient, runWrk, startRedis, startServer } from './lib/servers.mjs';
import { needs, needsTarget } from './lib/needs.mjs';
import { VARIANTS } from './lib/programs.mjs';

const SEED = path.join(ROOT, 'examples', 'seeds', 'http', 'fastapi.c');
const CLIENT = path.join(ROOT, 'examples', 'redis', 'redis.c');
const OUT = path.join(ROOT, 'build', 'tests', 'http-seed');
const PASSWORD = 'wasyncio-seed';
const SCALE = 0.02;                      // the seed's 3 s sleep: 60 ms

function get(port, p) {
  return new Promise((resolve, reject) => {
    http.get({ host: '127.0.0.1', port, path: p, agent: false }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode, type: res.headers['content-type'], body }));
    }).on('error', reject);
  });
}

describe('the FastAPI seed port, against a real redis-server', needs('redisServer'), () => {
  let redis, redisPort;
  before(async () => {
    redis = await startRedis(PASSWORD);
    redisPort = redis.port;
  });
  after(() => redis?.stop());

  for (const name of ['native -O2', 'native ASan+UBSan', 'node -O2']) {
    const variant = VARIANTS.find((v) => v.name === name);
    test(`on ${name}: / and /read answer the seed's JSON; / under wrk`, needsTarget(variant.target), async (t) => {
      const out = buildWithClient(SEED, CLIENT, OUT, variant);
      const env = { WA_REDIS_PASSWORD: PASSWORD, WA_SEED_SCALE: String(SCALE) };
      const server = await startServer(out, variant, [`redis://127.0.0.1:${redisPort}`, '0'], env);
      try {
        const index = await get(server.port, '/');
        assert.deepEqual(index, { status: 200, type: 'application/json', body: '{"msg":"hello world"}' });
        const started = Date.now();
        const reads = await Promise.all(Array.from({ length: 25 }, () => get(server.port, '/read')));
        const took = Date.now() - started;
        for (const r of reads) assert.deepEqual(JSON.parse(r.body), { key1: '1', key2: '2' });
        assert.ok(took < 25 * 3000 * SCALE, `${took} ms for 25 requests that each sleep ${3000 * SCALE} ms: not concurrent`);
        assert.equal((await get(server.port, '/nowhere')).status, 404);
        if (!needs('wrk').skip) {
          const r = await runWrk(`http://127.0.0.1:${server.port}/`);
          t.diagnostic(`wrk: ${r.requests} requests, ${r.perSecond} requests/s`);
          assert.ok(r.requests > 0 && !r.socketErrors && !r.non2xx, r.out);
        }
        server.child.kill('SIGTERM');
        const { stdout, stderr } = await server.done;
        assert.equal(stdout.match(/^request came in$/gm)?.length, 25, stdout);
        assert.doesNotMatch(stderr, /AddressSanitizer|runtime error/);
      } finally {
        server.child.kill();
      }
    });
  }
});
