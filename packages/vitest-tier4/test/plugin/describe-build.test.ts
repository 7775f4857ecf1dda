import { describe, expect, it } from 'vitest';
import type { Fixture } from 'vitest-tier4-fixtures';
import { describeBuild } from '../../src/plugin/global-setup.js';

function fixture(cached: boolean, quantization: 'dynamic' | null): Fixture {
  return {
    dir: '/cache/lm_stub-abc',
    key: 'lm_stub-abc',
    cached,
    sampleCount: 10,
    metadata: { task_name: 'lm_stub', quantization, formats_written: ['torchscript', 'pytorch'] },
  } as unknown as Fixture;
}

describe('describeBuild', () => {
  it('says when Python exported the fixture and how long it took', () => {
    expect(describeBuild('lm', fixture(false, null), 3210)).toBe(
      ' vitest-tier4 fixture lm: lm_stub: torchscript, pytorch, 10 samples, exported with Python in 3.2 s -> /cache/lm_stub-abc',
    );
  });

  it('says when the cache answered, and names the quantization', () => {
    expect(describeBuild('lmQ', fixture(true, 'dynamic'), 4)).toBe(
      ' vitest-tier4 fixture lmQ: lm_stub (dynamic quantization): torchscript, pytorch, 10 samples, reused from the cache -> /cache/lm_stub-abc',
    );
  });

  it('says when a damaged cached entry was rebuilt, and what was damaged', () => {
    const f = { ...fixture(false, null), cacheDamage: 'samples/sample_001/logits.npy is missing' } as Fixture;
    expect(describeBuild('lm', f, 2500)).toBe(
      ' vitest-tier4 fixture lm: lm_stub: torchscript, pytorch, 10 samples, the cached entry was damaged (samples/sample_001/logits.npy is missing): exported with Python in 2.5 s -> /cache/lm_stub-abc',
    );
  });
});
