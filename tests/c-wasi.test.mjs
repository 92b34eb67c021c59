// The C test programs, built for wasi at every level the suite covers.
import { cSuite } from './lib/c-suite.mjs';

cSuite('wasi');
