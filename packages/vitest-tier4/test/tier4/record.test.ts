import { describe, expect, test } from 'vitest';
import { readTier4Records } from '../../src/meta/index.js';
import { recordTier4Report, runTier4 } from '../../src/tier4/index.js';
import { fixture } from './helpers.js';

describe('recordTier4Report', () => {
  test('inside a test: pushes { kind: tier4, report } into the current task.meta.tier4', async ({ task }) => {
    const report = await runTier4({ exportDir: (await fixture('simple_cnn')).dir, formats: ['onnx'], numSamples: 1, latency: false });
    const record = await recordTier4Report(report);
    expect(record).toEqual({ kind: 'tier4', report });
    const records = readTier4Records(task);
    expect(records.at(-1)).toEqual({ kind: 'tier4', report });
    // JSON-serialisable, as Vitest ships meta to the reporter
    expect(JSON.parse(JSON.stringify(records.at(-1)))).toEqual(JSON.parse(JSON.stringify({ kind: 'tier4', report })));
  });

  test('an explicit task is used as given; null records nothing', async () => {
    const report = await runTier4({ exportDir: (await fixture('simple_cnn')).dir, formats: ['onnx'], numSamples: 1, latency: false });
    const task = { meta: {} };
    await recordTier4Report(report, task);
    expect(readTier4Records(task)).toEqual([{ kind: 'tier4', report }]);
    expect(await recordTier4Report(report, null)).toBeNull();
  });

  test('a non-report is a TypeError', async () => {
    await expect(recordTier4Report({} as never)).rejects.toThrow(/recordTier4Report: expected a Tier 4 report/);
  });
});
