// Analytic gradients of every differentiable op vs central finite differences, simd build.
import { gradcheckSuite } from './_gradcheck.mjs';

gradcheckSuite('simd');
