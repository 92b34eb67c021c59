// Prints one line per tool wasyncio's build and tests need but cannot find
// (its name, a tab, what to do), and nothing when all are there.
import { missingTools, tools } from '../bin/lib/tools.mjs';

for (const { tool, message } of missingTools(Object.keys(tools).filter((t) => t !== 'emccEnv'))) console.log(`${tool}\t${message}`);
