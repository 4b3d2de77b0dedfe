import { engineSuite, convSuite } from './_engine-suite.mjs';

engineSuite('threads');
convSuite('threads');

import test from 'ava';
import os from 'node:os';
import * as sinew from '../../dist/index.js';

test.serial('threads: every pool thread takes part in a job', (t) => {
  // The probe's tasks each wait until all have started, so each ran on its own thread.
  t.is(sinew.probeThreadPool(), os.availableParallelism());
});
