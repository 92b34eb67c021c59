// The C test programs, built for native at every level the suite covers.
import { cSuite } from './lib/c-suite.mjs';

cSuite('native');
