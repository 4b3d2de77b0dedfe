// Runs a snippet against one build in its own Node process, with a time
// limit: for cases that used to trap the engine, hang, or kill the process,
// which must not take the test runner down with them.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const dist = new URL('../../dist/index.js', import.meta.url).href;
const root = fileURLToPath(new URL('../..', import.meta.url));

/**
 * `code` is the body of an async function that gets `sinew` (initialised on
 * `backend`) and returns a JSON-able value. Resolves to `{ value, error,
 * timedOut, code, stderr }`: `error` is `{ name, message }` when the snippet
 * threw, `value` its result otherwise.
 */
export function isolated(code, { backend = 'threads', timeoutMs = 60_000, nodeArgs = [] } = {}) {
  const program = `
    import * as sinew from ${JSON.stringify(dist)};
    await sinew.init({ backend: ${JSON.stringify(backend)} });
    const run = async (sinew) => { ${code} };
    let out;
    try {
      out = { value: await run(sinew) };
    } catch (e) {
      out = { error: { name: e?.name, message: String(e?.message ?? e), isSinew: e instanceof sinew.SinewError } };
    }
    process.stdout.write('\\nRESULT ' + JSON.stringify(out) + '\\n');
    process.exit(0);
  `;
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [...nodeArgs, '--input-type=module', '-e', program], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('close', (exitCode) => {
      clearTimeout(timer);
      const line = stdout.split('\n').find((l) => l.startsWith('RESULT '));
      const parsed = line ? JSON.parse(line.slice('RESULT '.length)) : {};
      resolve({ ...parsed, timedOut, code: exitCode, stderr });
    });
  });
}
