/**
 * Option objects are checked against the keys the function implements: an
 * option that is accepted and ignored (a TF.js option Sinew lacks, or a typo)
 * would make ported code run silently wrong.
 */
import { InvalidArgumentError } from './errors.js';

/**
 * A function's options argument: an object, or undefined (then `{}`).
 * Anything else (null, a number, an array) is an InvalidArgumentError naming
 * `where` (reading an option of null was a plain TypeError).
 */
export function optionsArg<T extends object>(where: string, args: T | undefined): T {
  if (args === undefined) return {} as T;
  if (args === null || typeof args !== 'object' || Array.isArray(args)) {
    throw new InvalidArgumentError(`${where}: expected an options object, got ${args === null ? 'null' : Array.isArray(args) ? 'an array' : `the ${typeof args} ${String(args)}`}`);
  }
  return args;
}

/**
 * Throws an InvalidArgumentError naming the first key of `args` that is not
 * in `known` (keys whose value is `undefined` are ignored, as TF.js does).
 * `allowed` lists values that are accepted for options Sinew otherwise lacks
 * (e.g. `dilationRate: 1`), because they ask for what Sinew does anyway.
 */
export function checkOptions(
  where: string,
  args: object | undefined,
  known: readonly string[],
  allowed: Readonly<Record<string, readonly unknown[]>> = {},
): void {
  if (args === undefined || args === null) return;
  if (typeof args !== 'object' || Array.isArray(args)) throw new InvalidArgumentError(`${where}: expected an options object, got ${Array.isArray(args) ? 'an array' : typeof args}`);
  for (const [key, value] of Object.entries(args)) {
    if (value === undefined || known.includes(key)) continue;
    const ok = allowed[key];
    if (ok) {
      if (ok.some((v) => JSON.stringify(v) === JSON.stringify(value))) continue;
      throw new InvalidArgumentError(`${where}: ${key} ${JSON.stringify(value)} is not supported (only ${ok.map((v) => JSON.stringify(v)).join(' or ')})`);
    }
    throw new InvalidArgumentError(`${where}: unknown or unsupported option '${key}' (supported: ${[...known, ...Object.keys(allowed)].join(', ')})`);
  }
}
