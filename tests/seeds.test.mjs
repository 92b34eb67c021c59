// The seed tutorials' programs, ported to C (examples/seeds), must print
// exactly what their Python originals print, on every host. Sleeps are scaled
// by WA_SEED_SCALE so "99 tasks sleeping 2 s finish in about 2 s" takes 0.4 s,
// and the programs print elapsed times back in the seeds' units.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { before, describe, test } from 'node:test';
import { ROOT } from '../bin/lib/compile.mjs';
import { VARIANTS, runBuilt, sharedBuild } from './lib/programs.mjs';

const SEEDS = path.join(ROOT, 'examples', 'seeds');
const PORTS = fs.readdirSync(SEEDS).filter((f) => f.endsWith('.c')).map((f) => f.slice(0, -2));
// One build per host: the seeds check behaviour, which the C programs
// already check at every optimisation level.
const HOSTS = VARIANTS.filter((v) => ['native -O2', 'wasi -O2', 'node -O2'].includes(v.name));
// A future nobody sets: Python hangs, wasyncio reports the deadlock and fails.
const EXIT_CODES = { future_never_set: 1 };

// The hosts run side by side (the seeds mostly sleep), once every build is made.
describe('seeds', { concurrency: HOSTS.length }, () => {
  const builds = HOSTS.map((variant) => sharedBuild('seeds', PORTS.map((port) => path.join(SEEDS, `${port}.c`)), variant));
  before(() => builds.forEach((built) => built()));
  HOSTS.forEach((variant, i) => {
    describe(`seeds on ${variant.name}`, () => {
      for (const port of PORTS) {
        test(port, async () => {
          const { code, stdout, stderr } = await runBuilt(builds[i](), variant, { args: [port], env: { WA_SEED_SCALE: '0.2' } });
          assert.equal(stdout, fs.readFileSync(path.join(SEEDS, `${port}.expected`), 'utf8'));
          assert.equal(code, EXIT_CODES[port] ?? 0, stderr);
          if (port === 'future_never_set') assert.match(stderr, /deadlock/);
        });
      }
    });
  });
});
