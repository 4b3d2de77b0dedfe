// `npm publish` guard (prepublishOnly): refuses to publish a package whose
// metadata still points at placeholders or whose dist/ lacks a WASM build.
import { existsSync, readFileSync } from 'node:fs';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
const problems = [];
for (const [field, url] of [['repository', pkg.repository?.url], ['homepage', pkg.homepage], ['bugs', pkg.bugs?.url]]) {
  if (!url || /\.invalid\b/.test(url)) problems.push(`package.json ${field} is a placeholder (${url}): set the real URL`);
}
for (const b of ['threads', 'simd', 'baseline', 'threads-relaxed', 'simd-relaxed']) {
  if (!existsSync(new URL(`../dist/wasm/${b}/sinew_wasm_bg.wasm`, import.meta.url))) problems.push(`dist/wasm/${b} is missing: run bash build.sh`);
}
if (problems.length) {
  console.error(`not publishing:\n- ${problems.join('\n- ')}`);
  process.exit(1);
}
