// Analytic gradients of every differentiable op vs central finite differences, baseline build.
import { gradcheckSuite } from './_gradcheck.mjs';

gradcheckSuite('baseline');
