// Compiled on its own by types-isolated.test.ts: a consumer that imports nothing but 'vitest-tier4/setup'
// (resolved through the exports map to dist/) must get the matcher types and task.meta.tier4.
import 'vitest-tier4/setup';
import { expect, test } from 'vitest';

test('consumer', ({ task }) => {
  expect([1, 2]).toMatchParity([1, 2], { fp16: 1e-3 }, { output: 'logits' });
  expect([1, 2]).toHaveShape(['n']);
  expect([1, 2]).toHaveDtype('float64');
  expect([1, 2]).toBeFinite();
  const records: number | undefined = task.meta.tier4?.records.length;
  void records;
  // @ts-expect-error unknown preset
  expect([1]).toMatchParity([1], 'fp8');
});
