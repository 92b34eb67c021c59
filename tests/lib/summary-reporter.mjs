// A node:test reporter that ends the run with what it checked: results (every
// leaf test on every build), distinct checks (the same check on several builds
// counts once), runs (a test program run on one build) and builds (a host and
// level the programs are built for).
import { VARIANTS } from './programs.mjs';

const BUILD_NAMES = new Set(VARIANTS.map((v) => v.name));

// The path of names without the build it ran on: [check key, build or null,
// the build's depth in the path].
function split(path) {
  let build = null, depth = -1;
  const rest = [];
  path.forEach((name, i) => {
    const seeds = /^seeds on (.*)$/.exec(name);
    if (BUILD_NAMES.has(name)) [build, depth] = [name, i];
    else if (seeds && BUILD_NAMES.has(seeds[1])) {
      [build, depth] = [seeds[1], i];
      rest.push('seeds');
    } else rest.push(name);
  });
  return [rest.join(' > '), build, depth];
}

export default async function* summary(source) {
  // node:test reports each test file's events together, in order (files
  // running at once are buffered), so one stack of names serves.
  const f = { names: [], parents: [] };  // names by nesting; whether each has subtests
  const checks = new Set(), runs = new Set(), builds = new Set();
  let results = 0, failed = 0, skipped = 0;
  for await (const { type, data } of source) {
    if (!data || data.nesting === undefined) continue;
    if (type === 'test:start') {
      f.names[data.nesting] = data.name;
      f.names.length = data.nesting + 1;
      if (data.nesting > 0) f.parents[data.nesting - 1] = true;
      f.parents[data.nesting] = false;
    } else if (type === 'test:pass' || type === 'test:fail') {
      const [key, build, depth] = split(f.names.slice(0, data.nesting + 1));
      // A program's test on a build is one run (its cases are its subtests).
      if (build && data.nesting === depth + 1) {
        runs.add(`${f.names.slice(0, data.nesting).join(' > ')} > ${data.name}`);
        builds.add(build);
      }
      if (f.parents[data.nesting]) continue;        // not a leaf: its subtests count
      if (data.skip) {
        skipped++;
        continue;
      }
      results++;
      checks.add(key);
      if (type === 'test:fail') failed++;
    }
  }
  yield `# summary: ${results} results of ${checks.size} distinct checks, from ${runs.size} runs of test programs on ${builds.size} builds; ` +
    `${failed} failed, ${skipped} skipped\n`;
}
