import { engineSuite } from './_engine-suite.mjs';

engineSuite('baseline');
