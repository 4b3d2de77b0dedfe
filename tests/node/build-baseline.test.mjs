import { engineSuite, convSuite } from './_engine-suite.mjs';

engineSuite('baseline');
convSuite('baseline');
