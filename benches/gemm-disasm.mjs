#!/usr/bin/env node
// The x86-64 code V8 generates for the GEMM micro-kernel's depth loop, and
// what it is made of: the instructions per depth step that do arithmetic
// (mul/add, or fused multiply-add), load vectors, or keep the loop going
// (pointer bumps, zero-extensions, V8's stack check, the counter). Explains
// why the one-thread GEMM stays well below the mul+add peak that
// `npm run bench:kernels` measures with a loop of arithmetic alone.
//
// Runs Node with --print-wasm-code (every function compiled by TurboFan up
// front) on a few products, then picks the loop that accumulates into the
// most distinct vector registers: the register-tiled micro-kernel.
//
//   node benches/gemm-disasm.mjs [--relaxed] [--listing]
import { spawnSync } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { relaxedSimdNodeFlags } from '../dist/engine/detect.js';

const relaxed = process.argv.includes('--relaxed');
const listing = process.argv.includes('--listing');
const backend = relaxed ? 'simd-relaxed' : 'simd';
const dist = pathToFileURL(fileURLToPath(new URL('../dist/index.js', import.meta.url))).href;
const script = `
  import * as s from '${dist}';
  const info = await s.init({ backend: '${backend}' });
  if (info.build !== '${backend}') throw new Error('loaded the ' + info.build + ' build, not ${backend}');
  const a = s.ones([256, 256]);
  s.matmul(a, a).dispose();`;
const flags = ['--print-wasm-code', '--no-liftoff', '--no-wasm-lazy-compilation', ...(relaxed ? relaxedSimdNodeFlags() : [])];
const run = spawnSync(process.execPath, [...flags, '--input-type=module', '-e', script], { encoding: 'utf8', maxBuffer: 1 << 30 });
if (run.status !== 0) throw new Error(`node ${flags.join(' ')} failed:\n${run.stderr}`);
if (!run.stdout.includes('--- WebAssembly code ---')) throw new Error(`this Node (${process.version}) printed no WebAssembly code: its V8 lacks a disassembler`);

/** Instructions of one function: { at (address), text }. */
const functions = run.stdout.split('--- WebAssembly code ---').slice(1).map((chunk) =>
  chunk.split('\n').flatMap((line) => {
    const m = /^0x([0-9a-f]+)\s+[0-9a-f]+\s+[0-9a-f]+\s+(.+)$/.exec(line);
    return m ? [{ at: BigInt(`0x${m[1]}`), text: m[2].trim() }] : [];
  }),
);

const ARITH = /^(v?mulps|v?addps|vfmadd\w*ps)\b/;
/** Loops: a conditional jump back to an earlier instruction of the same function. */
function loops(code) {
  const out = [];
  code.forEach((ins, end) => {
    const m = /^j(?!mp)\w+\s+0x([0-9a-f]+)/.exec(ins.text);
    if (!m) return;
    const start = code.findIndex((x) => x.at === BigInt(`0x${m[1]}`));
    if (start >= 0 && start < end) out.push(code.slice(start, end + 1));
  });
  return out;
}
/** Distinct registers the loop accumulates into (`vaddps xN,xN,…` or an FMA's destination). */
const accumulators = (body) =>
  new Set(body.flatMap((i) => {
    const m = /^(vaddps|addps|vfmadd\w*ps)\s+(xmm\d+),(xmm\d+)/.exec(i.text);
    return m && (m[1].startsWith('vfmadd') || m[1] === 'addps' || m[2] === m[3]) ? [m[2]] : [];
  })).size;

const best = functions.flatMap(loops).reduce((a, b) => (accumulators(b) > accumulators(a ?? []) ? b : a), null);
if (!best || accumulators(best) < 8) throw new Error('no register-tiled loop found in the generated code');

const kinds = { arithmetic: [], 'vector loads': [], 'loop overhead': [] };
for (const ins of best) {
  if (ARITH.test(ins.text)) kinds.arithmetic.push(ins);
  else if (/^v?(movdqu|movups|movaps|broadcastss)\s+xmm\d+,\[/.test(ins.text)) kinds['vector loads'].push(ins);
  else kinds['loop overhead'].push(ins);
}
const fma = kinds.arithmetic.filter((i) => i.text.startsWith('vfmadd')).length;
const flops = 4 * (kinds.arithmetic.length - fma) + 8 * fma;
console.log(`${backend} build, Node ${process.version}: the GEMM micro-kernel's depth step (${accumulators(best)} accumulator registers)`);
if (listing) console.log(best.map((i) => `  ${i.text}`).join('\n'));
for (const [k, v] of Object.entries(kinds)) {
  const names = [...new Set(v.map((i) => i.text.replace(/^REX\.W /, '').split(/\s+/)[0]))].join(', ');
  console.log(`  ${String(v.length).padStart(2)} ${k} (${names})`);
}
console.log(`  ${best.length} instructions per step for ${flops} flops: ${(best.length / (flops / 8)).toFixed(2)} instructions per 8 flops, ` +
  `${((100 * kinds.arithmetic.length) / best.length).toFixed(0)} % of them arithmetic (the peak loop: 100 %)`);
