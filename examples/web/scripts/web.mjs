#!/usr/bin/env node
/**
 * `npm run web`: builds the web example if needed and serves it with the
 * COOP/COEP headers that give the page threads.
 *
 *   node examples/web/scripts/web.mjs [--port 8080] [--no-isolation]
 */
import { startServer } from '../../../scripts/serve.mjs';
import { APP_DIST, ensureAppBuilt } from './build-app.mjs';

const args = process.argv.slice(2);
const port = args.includes('--port') ? Number(args[args.indexOf('--port') + 1]) : 8080;
const isolated = !args.includes('--no-isolation');
await ensureAppBuilt();
let server;
try {
  server = await startServer({ root: APP_DIST, port, isolated });
} catch (e) {
  if (e.code !== 'EADDRINUSE') throw e;
  server = await startServer({ root: APP_DIST, port: 0, isolated });
}
console.log(`Sinew web example: ${server.url}`);
console.log(isolated ? '  cross-origin isolated (COOP/COEP): threads+SIMD build' : '  no COOP/COEP: single-thread SIMD build');
console.log('  Ctrl+C to stop');
