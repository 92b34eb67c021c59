// Tests name the tools they need: where one is missing, the test is skipped
// with the tool's name and how to install it, and the rest of the suite runs.
// CI sets WA_REQUIRE_TOOLS=1: there a missing tool fails its tests instead.
import { test } from 'node:test';
import { TARGET_TOOLS, missingTools } from '../../bin/lib/tools.mjs';

/** node:test options for a test that needs these tools (names from tools.mjs). */
export function needs(...names) {
  if (process.env.WA_REQUIRE_TOOLS === '1') return {};
  const missing = missingTools(names);
  return missing.length ? { skip: missing.map((m) => m.message).join('; ') } : {};
}

/** The same for a build target's tools. */
export const needsTarget = (target) => needs(...TARGET_TOOLS[target]);

/** node:test's test, skipping (by the missing tool's name) where these tools
 *  are missing; .skipped is that reason, or undefined. */
export function testNeeding(...names) {
  const options = needs(...names);
  const wrapped = (name, ...rest) => {
    const fn = rest.pop();
    return test(name, { ...(rest[0] ?? {}), ...options }, fn);
  };
  wrapped.skipped = options.skip;
  return wrapped;
}
