// Type tests of the matcher augmentation as shipped: `import 'vitest-tier4/setup'` (resolved through the
// package's exports map to dist/) must be enough to type the matchers and task.meta.tier4.
// Checked by `pnpm run typecheck`; the runtime part only checks that the entry registered the matchers.
import 'vitest-tier4/setup';
import type { NpyArray } from 'npyjs';
import type * as ort from 'onnxruntime-node';
import { expect, expectTypeOf, test } from 'vitest';
import type { RunnerTestCase, TaskMeta } from 'vitest';
import type { ParityResult, Tier4Matchers, Tier4Record, Tier4TaskMeta, ToleranceSpec } from 'vitest-tier4';

declare const tensor: ort.Tensor;
declare const meta: ort.InferenceSession.ValueMetadata;
declare const npy: NpyArray; // npyjs declares its data as ArrayBufferView
const data = { data: new Float32Array(2), dims: [2], type: 'float32' };

// Never called: these lines only have to compile (or fail to compile where marked).
function typeOnly(): void {
  expect(tensor).toMatchParity(tensor);
  expect(npy).toMatchParity(npy, 'fp16');
  expect(tensor).toMatchParity(npy);
  expect(data).toMatchParity(data, 1e-3);
  expect(data).toMatchParity([1, 2], { atol: 1e-3, rtol: 0 });
  expect(data).toMatchParity(data, 'fp16');
  expect(data).toMatchParity(data, { quantized: 1e-2 });
  expect(data).toMatchParity(data, { atol: 1e-3, statistic: { quantile: 0.99 }, allowedMismatchFraction: 0.01 });
  expect(data).toMatchParity(data, 'fp32', { model: 'lm', format: 'onnx', output: 'logits', sample: 0, allowIntFloat: true });
  expect(data).not.toMatchParity(new Float32Array(2));
  expect(tensor).toHaveShape([1, null, 'batch']);
  expect(meta).toHaveShape(['batch', 10]);
  expect(tensor).toHaveDtype('float16');
  expect(tensor).toHaveDtype('f4');
  expect(tensor).toBeFinite();
  expect(tensor).not.toBeFinite();

  // @ts-expect-error unknown preset
  expect(data).toMatchParity(data, 'fp8');
  // @ts-expect-error a preset map takes numbers
  expect(data).toMatchParity(data, { fp32: 'tight' });
  // @ts-expect-error labels are strings
  expect(data).toMatchParity(data, 'fp32', { model: 1 });
  // @ts-expect-error shape entries are number | string | null
  expect(data).toHaveShape([true]);
  // @ts-expect-error unknown dtype
  expect(data).toHaveDtype('float8');
  // @ts-expect-error toBeFinite takes no argument
  expect(data).toBeFinite(1);
}

test('vitest-tier4/setup registers the matchers and types them', () => {
  expectTypeOf(typeOnly).toBeFunction();
  expectTypeOf<ToleranceSpec>().toExtend<number | string | object>();
  expectTypeOf<Tier4Matchers<void>['toHaveShape']>().parameters.toEqualTypeOf<[readonly (number | string | null)[]]>();
  expectTypeOf<TaskMeta['tier4']>().toEqualTypeOf<Tier4TaskMeta | undefined>();
  expectTypeOf<RunnerTestCase['meta']['tier4']>().toEqualTypeOf<Tier4TaskMeta | undefined>();
  expectTypeOf<Extract<Tier4Record, { kind: 'parity' }>['summary']>().toEqualTypeOf<ParityResult>();
  expectTypeOf<ParityResult['max_abs_diff']>().toBeNumber();
  // the side-effect entry really extended expect
  expect(() => expect([1]).toMatchParity([1])).not.toThrow();
  expect(() => expect([1]).toHaveShape([1])).not.toThrow();
});
