import { engineSuite, convSuite } from './_engine-suite.mjs';

engineSuite('simd');
convSuite('simd');
