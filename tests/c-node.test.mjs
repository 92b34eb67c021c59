// The C test programs, built for node at every level the suite covers.
import { cSuite } from './lib/c-suite.mjs';

cSuite('node');
