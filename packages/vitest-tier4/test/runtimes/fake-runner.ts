import type { ModelRunner } from '../../src/runtimes/types.js';

/** A runner of no model: `run` (and `prepare`, `clock`, ...) as the test gives them, the rest inert. */
export function fakeRunner(parts: Pick<ModelRunner, 'run'> & Partial<ModelRunner>): ModelRunner {
  return {
    format: 'fake',
    runtime: 'test',
    source: 'memory',
    inputNames: [],
    outputNames: [],
    clock: 'node:tinybench performance.now around fake.run',
    close: () => Promise.resolve(),
    ...parts,
  };
}
