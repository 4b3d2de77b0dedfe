import { engineSuite, convSuite } from './_engine-suite.mjs';

engineSuite('threads');
convSuite('threads');

import test from 'ava';
import os from 'node:os';
import * as sinew from '../../dist/index.js';

test.serial('threads: every pool worker runs rayon tasks', (t) => {
  // A rayon broadcast reaches each worker thread of the pool once.
  t.is(sinew.probeThreadPool(), os.availableParallelism());
});
