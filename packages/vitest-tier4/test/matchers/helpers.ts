import { stripVTControlCharacters } from 'node:util';

/** Runs an assertion that must fail and returns its message without colours. */
export function failureOf(fn: () => void): string {
  try {
    fn();
  } catch (err) {
    return stripVTControlCharacters((err as Error).message);
  }
  throw new Error('expected the assertion to fail, but it passed');
}
