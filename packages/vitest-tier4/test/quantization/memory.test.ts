/** The memory probes: a fresh process per artifact, errors naming the artifact, timeouts that kill. */
import { describe, expect, test } from 'vitest';
import { measureResidentMemory, MemoryProbeError } from '../../src/quantization/memory.js';
import { fixture } from '../tier4/helpers.js';

describe('measureResidentMemory', () => {
  test('ONNX: the median growth of rss over the measured sessions', async () => {
    const fx = await fixture('simple_cnn');
    const m = await measureResidentMemory('onnx', fx.paths.onnx!, { loads: 3 });
    expect(m.rss_deltas).toHaveLength(3);
    expect(m.memory_bytes).toBe([...m.rss_deltas].sort((a, b) => a - b)[1]);
    expect(m.method).toBe(
      'onnxruntime-node in a fresh Node process: median growth of process.memoryUsage().rss over 3 InferenceSession.create of the file after one warm-up session, every session kept alive',
    );
  });

  test('a file that cannot be loaded, a timeout, a bad format or loads: clear errors', async () => {
    await expect(measureResidentMemory('onnx', '/nonexistent/model.onnx')).rejects.toThrow(
      /^memory probe of onnx \/nonexistent\/model\.onnx failed \(exit code 1\): probe-onnx: .*nonexistent/,
    );
    const fx = await fixture('simple_cnn');
    const err = await measureResidentMemory('onnx', fx.paths.onnx!, { timeoutMs: 1 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MemoryProbeError);
    expect((err as Error).message).toBe(`memory probe of onnx ${fx.paths.onnx!} timed out after 1 ms (killed)`);
    await expect(measureResidentMemory('pytorch', 'x')).rejects.toThrow(new TypeError(`measureResidentMemory: format must be 'onnx' or 'torchscript', received "pytorch"`));
    await expect(measureResidentMemory('onnx', 'x', { loads: 0 })).rejects.toThrow(new TypeError('measureResidentMemory: loads must be an integer >= 1, received 0'));
  });
});
