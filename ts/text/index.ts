/** A small text toolkit: tokenizing (words or characters), padding, vocabulary files. */
export { Tokenizer, DEFAULT_FILTERS, VOCABULARY_FILE } from './tokenizer.js';
export type { TokenizerArgs, TokenizerJSON } from './tokenizer.js';
export { padSequences, padSequencesArray } from './pad-sequences.js';
export type { PadSequencesArgs } from './pad-sequences.js';
